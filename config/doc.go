// Package config holds the one validated configuration of a circles-actor
// server or worker process.
//
// Config is a plain struct filled by the kong CLI (cmd/circles-actor) and by
// programs that embed the server; it imports nothing of this module and no
// CLI library, so both can share it. Start from Default, change fields, then
// call Validate, which reports every problem at once and canonicalises the
// circle keys in place.
//
// CanonicalKey and Fingerprint are the helpers the rest of the server uses
// for circle keys: one spelling everywhere (lowercase compressed hex) and a
// short, non-secret tag for logs.
package config
