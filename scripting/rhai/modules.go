package rhai

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/circles-actor/circles-actor/scripting/rhai/syntax"
)

// Modules, as Rhai has them: `import "name" as m;` finds a *Module through
// the engine's static modules and resolvers, evaluates it once per run, and
// makes `m::f(x)`, `m::CONST` and `m::sub::g()` reach what it exports.
//
// A script module's top level runs once per run that imports it (the run's
// module cache); its `export`ed variables are read-only to importers, its
// functions other than `private fn` are callable, and the modules it
// imports at its top level are its sub-modules. Its functions run in the
// module's own environment: unqualified calls find the module's functions
// (private ones too) before the importing script's, `global::X` is the
// module's constant, and the module's imports are visible. As in Rhai, the
// imports of a script are a stack: an import inside a block or a function
// lasts until that block ends, and functions see the imports of the code
// that called them.

// ErrModule is the kind of an import that cannot be satisfied: no module of
// that name, a path a resolver refuses, a module that does not compile, or
// modules importing each other in a cycle. Errors raised while a module's
// top level runs keep their own kind.
const ErrModule ErrorKind = "module"

// Module is a namespace a script can import: constants, native functions
// and sub-modules registered from Go (a static module), or a compiled
// script (a script module, from Engine.CompileModule or a FileResolver).
// Build a static module completely before the engine runs scripts; after
// that a Module is read only and shared by every run.
type Module struct {
	consts  map[string]Value
	natives map[string][]NativeDef
	subs    map[string]*Module
	prog    *Program // script module; nil for a static one
}

// NewModule returns an empty static module.
func NewModule() *Module {
	return &Module{consts: map[string]Value{}, natives: map[string][]NativeDef{}, subs: map[string]*Module{}}
}

// SetConstant makes m::name read v. Each run reads its own copy, so v and
// the containers in it must not change afterwards.
func (m *Module) SetConstant(name string, v Value) { m.consts[name] = v }

// RegisterNative adds native functions callable as m::name(args); as with
// Engine.RegisterNative, later registrations of a name are tried first.
func (m *Module) RegisterNative(defs ...NativeDef) {
	for _, d := range defs {
		m.natives[d.Name] = append([]NativeDef{d}, m.natives[d.Name]...)
	}
}

// RegisterFn registers a typed Go function callable as m::name(args), with
// the signatures Engine.RegisterFn accepts.
func (m *Module) RegisterFn(name string, fn any) error {
	def, err := nativeFromFunc(name, fn)
	if err != nil {
		return fmt.Errorf("failed to register %s: %w", name, err)
	}
	m.RegisterNative(def)
	return nil
}

// SetSubModule makes sub reachable as m::name::... .
func (m *Module) SetSubModule(name string, sub *Module) { m.subs[name] = sub }

// ModuleResolver finds the module a script imports by path. It returns
// (nil, nil) when it has no module of that name; an error fails the import
// (an *Error keeps its kind and message, others become ErrModule).
// Resolvers are called by concurrent runs.
type ModuleResolver interface {
	ResolveModule(e *Engine, path string) (*Module, error)
}

// ModuleResolverFunc adapts a function to ModuleResolver.
type ModuleResolverFunc func(e *Engine, path string) (*Module, error)

// ResolveModule implements ModuleResolver.
func (f ModuleResolverFunc) ResolveModule(e *Engine, path string) (*Module, error) { return f(e, path) }

// RegisterStaticModule makes m a host namespace: scripts reach it as
// name::f(x) and name::CONST without importing it, and `import "name"`
// finds it before any resolver. Register before running scripts.
func (e *Engine) RegisterStaticModule(name string, m *Module) {
	if e.static == nil {
		e.static = map[string]*Module{}
	}
	e.static[name] = m
}

// SetModuleResolver sets the resolver imports fall back to after the static
// modules; RunOptions.Modules replaces it for one run. Set it before
// running scripts.
func (e *Engine) SetModuleResolver(r ModuleResolver) { e.resolver = r }

