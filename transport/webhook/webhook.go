// Package webhook verifies Stripe and iDenfy webhook signatures and runs the
// configured handler script in the addressed circle.
//
// NewHandler returns the http.Handler for POST /webhooks/{provider}/{circle_pk}
// (provider "stripe" or "idenfy"). A request goes through these steps, each
// of which can end it:
//
//  1. route: unknown provider, malformed or unhosted circle, or a provider
//     with no secret for that circle (neither the circle's own nor the
//     server-wide one): 404. A provider without a secret is switched off;
//     unsigned events are never accepted.
//  2. body: read through http.MaxBytesReader; over Config.WebhookMaxBody: 413.
//  3. signature: Stripe-Signature (VerifyStripe) or Idenfy-Signature
//     (VerifyIdenfy). An unparseable header is 400; a missing header, a
//     wrong signature, a stale Stripe timestamp or a replayed iDenfy
//     signature is 401 with the one body {"error":"invalid signature"}.
//  4. event: the body must be a JSON object, else 400.
//  5. script: DIR/<circle_pk>/<provider>.rhai, else DIR/<provider>.rhai
//     (DIR is Config.WebhookScripts); none: 501.
//  6. run: a scripting.Task through Options.Run, the same dispatcher path as
//     play, with EVENT, EVENT_TYPE and PROVIDER in scope. 200 with the
//     output, 500 with the script's error message, 503 when no worker
//     could take the task.
//
// docs/webhooks.md describes the endpoints for operators, with curl
// examples.
package webhook

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/circles-actor/circles-actor/config"
	"github.com/circles-actor/circles-actor/internal/ratelog"
	"github.com/circles-actor/circles-actor/scripting"
)

// Options configure the webhook handler. Run is required; every other
// field's zero value is the default stated on it.
type Options struct {
	// Run dispatches a task to the circle's workers (the same path as play).
	// It must return scripting.ErrUnavailable or scripting.ErrTimeout
	// (possibly wrapped) when no result could be had; the handler answers
	// those with 503.
	Run func(ctx context.Context, t scripting.Task) (scripting.Result, error)
	// HasCircle reports whether a canonical circle pk is hosted here.
	// Default: Config.HasCircle (the configured PublicKeys).
	HasCircle func(pk string) bool
	// Logger receives one line per refused or failed request and per run.
	// Default slog.Default().
	Logger *slog.Logger
	// Config supplies the secrets (StripeWebhookSecret, IdenfyWebhookSecret,
	// CircleWebhookSecrets), WebhookScripts, WebhookMaxBody,
	// StripeTolerance, IdenfyReplayWindow, ScriptTimeout and MaxScriptBytes.
	// Zero durations and sizes mean config.Default()'s values.
	Config config.Config
	// Now is the clock for Stripe timestamps and the replay window.
	// Default time.Now.
	Now func() time.Time
	// ReplayCapacity bounds how many iDenfy signatures are remembered
	// within IdenfyReplayWindow; the oldest is forgotten first.
	// Default 10,000 (about 1 MiB).
	ReplayCapacity int
	// NewTaskID names each task (TASK_ID). Default 16 random bytes in hex.
	NewTaskID func() string
}

// handler serves POST /webhooks/{provider}/{circle_pk}. It is safe for
// concurrent use.
type handler struct {
	run       func(ctx context.Context, t scripting.Task) (scripting.Result, error)
	hasCircle func(pk string) bool
	log       *slog.Logger
	cfg       config.Config
	now       func() time.Time
	newTaskID func() string
	replays   *replayCache
	scripts   *scriptStore
	downLog   *ratelog.Limiter // "webhook not run": once per interval per reason
}

// unavailableLogInterval is how often a webhook refusal that repeats (no
// worker, Redis down) is logged: once per reason with a count.
const unavailableLogInterval = 10 * time.Second

