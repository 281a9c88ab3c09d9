package main

import (
	"time"

	"github.com/circles-actor/circles-actor/config"
)

// SandboxFlags are the script sandbox's flags, shared by `serve` and
// `worker` so that both kinds of process run scripts under the same limits.
type SandboxFlags struct {
	ScriptTimeout  time.Duration `name:"script-timeout" default:"30s" help:"Wall-clock limit of one script." env:"CIRCLES_SCRIPT_TIMEOUT"`
	MaxScriptBytes int           `name:"max-script-bytes" default:"262144" help:"Largest script source accepted." env:"CIRCLES_MAX_SCRIPT_BYTES"`
	MaxOperations  uint64        `name:"max-operations" default:"50000000" help:"Operations per script run." env:"CIRCLES_MAX_OPERATIONS"`
	MaxCallDepth   int           `name:"max-call-depth" default:"64" help:"Nested function calls." env:"CIRCLES_MAX_CALL_DEPTH"`
	MaxExprDepth   int           `name:"max-expr-depth" default:"128" help:"Parser nesting depth." env:"CIRCLES_MAX_EXPR_DEPTH"`
	MaxStringLen   int           `name:"max-string-len" default:"4194304" help:"Bytes in one string value." env:"CIRCLES_MAX_STRING_LEN"`
	MaxArrayLen    int           `name:"max-array-len" default:"1048576" help:"Elements in one array." env:"CIRCLES_MAX_ARRAY_LEN"`
	MaxMapLen      int           `name:"max-map-len" default:"1048576" help:"Properties in one object map." env:"CIRCLES_MAX_MAP_LEN"`
	MaxBlobLen     int           `name:"max-blob-len" default:"4194304" help:"Bytes in one blob." env:"CIRCLES_MAX_BLOB_LEN"`
	Modules        string        `name:"modules" placeholder:"DIR" help:"Directory of Rhai modules for import (DIR/<circle pk>/name.rhai, then DIR/name.rhai)." type:"path" env:"CIRCLES_MODULES"`
	MaxRunBytes    int64         `name:"max-run-bytes" default:"268435456" help:"Bytes of values one run may create, garbage included (memory budget; over it: memory_limit)." env:"CIRCLES_MAX_RUN_BYTES"`
}

// apply copies the flags into cfg.
func (f SandboxFlags) apply(cfg *config.Config) {
	cfg.ScriptTimeout, cfg.MaxScriptBytes = f.ScriptTimeout, f.MaxScriptBytes
	cfg.MaxOperations, cfg.MaxCallDepth, cfg.MaxExprDepth = f.MaxOperations, f.MaxCallDepth, f.MaxExprDepth
	cfg.MaxStringLen, cfg.MaxArrayLen, cfg.MaxMapLen, cfg.MaxBlobLen = f.MaxStringLen, f.MaxArrayLen, f.MaxMapLen, f.MaxBlobLen
	cfg.Modules = f.Modules
	cfg.MaxRunBytes = f.MaxRunBytes
}
