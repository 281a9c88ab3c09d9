package rhai

import (
	"slices"

	"github.com/circles-actor/circles-actor/scripting/rhai/syntax"
)

// expr compiles an expression whose value is only looked at: containers
// come back by reference (no clone).
func (fc *fnComp) expr(e syntax.Expr) evalFn {
	if fc.hoisted != nil {
		if x := fc.hoistedRead(e); x != nil {
			return x
		}
	}
	switch e := e.(type) {
	case *syntax.Ident:
		return fc.ident(e)
	case *syntax.IntLit:
		return constFn(Int(e.Value))
	case *syntax.FloatLit:
		return constFn(Float(e.Value))
	case *syntax.BoolLit:
		return constFn(Bool(e.Value))
	case *syntax.CharLit:
		return constFn(Char(e.Value))
	case *syntax.StringLit:
		return constFn(constString(e.Value))
	case *syntax.UnitLit:
		return unitFn
	case *syntax.InterpString:
		return fc.interp(e)
	case *syntax.ArrayLit:
		return fc.arrayLit(e)
	case *syntax.MapLit:
		return fc.mapLit(e)
	case *syntax.UnaryExpr:
		return fc.unary(e)
	case *syntax.BinaryExpr:
		return fc.binary(e)
	case *syntax.IndexExpr:
		if fc.needHoist(e) {
			return fc.hoistChain(e, nil, func() evalFn { return fc.indexExpr(e) })
		}
		return fc.indexExpr(e)
	case *syntax.PropExpr:
		if fc.needHoist(e) {
			return fc.hoistChain(e, nil, func() evalFn { return fc.propExpr(e) })
		}
		return fc.propExpr(e)
	case *syntax.CallExpr:
		return fc.call(e)
	case *syntax.MethodCallExpr:
		if fc.needHoist(e) {
			return fc.hoistChain(e, nil, func() evalFn { return fc.methodCall(e) })
		}
		return fc.methodCall(e)
	case *syntax.ClosureExpr:
		return fc.closure(e)
	case *syntax.BlockExpr:
		return fc.blockBody(e.Stmts)
	case *syntax.IfExpr:
		return fc.ifExpr(e)
	case *syntax.SwitchExpr:
		return fc.switchExpr(e)
	case *syntax.StmtExpr:
		return fc.stmt(e.Stmt)
	}
	fc.fail(e.Position(), "unsupported expression %s", describe(e))
	return nil
}

// valueExpr compiles an expression whose value is stored somewhere (a
// variable, an argument, an element): containers read from a variable,
// index or property are cloned, giving Rhai's value semantics.
func (fc *fnComp) valueExpr(e syntax.Expr) evalFn {
	if x := fc.hoistedRead(e); x != nil {
		return x // evaluated ahead with valueExpr
	}
	x := fc.expr(e)
	switch e := e.(type) {
	case *syntax.IntLit, *syntax.FloatLit, *syntax.BoolLit, *syntax.CharLit, *syntax.StringLit,
		*syntax.UnitLit, *syntax.InterpString, *syntax.ArrayLit, *syntax.MapLit, *syntax.ClosureExpr,
		*syntax.UnaryExpr:
		return x
	case *syntax.BinaryExpr:
		if e.Op != "??" {
			return x
		}
	}
	pos := e.Position()
	if id, ok := e.(*syntax.Ident); ok && id.Namespace == "" {
		if slot := fc.localSlot(id); slot >= 0 {
			// A plain local, read in the same closure.
			return func(f *frame) (Value, error) {
				v := f.slots[slot]
				if !isContainer(v.k) {
					return v, nil
				}
				return f.rt.cloneChecked(v, pos)
			}
		}
	}
	if c, ok := e.(*syntax.CallExpr); ok {
		if p := fc.directCallee(c); p != nil {
			return func(f *frame) (Value, error) {
				v, err := x(f)
				if err != nil || !isContainer(v.k) || p.owned {
					return v, err
				}
				return f.rt.cloneChecked(v, pos)
			}
		}
	}
	return func(f *frame) (Value, error) {
		v, err := x(f)
		if err != nil || !isContainer(v.k) {
			return v, err
		}
		return f.rt.cloneChecked(v, pos)
	}
}

