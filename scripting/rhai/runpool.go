package rhai

import (
	"context"
	"sync"
)

// Run states are pooled: a server runs thousands of tiny scripts a second
// (`40 + 2`), and building the value stack, frames and Call structs afresh
// for each one cost more than running the script.
//
// A pooled state must hold nothing of the run that used it, so the values of
// one run are neither visible to nor kept alive by the next: slots are
// cleared as they are released (freeSlots), and release clears or drops
// everything else. A run that did not unwind (a recovered evaluator panic)
// never goes back to the pool.
var runStates = sync.Pool{New: func() any {
	return &runState{stack: make([]Value, initialStackSlots)}
}}

const (
	// initialStackSlots covers the top level and a few calls of a typical
	// script; deeper runs grow the stack (allocSlots).
	initialStackSlots = 64
	// maxPooledStackSlots, maxPooledFrames and maxPooledCalls bound what a
	// pooled state keeps from a deep run, so one recursive script does not
	// pin megabytes in the pool.
	maxPooledStackSlots = 4096
	maxPooledFrames     = 256
	maxPooledCalls      = 64
	// maxPooledConsts bounds the kept capacity of constCache.
	maxPooledConsts = constCacheScan
)

// acquireRunState returns a clean run state set up for one run of p.
func acquireRunState(ctx context.Context, e *Engine, p *Program, opts *RunOptions) *runState {
	r := runStates.Get().(*runState)
	r.eng, r.prog, r.main, r.ctx = e, p, p, ctx
	r.made = 0
	r.lim = DefaultLimits()
	if opts != nil {
		if opts.Limits != nil {
			r.lim = *opts.Limits
		}
		r.print, r.debug, r.resolver = opts.Print, opts.Debug, opts.Modules
		r.hostConsts, r.hostStrings, r.hostValues = opts.Constants, opts.Strings, opts.Values
	}
	if r.lim.MaxCallDepth <= 0 || r.lim.MaxCallDepth > maxCallDepthHard {
		r.lim.MaxCallDepth = maxCallDepthHard
	}
	r.refill()
	return r
}

// release returns r to the pool once it is back in its clean state. It is
// called when a run has fully unwound (every slot freed); a state that is
// not, keeps values that must not leak, so it is left to the collector.
func (r *runState) release() {
	if r.sp != 0 || r.depth != 0 || r.nativeDepth != 0 || r.evalDepth != 0 {
		return
	}
	r.eng, r.prog, r.ctx = nil, nil, nil
	r.releaseModules()
	r.print, r.debug = nil, nil
	r.hostConsts, r.hostStrings, r.hostValues, r.constMap, r.globals, r.dynVars = nil, nil, nil, nil, nil, nil
	clear(r.constCache)
	r.constCache = r.constCache[:0]
	if cap(r.constCache) > maxPooledConsts {
		r.constCache = nil
	}
	r.budget, r.granted, r.used = 0, 0, 0
	if len(r.stack) > maxPooledStackSlots {
		r.stack = make([]Value, initialStackSlots)
	}
	for _, f := range r.frames {
		f.slots, f.cells, f.this, f.ret = nil, nil, nil, Unit
	}
	if len(r.frames) > maxPooledFrames {
		r.frames = append([]*frame(nil), r.frames[:maxPooledFrames]...)
	}
	for _, c := range r.calls {
		c.Name, c.Line, c.Col = "", 0, 0
	}
	if len(r.calls) > maxPooledCalls {
		r.calls = append([]*Call(nil), r.calls[:maxPooledCalls]...)
	}
	runStates.Put(r)
}
