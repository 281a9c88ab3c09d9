package rhai

import (
	"slices"

	"github.com/circles-actor/circles-actor/scripting/rhai/syntax"
)

// Rhai's order of evaluation differs from the source order in two places,
// and scripts can see it (which missing variable is reported, what prints
// first, what a block in an argument changes):
//
//   - A call `f(x, a, b)` whose first argument is a variable passes it by
//     reference and reads it after the other arguments: a, b, then x.
//     Not for `f!()`, curry(), or call(fp, ...) when fp is a closure or
//     has curried arguments (call(fp, x, a) applies the rule to x, a). A
//     module-qualified call `m::f(x, a)` does it too, for an unqualified x,
//     and looks for the module after the arguments.
//   - A chain of indexes, properties and method calls, `root[i].m(a)[j]`,
//     evaluates its indexes and method arguments first, left to right,
//     then its root, and only then indexes and calls anything; an
//     assignment evaluates its value, then the chain of its target.
//
// Compiled code evaluates a chain in its nested order, which gives the
// same results whenever the arguments are pure (literals and plain
// locals, read without effects) or only the first step has arguments
// that do anything, on a plain local root they do not name. Otherwise the
// chain's arguments are evaluated ahead into hidden slots, and the chain
// reads them there (fc.hoisted).

// varFirst reports whether a call with these arguments reads the first
// one last: it is a variable (module-qualified too when qualified) and
// other arguments follow.
func varFirst(args []syntax.Expr, qualified bool) bool {
	if len(args) < 2 {
		return false
	}
	id, ok := args[0].(*syntax.Ident)
	return ok && id.Name != "this" && (qualified || id.Namespace == "")
}

// evalArgsFrom evaluates xs[from:] into args[from:] in source order, or,
// when varLast, xs[from] after the others.
func evalArgsFrom(f *frame, xs []evalFn, args []Value, from int, varLast bool) error {
	start := from
	if varLast {
		start++
	}
	for i := start; i < len(xs); i++ {
		v, err := xs[i](f)
		if err != nil {
			return err
		}
		args[i] = v
	}
	if varLast {
		v, err := xs[from](f)
		if err != nil {
			return err
		}
		args[from] = v
	}
	return nil
}

// evalCallArgs evaluates a call's arguments, the first last when varLast.
func evalCallArgs(f *frame, xs []evalFn, varLast bool) ([]Value, error) {
	if !varLast {
		return evalArgs(f, xs, 0)
	}
	args := make([]Value, len(xs))
	if err := evalArgsFrom(f, xs, args, 0, true); err != nil {
		return nil, err
	}
	return args, nil
}

// plainFnPtr reports whether a function pointer names a function and
// carries no curried arguments: Rhai's call(fp, x, ...) passes x by
// reference only then (a closure's call evaluates its arguments in order).
func plainFnPtr(v Value) bool {
	fp := v.AsFnPtr()
	return len(fp.Curry) == 0 && fp.Closure == nil
}

// chainParts splits a chain into its root and the arguments of its steps,
// from the root outward (a property's step has none); safe says whether a
// step is `?[` or `?.`.
func chainParts(e syntax.Expr) (root syntax.Expr, steps [][]syntax.Expr, safe bool) {
	for {
		switch x := e.(type) {
		case *syntax.IndexExpr:
			steps = append(steps, []syntax.Expr{x.Index})
			e, safe = x.X, safe || x.Safe
		case *syntax.PropExpr:
			steps = append(steps, nil)
			e, safe = x.X, safe || x.Safe
		case *syntax.MethodCallExpr:
			steps = append(steps, x.Args)
			e, safe = x.Recv, safe || x.Safe
		default:
			slices.Reverse(steps)
			return e, steps, safe
		}
	}
}

