package interp

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/circles-actor/circles-actor/scripting/rhai"
	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

// Runner runs one compiled script and returns its checksum. Compilation
// happens once, outside the timed part, for both interpreters.
type Runner interface {
	Run(ctx context.Context) (int64, error)
}

// RhaiRunner runs a compiled Rhai program under the server's default
// sandbox (operation counting included), as a play would.
type RhaiRunner struct {
	engine *rhai.Engine
	prog   *rhai.Program
	opts   *rhai.RunOptions
}

// NewRhai compiles src with a fresh engine; runs see the constant N = n.
func NewRhai(src string, n int) (*RhaiRunner, error) {
	e := rhai.NewEngine()
	p, err := e.Compile(src)
	if err != nil {
		return nil, fmt.Errorf("failed to compile rhai script: %w", err)
	}
	opts := &rhai.RunOptions{Constants: map[string]rhai.Value{"N": rhai.Int(int64(n))}}
	return &RhaiRunner{engine: e, prog: p, opts: opts}, nil
}

// Run executes the program once. Cancelling ctx stops it.
func (r *RhaiRunner) Run(ctx context.Context) (int64, error) {
	v, err := r.engine.Run(ctx, r.prog, r.opts)
	if err != nil {
		return 0, fmt.Errorf("failed to run rhai script: %w", err)
	}
	if v.Kind() != rhai.KindInt {
		return 0, fmt.Errorf("failed to run rhai script: result is %s, not i64", v.TypeName())
	}
	return v.AsInt(), nil
}

// LuaRunner runs a compiled Lua chunk in a fresh gopher-lua state per run
// (a state costs microseconds, negligible next to the workloads).
//
// The state's data stack may grow to luaRegistryMax slots: gopher-lua's
// table.concat pushes every piece (and separator) on it, and the default
// fixed stack overflows on the strings workload's 200,000 pieces.
type LuaRunner struct {
	proto *lua.FunctionProto
	n     int
}

// luaRegistryMax bounds the growable Lua data stack (slots).
const (
	luaRegistryMax  = 1 << 20
	luaRegistryStep = 1 << 14
)

// NewLua parses and compiles src; runs see the global N = n.
func NewLua(src string, n int) (*LuaRunner, error) {
	chunk, err := parse.Parse(strings.NewReader(src), "workload.lua")
	if err != nil {
		return nil, fmt.Errorf("failed to parse lua script: %w", err)
	}
	proto, err := lua.Compile(chunk, "workload.lua")
	if err != nil {
		return nil, fmt.Errorf("failed to compile lua script: %w", err)
	}
	return &LuaRunner{proto: proto, n: n}, nil
}

// Run executes the chunk once in a new state. It ignores ctx: a state with
// a context (SetContext) runs gopher-lua's context-checking loop, several
// times slower, and the reference is plain gopher-lua as embedders run it.
func (r *LuaRunner) Run(_ context.Context) (int64, error) {
	L := lua.NewState(lua.Options{RegistryMaxSize: luaRegistryMax, RegistryGrowStep: luaRegistryStep})
	defer L.Close()
	L.SetGlobal("N", lua.LNumber(r.n))
	L.Push(L.NewFunctionFromProto(r.proto))
	if err := L.PCall(0, 1, nil); err != nil {
		return 0, fmt.Errorf("failed to run lua script: %w", err)
	}
	n, ok := L.Get(-1).(lua.LNumber)
	if !ok {
		return 0, fmt.Errorf("failed to run lua script: result is %s, not a number", L.Get(-1).Type())
	}
	f := float64(n)
	if f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, fmt.Errorf("failed to run lua script: result %v is not an exact integer", f)
	}
	return int64(f), nil
}

// Runners compiles w at size n for both interpreters.
func Runners(w Workload, n int) (rh *RhaiRunner, lu *LuaRunner, err error) {
	if rh, err = NewRhai(w.Rhai, n); err != nil {
		return nil, nil, fmt.Errorf("workload %s: %w", w.Name, err)
	}
	if lu, err = NewLua(w.Lua, n); err != nil {
		return nil, nil, fmt.Errorf("workload %s: %w", w.Name, err)
	}
	return rh, lu, nil
}