// NewHandler returns the handler for POST /webhooks/{provider}/{circle_pk}.
// Mount it at "/webhooks/" without stripping the prefix (a handler mounted
// behind http.StripPrefix, seeing /{provider}/{circle_pk}, works too).
func NewHandler(opts Options) (http.Handler, error) {
	if opts.Run == nil {
		return nil, errors.New("failed to create webhook handler: Options.Run is nil")
	}
	cfg, err := withDefaults(opts.Config)
	if err != nil {
		return nil, fmt.Errorf("failed to create webhook handler: %w", err)
	}
	h := &handler{
		run:       opts.Run,
		hasCircle: opts.HasCircle,
		log:       opts.Logger,
		cfg:       cfg,
		now:       opts.Now,
		newTaskID: opts.NewTaskID,
		downLog:   ratelog.New(unavailableLogInterval),
		replays:   newReplayCache(cfg.IdenfyReplayWindow, opts.ReplayCapacity),
		scripts:   newScriptStore(cfg.WebhookScripts, cfg.MaxScriptBytes),
	}
	if h.hasCircle == nil {
		h.hasCircle = h.cfg.HasCircle
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.newTaskID == nil {
		h.newTaskID = randomTaskID
	}
	return h, nil
}

// withDefaults fills zero sizes and durations from config.Default and
// canonicalises the circle keys, so that a Config that skipped Validate
// (an embedding program, a test) still behaves.
func withDefaults(cfg config.Config) (config.Config, error) {
	cfg.FillDefaults()
	keys := make([]string, 0, len(cfg.PublicKeys))
	for _, k := range cfg.PublicKeys {
		if strings.TrimSpace(k) == "" {
			continue
		}
		c, err := config.CanonicalKey(strings.TrimSpace(k))
		if err != nil {
			return cfg, fmt.Errorf("invalid circle key %s: %w", config.Fingerprint(k), err)
		}
		keys = append(keys, c)
	}
	cfg.PublicKeys = keys
	secrets := make(map[string]config.ProviderSecrets, len(cfg.CircleWebhookSecrets))
	for k, s := range cfg.CircleWebhookSecrets {
		c, err := config.CanonicalKey(strings.TrimSpace(k))
		if err != nil {
			return cfg, fmt.Errorf("invalid circle key %s in webhook secrets: %w", config.Fingerprint(k), err)
		}
		secrets[c] = s
	}
	cfg.CircleWebhookSecrets = secrets
	return cfg, nil
}

func randomTaskID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// request is one webhook delivery as it moves through ServeHTTP.
type request struct {
	provider string
	circle   string // canonical
	remote   string // client address, for refusal logs
	body     []byte
	replay   *[sha256.Size]byte // iDenfy: the claimed replay key
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	provider, rawCircle, ok := splitPath(r.URL.Path)
	if !ok {
		writeNotFound(w)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, errorBody{Error: "method not allowed"})
		return
	}
	circle, ok := h.canonicalCircle(rawCircle)
	if !ok {
		writeCircleNotFound(w, rawCircle)
		return
	}
	secret := h.secret(provider, circle)
	if secret == "" {
		writeNotFound(w)
		return
	}
	req := &request{provider: provider, circle: circle, remote: r.RemoteAddr}
	var err error
	if req.body, err = readBody(w, r, h.cfg.WebhookMaxBody); err != nil {
		h.refuseBody(w, req, err)
		return
	}
	if err := h.verify(r, req, secret); err != nil {
		h.refuseSignature(w, req, err)
		return
	}
	processed := false
	if req.replay != nil {
		// Forget the signature of an event we did not process (even if a
		// bug panics below), so the provider's retry is not a "replay".
		defer func() {
			if !processed {
				h.replays.release(*req.replay)
			}
		}()
	}
	processed = h.handle(r.Context(), w, req)
}

// splitPath takes {provider} and {circle_pk} from /webhooks/{provider}/{pk}
// (or /{provider}/{pk} behind StripPrefix) and reports whether the path
// has that shape with a known provider.
func splitPath(p string) (provider, circle string, ok bool) {
	parts := strings.Split(strings.Trim(p, "/"), "/")
	if len(parts) == 3 && parts[0] == "webhooks" {
		parts = parts[1:]
	}
	if len(parts) != 2 || parts[1] == "" {
		return "", "", false
	}
	switch parts[0] {
	case ProviderStripe, ProviderIdenfy:
		return parts[0], parts[1], true
	}
	return "", "", false
}

// canonicalCircle returns the canonical key of a served circle spelled as
// raw. The usual spelling (already canonical) is looked up directly: every
// served key was validated when configured, so the curve arithmetic of
// config.CanonicalKey (a point decompression) is only paid for other
// spellings and for unknown keys.
func (h *handler) canonicalCircle(raw string) (string, bool) {
	if h.hasCircle(raw) {
		return raw, true
	}
	c, err := config.CanonicalKey(raw)
	if err != nil || c == raw || !h.hasCircle(c) {
		return "", false
	}
	return c, true
}

// secret is the provider's secret for circle: the circle's own or the
// server-wide one; "" means the provider is off for this circle.
func (h *handler) secret(provider, circle string) string {
	if provider == ProviderStripe {
		return h.cfg.StripeSecret(circle)
	}
	return h.cfg.IdenfySecret(circle)
}

// verify checks the provider's signature header and, for iDenfy, claims
// the signature in the replay cache. On success req.replay is set for iDenfy.
func (h *handler) verify(r *http.Request, req *request, secret string) error {
	if req.provider == ProviderStripe {
		return VerifyStripe(r.Header.Get("Stripe-Signature"), req.body, secret, h.cfg.StripeTolerance, h.now())
	}
	sig, err := VerifyIdenfy(r.Header.Get("Idenfy-Signature"), req.body, secret)
	if err != nil {
		return err
	}
	if !h.replays.claim(sig, h.now()) {
		return ErrReplay
	}
	req.replay = &sig
	return nil
}