// CompileModule compiles src as a script module (lim: nil means
// DefaultLimits). Its top level runs in each run that imports it.
func (e *Engine) CompileModule(src string, lim *Limits) (*Module, error) {
	p, err := e.CompileWithLimits(src, lim)
	if err != nil {
		return nil, err
	}
	return &Module{prog: p}, nil
}

// modInst is a module as one run sees it: evaluated once, then shared by
// every import of the run.
type modInst struct {
	mod     *Module
	vars    map[string]Value // exported variables of a script module
	globals map[string]Value // its top-level constants, for global::X inside it
	subs    []importEntry    // sub-modules; the first of an alias wins
	loading bool
	name    string
}

// importEntry is one `import ... as alias` in force.
type importEntry struct {
	alias string
	inst  *modInst
}

// exportRef is one exported variable of the module being evaluated.
type exportRef struct {
	alias string
	slot  int
}

// modCtx is what calling into a module changes in the run, to restore on
// the way out.
type modCtx struct {
	prog    *Program
	globals map[string]Value
	imports []importEntry
}

// enter switches the run into inst's environment: its functions, its
// constants and its imports in place of the caller's (as Rhai runs a
// module's function in the module's environment).
func (r *runState) enter(inst *modInst) modCtx {
	saved := modCtx{r.prog, r.globals, r.imports}
	r.prog, r.globals = inst.mod.prog, inst.globals
	r.imports = slices.Clip(inst.subs) // imports inside copy, never write inst.subs
	return saved
}

// leave restores what enter changed.
func (r *runState) leave(s modCtx) {
	r.prog, r.globals, r.imports = s.prog, s.globals, s.imports
}

// dropImports ends the imports made since the stack had n entries.
func (r *runState) dropImports(n int) {
	if len(r.imports) > n {
		clear(r.imports[n:])
		r.imports = r.imports[:n]
	}
}

// releaseModules forgets the run's modules (run state going back to the pool).
func (r *runState) releaseModules() {
	r.main, r.resolver, r.exports = nil, nil, nil
	r.dropImports(0)
	r.modules, r.loading = nil, r.loading[:0]
}

// importStmt compiles `import path [as alias]`.
func (fc *fnComp) importStmt(s *syntax.ImportStmt) evalFn {
	fc.imports++
	path := fc.expr(s.Path)
	alias, pos := s.Alias, s.Path.Position()
	return func(f *frame) (Value, error) {
		r := f.rt
		if err := r.tick(); err != nil {
			return Unit, withPos(err, pos)
		}
		pv, err := path(f)
		if err != nil {
			return Unit, err
		}
		if pv.k != KindString {
			return Unit, errAt(ErrMismatchedType, pos, "Data type incorrect: %s (expecting string)", pv.TypeName())
		}
		inst, err := r.importModule(pv.AsStr(), pos)
		if err != nil {
			return Unit, err
		}
		if alias != "" {
			r.imports = append(r.imports, importEntry{alias, inst})
		}
		return Unit, nil
	}
}

// exportStmt compiles `export x [as y], ...`: in a module's top level it
// records the variables whose final values importers see; elsewhere it
// does nothing.
func (fc *fnComp) exportStmt(s *syntax.ExportStmt) evalFn {
	if !fc.isTop || fc.scopes != 1 {
		fc.fail(s.P, "Export statement can only appear at global level")
	}
	refs := make([]exportRef, len(s.Names))
	for i, name := range s.Names {
		ref := fc.lookup(name)
		if ref.kind != refLocal && ref.kind != refBoxed {
			pos := s.P
			return func(*frame) (Value, error) {
				return Unit, errAt(ErrVariableNotFound, pos, "Variable not found: %s", name)
			}
		}
		alias := name
		if i < len(s.Aliases) && s.Aliases[i] != "" {
			alias = s.Aliases[i]
		}
		refs[i] = exportRef{alias, ref.idx}
	}
	return func(f *frame) (Value, error) {
		if x := f.rt.exports; x != nil {
			*x = append(*x, refs...)
		}
		return Unit, nil
	}
}