// cloneChecked copies a container for storing elsewhere, refusing one whose
// nested arrays and maps hold more elements in total than the array or map
// limit allows: without this, `a.push(a)` in a loop doubles the data at
// every step while each array stays short.
func (r *runState) cloneChecked(v Value, pos syntax.Pos) (Value, error) {
	limit := max(r.lim.MaxArrayLen, r.lim.MaxMapLen)
	out, err := r.cloneValue(v, limit)
	if err != nil {
		return Unit, withPos(err, pos)
	}
	return out, nil
}

// ident compiles a variable read.
func (fc *fnComp) ident(e *syntax.Ident) evalFn {
	if e.Namespace != "" {
		return fc.qualified(e)
	}
	if e.Name == "this" {
		return thisFn(e.P)
	}
	r := fc.lookup(e.Name)
	if (r.kind == refLocal || r.kind == refBoxed) && fc.evalShadowed(e.Name) {
		return evalShadowRead(e.Name, r)
	}
	switch r.kind {
	case refLocal:
		slot := r.idx
		return func(f *frame) (Value, error) { return f.slots[slot], nil }
	case refBoxed:
		slot := r.idx
		return func(f *frame) (Value, error) { return *f.slots[slot].p.(*Value), nil }
	case refCap:
		idx := r.idx
		return func(f *frame) (Value, error) {
			c := f.cells[idx]
			if c == raceCell {
				return Unit, errDataRace()
			}
			return *c, nil
		}
	}
	name, pos := e.Name, e.P
	isFn := false
	for k := range fc.c.fns {
		isFn = isFn || k.name == name
	}
	return func(f *frame) (Value, error) {
		if v, ok := f.rt.constant(name); ok {
			return v, nil
		}
		if v, ok := f.rt.dynVars[name]; ok {
			return v, nil
		}
		if isFn {
			// A bare function name is a function pointer (`let f = dbl;`).
			return NewFnPtr(&FnPtr{Name: name}), nil
		}
		return Unit, errAt(ErrVariableNotFound, pos, "Variable not found: %s", name)
	}
}

// inSafeChain reports whether e is, or follows, a `?.`/`?[` link: once such
// a link meets (), the rest of the chain yields () too.
func inSafeChain(e syntax.Expr) bool {
	for {
		switch x := e.(type) {
		case *syntax.PropExpr:
			if x.Safe {
				return true
			}
			e = x.X
		case *syntax.IndexExpr:
			if x.Safe {
				return true
			}
			e = x.X
		case *syntax.MethodCallExpr:
			if x.Safe {
				return true
			}
			e = x.Recv
		default:
			return false
		}
	}
}

// qualified compiles `global::NAME`: a top-level constant or a host constant.
func (fc *fnComp) qualified(e *syntax.Ident) evalFn {
	if e.Namespace != "global" {
		return fc.moduleVar(e)
	}
	name, pos := e.Name, e.P
	// The script's own constants are global:: for its functions: Rhai
	// makes that namespace only for a script that defines functions, so
	// in one without any, global::x at the top level is not found.
	inFn := !fc.isTop || len(fc.c.defs) > 0
	return func(f *frame) (Value, error) {
		if v, ok := f.rt.globals[name]; ok && inFn {
			return v, nil
		}
		if v, ok := f.rt.constant(name); ok {
			return v, nil
		}
		return Unit, errAt(ErrVariableNotFound, pos, "Variable not found: global::%s", name)
	}
}

func thisFn(pos syntax.Pos) evalFn {
	return func(f *frame) (Value, error) {
		if f.this == nil {
			return Unit, errAt(ErrRuntime, pos, "'this' not bound")
		}
		return *f.this, nil
	}
}

func (fc *fnComp) interp(e *syntax.InterpString) evalFn {
	parts := e.Parts
	xs := make([]evalFn, len(e.Exprs))
	// Rhai's optimiser builds a string whose parts are all literals at
	// compile time, with Rust's formatting, which quotes the chars inside
	// arrays and maps; at run time to_string leaves them bare.
	folded := true
	for i, x := range e.Exprs {
		xs[i] = fc.expr(x)
		folded = folded && literalValue(x)
	}
	pos := e.P
	return func(f *frame) (Value, error) {
		var b []byte
		for i, p := range parts {
			b = append(b, p...)
			if i < len(xs) {
				v, err := xs[i](f)
				if err != nil {
					return Unit, err
				}
				switch {
				case v.k == KindString:
					b = append(b, v.StrBytes()...)
				case folded:
					b = append(b, interpString(v)...)
				case isContainer(v.k):
					s, err := f.rt.formatValue(v)
					if err != nil {
						return Unit, withPos(err, pos)
					}
					b = append(b, s...)
				default:
					b = append(b, ToString(v)...)
				}
			}
		}
		s := StringBytes(b)
		return s, f.rt.checkSize(s, pos)
	}
}