// pureArg reports whether evaluating a chain's argument e can neither fail
// nor have an effect, nor give another value after the chain's steps have
// run: a literal, a plain local other than the chain's root variable, a
// closure all of whose outer names exist, or an argument already hoisted.
func (fc *fnComp) pureArg(e syntax.Expr, root string) bool {
	if _, ok := fc.hoisted[e]; ok {
		return true
	}
	if scalarLit(e) {
		return true
	}
	switch x := e.(type) {
	case *syntax.Ident:
		return x.Namespace == "" && x.Name != root && fc.localSlot(x) >= 0
	case *syntax.ClosureExpr:
		free, _ := fc.freeVars(x)
		return len(free) == 0
	}
	return false
}

// needHoist reports whether a chain must evaluate its arguments ahead to
// keep Rhai's order (see above).
func (fc *fnComp) needHoist(root syntax.Expr, steps [][]syntax.Expr, safe bool) bool {
	name := ""
	if id, ok := root.(*syntax.Ident); ok && id.Namespace == "" {
		name = id.Name
	}
	last := -1
	for k, args := range steps {
		for _, a := range args {
			if !fc.pureArg(a, name) {
				last = k
			}
		}
	}
	switch {
	case last < 0:
		return false
	case last > 0 || safe || name == "" || name == "this" || fc.localSlot(root) < 0 || fc.byName():
		return true
	}
	// Only the first step's arguments do anything, and reading the root
	// just before them differs only if they can change it (a `?.` step
	// skips its arguments on (), which Rhai has evaluated).
	budget := moveScanLimit
	for _, a := range steps[0] {
		if countName(a, name, &budget) > 0 {
			return true
		}
	}
	return budget <= 0
}

// hoisted is an argument evaluated ahead: into slot, by fn.
type hoisted struct {
	slot int
	fn   evalFn
}

// chain compiles the chain e with compile, evaluating its arguments ahead
// when Rhai's order needs it; value, when not nil, is an assignment's
// value, evaluated before them.
func (fc *fnComp) chain(e syntax.Expr, value syntax.Expr, compile func() evalFn) evalFn {
	root, steps, safe := chainParts(e)
	if !fc.needHoist(root, steps, safe) {
		return compile()
	}
	var ahead []syntax.Expr
	add := func(a syntax.Expr) {
		if _, done := fc.hoisted[a]; !done && !scalarLit(a) {
			ahead = append(ahead, a)
		}
	}
	if value != nil {
		add(value)
	}
	for _, args := range steps {
		for _, a := range args {
			add(a)
		}
	}
	if fc.evalLimit > 0 && fc.nslots+len(ahead) > fc.evalLimit {
		return compile() // text given to eval() out of spare slots: source order
	}
	m := make(map[syntax.Expr]int, len(fc.hoisted)+len(ahead))
	for k, v := range fc.hoisted {
		m[k] = v
	}
	pre := make([]hoisted, len(ahead))
	for i, a := range ahead {
		pre[i] = hoisted{fc.nslots, fc.valueExpr(a)}
		m[a] = fc.nslots
		fc.nslots++
	}
	saved := fc.hoisted
	fc.hoisted = m
	body := compile()
	fc.hoisted = saved
	return func(f *frame) (Value, error) {
		for _, h := range pre {
			v, err := h.fn(f)
			if err != nil {
				return Unit, err
			}
			f.slots[h.slot] = v
		}
		return body(f)
	}
}

// hoistedRead reads an argument evaluated ahead, or returns nil.
func (fc *fnComp) hoistedRead(e syntax.Expr) evalFn {
	if fc.hoisted == nil {
		return nil
	}
	slot, ok := fc.hoisted[e]
	if !ok {
		return nil
	}
	return func(f *frame) (Value, error) { return f.slots[slot], nil }
}

// scalarLit reports a literal scalar, possibly negated: what a chain
// leaves in place (fast paths read it from the tree).
func scalarLit(e syntax.Expr) bool {
	switch x := e.(type) {
	case *syntax.IntLit, *syntax.FloatLit, *syntax.BoolLit, *syntax.CharLit, *syntax.StringLit, *syntax.UnitLit:
		return true
	case *syntax.UnaryExpr:
		switch x.X.(type) {
		case *syntax.IntLit, *syntax.FloatLit:
			return x.Op == "-"
		}
	}
	return false
}