// scopedImports wraps a block that imports: its imports end with it.
func scopedImports(body evalFn) evalFn {
	return func(f *frame) (Value, error) {
		n := len(f.rt.imports)
		v, err := body(f)
		f.rt.dropImports(n)
		return v, err
	}
}

// importModule resolves path and returns the run's instance of it,
// evaluating the module the first time the run imports it.
func (r *runState) importModule(path string, pos syntax.Pos) (*modInst, error) {
	m, err := r.resolveModule(path, pos)
	if err != nil {
		return nil, err
	}
	return r.instance(m, path, pos)
}

func (r *runState) resolveModule(path string, pos syntax.Pos) (*Module, error) {
	if m := r.eng.static[path]; m != nil {
		return m, nil
	}
	res := r.resolver
	if res == nil {
		res = r.eng.resolver
	}
	if res == nil {
		return nil, errAt(ErrModule, pos, "Module not found: %s", path)
	}
	m, err := res.ResolveModule(r.eng, path)
	if err != nil {
		return nil, moduleError(err, path, pos)
	}
	if m == nil {
		return nil, errAt(ErrModule, pos, "Module not found: %s", path)
	}
	return m, nil
}

// moduleError reports err, met while loading the module path, at the
// import: the message says where in the module it happened, as Rhai's
// "... in module 'name'" does. A parse error of the module is an ErrModule
// of the importing run; sandbox errors keep their kind.
func moduleError(err error, path string, pos syntax.Pos) error {
	var e *Error
	if !errors.As(err, &e) {
		return &Error{Kind: ErrModule, Message: fmt.Sprintf("%v\nin module '%s'", err, path), Line: int(pos.Line), Column: int(pos.Col), Cause: err}
	}
	kind := e.Kind
	if kind == ErrParse {
		kind = ErrModule
	}
	return &Error{Kind: kind, Message: e.Error() + "\nin module '" + path + "'", Line: int(pos.Line), Column: int(pos.Col),
		Fatal: e.Fatal, Cause: err}
}

// instance returns the run's instance of m, evaluating it on first use.
func (r *runState) instance(m *Module, name string, pos syntax.Pos) (*modInst, error) {
	if inst := r.modules[m]; inst != nil {
		if inst.loading {
			chain := append(slices.Clone(r.loading), name)
			for i, n := range chain {
				if n == inst.name {
					chain = chain[i:]
					break
				}
			}
			return nil, errAt(ErrModule, pos, "Cyclic module import: %s", strings.Join(chain, " -> "))
		}
		return inst, nil
	}
	if r.modules == nil {
		r.modules = map[*Module]*modInst{}
	}
	inst := &modInst{mod: m, name: name, loading: true}
	r.modules[m] = inst
	r.loading = append(r.loading, name)
	var err error
	if m.prog != nil {
		err = r.loadScript(inst, pos)
	} else {
		err = r.loadStatic(inst, pos)
	}
	r.loading = r.loading[:len(r.loading)-1]
	inst.loading = false
	if err != nil {
		delete(r.modules, m)
		return nil, err
	}
	return inst, nil
}

// loadStatic instantiates a static module's sub-modules.
func (r *runState) loadStatic(inst *modInst, pos syntax.Pos) error {
	for _, name := range slices.Sorted(maps.Keys(inst.mod.subs)) {
		sub, err := r.instance(inst.mod.subs[name], inst.name+"::"+name, pos)
		if err != nil {
			return err
		}
		inst.subs = append(inst.subs, importEntry{name, sub})
	}
	return nil
}