func (fc *fnComp) arrayLit(e *syntax.ArrayLit) evalFn {
	xs := make([]evalFn, len(e.Elems))
	for i, x := range e.Elems {
		xs[i] = fc.valueExpr(x)
	}
	pos := e.P
	return func(f *frame) (Value, error) {
		elems := make([]Value, len(xs))
		for i, x := range xs {
			v, err := x(f)
			if err != nil {
				return Unit, err
			}
			elems[i] = v
		}
		a := NewArray(elems)
		return a, f.rt.checkSize(a, pos)
	}
}

func (fc *fnComp) mapLit(e *syntax.MapLit) evalFn {
	keys := e.Keys
	xs := make([]evalFn, len(e.Values))
	for i, x := range e.Values {
		xs[i] = fc.valueExpr(x)
	}
	pos := e.P
	if sorted, at, ok := literalKeys(keys); ok {
		// A record: every map the literal makes shares one sorted keys
		// slice; the values go straight to their places (a repeated key
		// keeps its last value, as assigning in order does).
		return func(f *frame) (Value, error) {
			vals := make([]Value, len(sorted))
			for i, x := range xs {
				v, err := x(f)
				if err != nil {
					return Unit, err
				}
				vals[at[i]] = v
			}
			mv := Value{k: KindMap, p: &Map{keys: sorted, vals: vals}}
			return mv, f.rt.checkSize(mv, pos)
		}
	}
	return func(f *frame) (Value, error) {
		m := make(map[string]Value, len(xs))
		for i, x := range xs {
			v, err := x(f)
			if err != nil {
				return Unit, err
			}
			m[keys[i]] = v
		}
		mv := NewMap(m)
		return mv, f.rt.checkSize(mv, pos)
	}
}

// literalKeys returns the distinct keys of a map literal sorted, and the
// place of each key among them, when the map fits the small form.
func literalKeys(keys []string) (sorted []string, at []int, ok bool) {
	sorted = slices.Clone(keys)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	if len(sorted) > smallMapMax {
		return nil, nil, false
	}
	at = make([]int, len(keys))
	for i, k := range keys {
		at[i], _ = slices.BinarySearch(sorted, k)
	}
	return slices.Clip(sorted), at, true
}

func (fc *fnComp) unary(e *syntax.UnaryExpr) evalFn {
	if lit, ok := e.X.(*syntax.IntLit); ok && e.Op == "-" {
		return constFn(Int(-lit.Value))
	}
	if lit, ok := e.X.(*syntax.FloatLit); ok && e.Op == "-" {
		return constFn(Float(-lit.Value))
	}
	x := fc.expr(e.X)
	op, pos := e.Op, e.P
	return func(f *frame) (Value, error) {
		v, err := x(f)
		if err != nil {
			return Unit, err
		}
		return unaryOp(op, v, pos)
	}
}

func unaryOp(op string, v Value, pos syntax.Pos) (Value, error) {
	switch op {
	case "-":
		switch v.k {
		case KindInt:
			if v.AsInt() == minInt {
				return Unit, errAt(ErrArithmetic, pos, "Negation overflow: -%d", v.AsInt())
			}
			return Int(-v.AsInt()), nil
		case KindFloat:
			return Float(-v.AsFloat()), nil
		}
	case "+":
		if v.k == KindInt || v.k == KindFloat {
			return v, nil
		}
	case "!":
		if v.k == KindBool {
			return Bool(!v.AsBool()), nil
		}
	}
	return Unit, errAt(ErrFunctionNotFound, pos, "Function not found: %s (%s)", op, argTypeName(v))
}

