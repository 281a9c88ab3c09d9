package rhai

import (
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

// chainStep is one step of a chain: the expression it applies to, its
// method arguments or its index, and whether it is `?[` or `?.`; ok is
// false for the chain's root.
func chainStep(e syntax.Expr) (x syntax.Expr, args []syntax.Expr, index syntax.Expr, safe, ok bool) {
	switch t := e.(type) {
	case *syntax.IndexExpr:
		return t.X, nil, t.Index, t.Safe, true
	case *syntax.PropExpr:
		return t.X, nil, nil, t.Safe, true
	case *syntax.MethodCallExpr:
		return t.Recv, t.Args, nil, t.Safe, true
	}
	return nil, nil, nil, false, false
}

// chainArgs appends the arguments of the chain e's steps, from the root
// outward, to out.
func chainArgs(e syntax.Expr, out []syntax.Expr) []syntax.Expr {
	x, args, index, _, ok := chainStep(e)
	if !ok {
		return out
	}
	out = chainArgs(x, out)
	if index != nil {
		return append(out, index)
	}
	return append(out, args...)
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

// needHoist reports whether the chain e must evaluate its arguments ahead
// to keep Rhai's order (see above). It allocates nothing: it runs for
// every chain compiled.
func (fc *fnComp) needHoist(e syntax.Expr) bool {
	root, safe := e, false
	for {
		x, _, _, s, ok := chainStep(root)
		if !ok {
			break
		}
		root, safe = x, safe || s
	}
	name := ""
	if id, ok := root.(*syntax.Ident); ok && id.Namespace == "" {
		name = id.Name
	}
	// impure: a step with an argument that does something; later: such a
	// step that is not the first from the root.
	impure, later := false, false
	var first syntax.Expr
	for s := e; ; {
		x, args, index, _, ok := chainStep(s)
		if !ok {
			break
		}
		bad := index != nil && !fc.pureArg(index, name)
		for _, a := range args {
			bad = bad || !fc.pureArg(a, name)
		}
		if bad {
			impure = true
			if x != root {
				later = true
			}
		}
		first, s = s, x
	}
	switch {
	case !impure:
		return false
	case later || safe || name == "" || name == "this" || fc.localSlot(root) < 0 || fc.byName():
		return true
	}
	// Only the first step's arguments do anything, and reading the root
	// just before them differs only if they can change it (a `?.` step
	// skips its arguments on (), which Rhai has evaluated).
	budget := moveScanLimit
	_, args, index, _, _ := chainStep(first)
	if index != nil {
		args = []syntax.Expr{index}
	}
	for _, a := range args {
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

// hoistChain compiles the chain e with compile, its arguments evaluated
// ahead (needHoist); value, when not nil, is an assignment's value,
// evaluated before them.
func (fc *fnComp) hoistChain(e syntax.Expr, value syntax.Expr, compile func() evalFn) evalFn {
	var ahead []syntax.Expr
	if value != nil {
		ahead = append(ahead, value)
	}
	ahead = chainArgs(e, ahead)
	n := 0
	for _, a := range ahead {
		if _, done := fc.hoisted[a]; !done && !scalarLit(a) {
			ahead[n] = a
			n++
		}
	}
	ahead = ahead[:n]
	if fc.evalLimit > 0 && fc.nslots+len(ahead) > fc.evalLimit {
		return compile() // text given to eval() out of spare slots: source order
	}
	m := make(map[syntax.Expr]int, len(fc.hoisted)+len(ahead))
	for k, v := range fc.hoisted {
		m[k] = v
	}
	pre := make([]hoisted, len(ahead))
	for i, a := range ahead {
		slot := fc.nslots // taken first: a itself may hoist into slots
		fc.nslots++
		pre[i] = hoisted{slot, fc.valueExpr(a)}
		m[a] = slot
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