// loadScript runs a script module's top level, as a call one level deeper,
// and keeps its exports and the modules it imported.
func (r *runState) loadScript(inst *modInst, pos syntax.Pos) error {
	p := inst.mod.prog
	if r.depth+r.evalDepth >= r.lim.MaxCallDepth {
		return errAt(ErrStackOverflow, pos, "Stack overflow: too many nested function calls (%d) in module %s", r.depth, inst.name)
	}
	prog, globals, base := r.prog, r.globals, len(r.imports)
	savedExports := r.exports
	var exports []exportRef
	r.prog, r.globals, r.exports = p, nil, &exports
	slots := r.allocSlots(p.main.nslots)
	r.depth++
	f := r.getFrame()
	f.slots = slots
	_, err := p.main.body(f)
	if err == errReturn {
		err = nil
	}
	if err == nil {
		inst.vars = make(map[string]Value, len(exports))
		for _, x := range exports {
			inst.vars[x.alias] = readSlot(slots[x.slot])
		}
		inst.subs = slices.Clone(r.imports[base:])
		inst.globals = r.globals
	}
	f.slots, f.ret = nil, Unit
	r.depth--
	r.freeSlots(slots)
	r.prog, r.globals, r.exports = prog, globals, savedExports
	r.dropImports(base)
	if err != nil {
		return moduleError(err, inst.name, pos)
	}
	return nil
}

// findModule returns the module a qualified name ns ("m" or "m::sub")
// refers to: the first import of that alias in force (Rhai looks for the
// oldest, so a later import of an alias does not shadow an earlier one),
// else a static module.
func (r *runState) findModule(ns string, pos syntax.Pos) (*modInst, error) {
	first, rest, _ := strings.Cut(ns, "::")
	var inst *modInst
	for i := range r.imports {
		if r.imports[i].alias == first {
			inst = r.imports[i].inst
			break
		}
	}
	if inst == nil {
		m := r.eng.static[first]
		if m == nil {
			return nil, errAt(ErrModule, pos, "Module not found: %s", ns) // Rhai names the whole path
		}
		var err error
		if inst, err = r.instance(m, first, pos); err != nil {
			return nil, err
		}
	}
	done := first
	for rest != "" {
		var name string
		name, rest, _ = strings.Cut(rest, "::")
		done += "::" + name
		var sub *modInst
		for i := range inst.subs {
			if inst.subs[i].alias == name {
				sub = inst.subs[i].inst
				break
			}
		}
		if sub == nil {
			return nil, errAt(ErrModule, pos, "Module not found: %s", done)
		}
		inst = sub
	}
	return inst, nil
}

// moduleVar compiles a read of `m::X`: a copy, as module variables are
// constants to their importers.
func (fc *fnComp) moduleVar(e *syntax.Ident) evalFn {
	ns, name, pos := e.Namespace, e.Name, e.P
	return func(f *frame) (Value, error) {
		inst, err := f.rt.findModule(ns, pos)
		if err != nil {
			return Unit, err
		}
		if v, ok := inst.vars[name]; ok {
			if isContainer(v.k) {
				return v.Clone(), nil
			}
			return v, nil
		}
		if v, ok := inst.mod.consts[name]; ok {
			return privateCopy(v), nil
		}
		return Unit, errAt(ErrVariableNotFound, pos, "Variable not found: %s::%s", ns, name)
	}
}

// moduleCall compiles `m::f(args)`: a function the module exports, run in
// the module's environment, or a native of a static module.
func (fc *fnComp) moduleCall(e *syntax.CallExpr) evalFn {
	args := make([]evalFn, len(e.Args))
	for i, a := range e.Args {
		args[i] = fc.valueExpr(a)
	}
	ns, name, pos := e.Namespace, e.Name, e.P
	varLast := varFirst(e.Args, false)
	return func(f *frame) (Value, error) {
		r := f.rt
		// As in Rhai, the arguments first (an unqualified variable first
		// one last, order.go), then the module.
		vals, err := evalCallArgs(f, args, varLast)
		if err != nil {
			return Unit, err
		}
		inst, err := r.findModule(ns, pos)
		if err != nil {
			return Unit, err
		}
		if p := inst.mod.prog; p != nil {
			if fn := p.fns[fnKey{name, len(vals)}]; fn != nil && !fn.private {
				saved := r.enter(inst)
				v, err := r.callScriptArgs(fn, vals, nil, nil, pos)
				r.leave(saved)
				return v, err
			}
		}
		if defs := inst.mod.natives[name]; len(defs) > 0 {
			v, def, err := r.callNativeIn(defs, name, vals, pos)
			if err != nil || def != nil {
				return v, err
			}
		}
		return Unit, fnNotFound(ns+"::"+name, vals, pos)
	}
}