func (fc *fnComp) ifExpr(e *syntax.IfExpr) evalFn {
	cond := fc.condExpr(e.Cond)
	then := fc.blockBody(e.Then.Stmts)
	els := unitFn
	if e.Else != nil {
		els = fc.expr(e.Else)
	}
	return func(f *frame) (Value, error) {
		c, err := cond(f)
		if err != nil {
			return Unit, err
		}
		if c.AsBool() {
			return then(f)
		}
		return els(f)
	}
}

// switchCase is a compiled switch arm.
type switchCase struct {
	values []evalFn
	ranges []*Range // parallel to values: non-nil for range arms
	cond   evalFn
	body   evalFn
	def    bool
}

func (fc *fnComp) switchExpr(e *syntax.SwitchExpr) evalFn {
	x := fc.expr(e.X)
	cases := make([]switchCase, len(e.Cases))
	for i, c := range e.Cases {
		sc := switchCase{def: c.Default || len(c.Values) == 0}
		if sc.def && i != len(e.Cases)-1 {
			fc.fail(c.P, "Default switch case must be the last")
		}
		for _, v := range c.Values {
			var rg *Range
			if b, ok := v.(*syntax.BinaryExpr); ok && (b.Op == ".." || b.Op == "..=") {
				lo, ok1 := intLit(b.X)
				hi, ok2 := intLit(b.Y)
				if ok1 && ok2 {
					rg = &Range{Start: lo, End: hi, Inclusive: b.Op == "..="}
				}
			}
			sc.values = append(sc.values, fc.expr(v))
			sc.ranges = append(sc.ranges, rg)
		}
		if c.Cond != nil {
			sc.cond = fc.condExpr(c.Cond)
		}
		sc.body = fc.expr(c.Body)
		cases[i] = sc
	}
	return func(f *frame) (Value, error) {
		v, err := x(f)
		if err != nil {
			return Unit, err
		}
		for i := range cases {
			c := &cases[i]
			ok, err := c.matches(f, v)
			if err != nil {
				return Unit, err
			}
			if ok {
				return c.body(f)
			}
		}
		return Unit, nil
	}
}

func (c *switchCase) matches(f *frame, v Value) (bool, error) {
	hit := c.def
	for i, ve := range c.values {
		if rg := c.ranges[i]; rg != nil && (v.k == KindInt || v.k == KindFloat) {
			// As in Rhai, a float value falls in an integer range case too.
			in := false
			if v.k == KindInt {
				n := v.AsInt()
				in = n >= rg.Start && (n < rg.End || rg.Inclusive && n == rg.End)
			} else {
				x := v.AsFloat()
				in = x >= float64(rg.Start) && (x < float64(rg.End) || rg.Inclusive && x == float64(rg.End))
			}
			if in {
				hit = true
				break
			}
			continue
		}
		cv, err := ve(f)
		if err != nil {
			return false, err
		}
		if v.k == cv.k && Equal(v, cv) {
			hit = true
			break
		}
	}
	if !hit || c.cond == nil {
		return hit, nil
	}
	g, err := c.cond(f)
	if err != nil {
		return false, err
	}
	return g.AsBool(), nil
}

// intLit reads an integer literal, possibly negated.
func intLit(e syntax.Expr) (int64, bool) {
	switch e := e.(type) {
	case *syntax.IntLit:
		return e.Value, true
	case *syntax.UnaryExpr:
		if e.Op == "-" {
			if n, ok := e.X.(*syntax.IntLit); ok {
				return -n.Value, true
			}
		}
	}
	return 0, false
}

// literalValue reports a literal, or an array or map literal made only of
// literals: what Rhai's optimiser treats as a constant.
func literalValue(e syntax.Expr) bool {
	switch e := e.(type) {
	case *syntax.StringLit, *syntax.UnitLit:
		return true
	case *syntax.ArrayLit:
		for _, x := range e.Elems {
			if !literalValue(x) {
				return false
			}
		}
		return true
	case *syntax.MapLit:
		for _, x := range e.Values {
			if !literalValue(x) {
				return false
			}
		}
		return true
	case *syntax.UnaryExpr:
		// Rhai's optimiser folds a sign (a call of "-" or "+") too late
		// for the string around it: `${-(1 + 1)}` is built at run time.
		if e.Op == "-" || e.Op == "+" {
			return false
		}
	}
	return constExpr(e) // scalars, operators on them folded
}
