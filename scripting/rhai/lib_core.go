package rhai

import (
	"math"
	"strconv"
	"strings"
)

// coreLib is Rhai's LanguageCorePackage and the printing half of
// BasicStringPackage: print, debug, type_of, to_string, to_debug,
// parse_int, parse_float, range, is_shared and function-pointer properties.
func coreLib() []NativeDef {
	defs := []NativeDef{
		fnDef("print", 0, func(c *Call, _ []Value) (Value, error) {
			c.Print("")
			return Unit, nil
		}),
		fnDef("print", 1, func(c *Call, args []Value) (Value, error) {
			s, err := displayVia(c, args[0], false)
			if err != nil {
				return Unit, err
			}
			c.Print(s)
			return Unit, nil
		}),
		fnDef("debug", 0, func(c *Call, _ []Value) (Value, error) {
			c.Debug("")
			return Unit, nil
		}),
		fnDef("debug", 1, func(c *Call, args []Value) (Value, error) {
			s, err := displayVia(c, args[0], true)
			if err != nil {
				return Unit, err
			}
			c.Debug(s)
			return Unit, nil
		}),
		pureDef("type_of", 1, func(_ *Call, args []Value) (Value, error) {
			return String(args[0].TypeName()), nil
		}),
		pureDef("to_string", 1, func(c *Call, args []Value) (Value, error) {
			switch args[0].k {
			case KindString:
				return args[0], nil
			case KindArray, KindMap:
				s, err := displayVia(c, args[0], false)
				return String(s), err
			}
			return String(ToString(args[0])), nil
		}),
		pureDef("to_debug", 1, func(c *Call, args []Value) (Value, error) {
			switch args[0].k {
			case KindArray, KindMap:
				s, err := displayVia(c, args[0], true)
				return String(s), err
			}
			return String(ToDebug(args[0])), nil
		}),
		pureDef("is_shared", 1, func(_ *Call, _ []Value) (Value, error) {
			// Values are never shared between variables: closures capture
			// through evaluator cells that a script cannot observe.
			return Bool(false), nil
		}),
		mutDef("take", 1, func(_ *Call, args []Value) (Value, error) {
			// take moves the value out of its variable, leaving ().
			v := args[0]
			args[0] = Unit
			return v, nil
		}),
		pureDef("parse_int", 1, func(_ *Call, args []Value) (Value, error) {
			if args[0].k != KindString {
				return Unit, ErrNoMatch
			}
			return parseInt(args[0].AsStr(), 10)
		}),
		pureDef("parse_int", 2, func(_ *Call, args []Value) (Value, error) {
			if args[0].k != KindString || args[1].k != KindInt {
				return Unit, ErrNoMatch
			}
			return parseInt(args[0].AsStr(), args[1].AsInt())
		}),
		pureDef("parse_float", 1, func(_ *Call, args []Value) (Value, error) {
			if args[0].k != KindString {
				return Unit, ErrNoMatch
			}
			s := strings.TrimSpace(args[0].AsStr())
			if s == "" {
				return Unit, Errorf(ErrArithmetic, "Error parsing floating-point number '%s': cannot parse float from empty string", args[0].AsStr())
			}
			f, err := strconv.ParseFloat(s, 64)
			// Rust's f64 parsing takes neither hex floats nor the digit
			// separators Go's allows.
			if isHexFloat(s) || strings.ContainsRune(s, '_') || (err != nil && !isRangeErr(err)) {
				return Unit, Errorf(ErrArithmetic, "Error parsing floating-point number '%s': invalid float literal", args[0].AsStr())
			}
			return Float(f), nil
		}),
		pureDef("range", 2, rangeFn),
		pureDef("range", 3, rangeFn),
	}
	defs = append(defs, getterDefs("name", fnPtrName)...)
	defs = append(defs, getterDefs("is_anonymous", fnPtrIsAnon)...)
	defs = append(defs, getterDefs("start", rangeStart)...)
	defs = append(defs, getterDefs("end", rangeEnd)...)
	defs = append(defs, getterDefs("is_inclusive", rangeIsInclusive)...)
	defs = append(defs, getterDefs("is_exclusive", rangeIsExclusive)...)
	defs = append(defs, getterDefs("is_empty", rangeIsEmpty)...)
	defs = append(defs, pureDef("contains", 2, rangeContains))
	return defs
}

// displayVia formats v for print or debug (debug selects the debug form).
// Host values (KindCustom), at the top or inside arrays and maps, are
// formatted by whatever to_string/to_debug is registered for them, as Rhai
// does; without a registration they show their type name.
func displayVia(c *Call, v Value, debug bool) (string, error) {
	run := runOf(c)
	if !hasCustom(v, 0) && (run == nil || !isContainer(v.k)) {
		if debug {
			return ToDebug(v), nil
		}
		return ToString(v), nil
	}
	f := formatter{run: run}
	if !hasCustom(v, 0) {
		f.value(v, 0, debug)
		if f.err != nil {
			return "", f.err
		}
		return f.String(), chargeBytes(c, f.b.Len())
	}
	f.custom = func(x Value, dbg bool) string {
		name := "to_string"
		if dbg {
			name = "to_debug"
		}
		s, err := c.CallFnName(name, x)
		if err != nil || s.k != KindString {
			return x.TypeName()
		}
		return s.AsStr()
	}
	f.value(v, 0, debug)
	if f.err != nil {
		return "", f.err
	}
	return f.String(), chargeBytes(c, f.b.Len())
}

// hasCustom reports whether v holds a host value, so that plain values
// keep the fast path.
func hasCustom(v Value, depth int) bool {
	if depth > maxFormatDepth {
		return false
	}
	switch v.k {
	case KindCustom:
		_, isU8 := asU8(v) // formatted as its number
		return !isU8
	case KindArray:
		for _, e := range v.AsArray().Elems {
			if hasCustom(e, depth+1) {
				return true
			}
		}
	case KindMap:
		found := false
		v.AsMap().Range(func(_ string, e Value) bool {
			found = hasCustom(e, depth+1)
			return !found
		})
		return found
	}
	return false
}

// isHexFloat spots Go-only float syntax ("0x1p-2") that Rust's parser,
// and so Rhai's parse_float, rejects.
func isHexFloat(s string) bool {
	s = strings.TrimLeft(s, "+-")
	return len(s) > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// parseInt is Rhai's parse_int: surrounding whitespace is ignored, the
// radix must be 2..36.
func parseInt(s string, radix int64) (Value, error) {
	if radix < 2 || radix > 36 {
		return Unit, Errorf(ErrArithmetic, "Invalid radix: '%d'", radix)
	}
	t := strings.TrimSpace(s)
	if strings.ContainsRune(t, '_') {
		return Unit, Errorf(ErrArithmetic, "Error parsing integer number '%s': invalid digit found in string", s)
	}
	i, err := strconv.ParseInt(t, int(radix), 64)
	if err != nil {
		return Unit, Errorf(ErrArithmetic, "Error parsing integer number '%s': %s", s, numErrText(err))
	}
	return Int(i), nil
}

func numErrText(err error) string {
	ne, ok := err.(*strconv.NumError)
	switch {
	case ok && ne.Err == strconv.ErrRange && strings.HasPrefix(ne.Num, "-"):
		return "number too small to fit in target type"
	case ok && ne.Err == strconv.ErrRange:
		return "number too large to fit in target type"
	case ok && ne.Num == "":
		return "cannot parse integer from empty string"
	}
	return "invalid digit found in string"
}

// rangeFn is range(from, to[, step]). Without a step over integers it
// returns an exclusive range value, iterated lazily like `from..to`; with a
// step (or over floats) it returns the array of the stepped values, as
// Rhai's StepRange would yield them. A zero step is an error.
func rangeFn(c *Call, args []Value) (Value, error) {
	from, to := args[0], args[1]
	if len(args) == 2 {
		if from.k == KindInt && to.k == KindInt {
			return NewRange(from.AsInt(), to.AsInt(), false), nil
		}
		if from.k == KindRange && !from.AsRange().Inclusive && to.k == KindInt {
			// range(a..b, step): Rhai takes exclusive ranges only.
			rg := from.AsRange()
			return asIterator("rhai::packages::iter_basic::StepRange<i64>")(intSteps(c, rg.Start, rg.End, to.AsInt()))
		}
		return Unit, ErrNoMatch
	}
	step := args[2]
	switch {
	case from.k == KindInt && to.k == KindInt && step.k == KindInt:
		return asIterator("rhai::packages::iter_basic::StepRange<i64>")(intSteps(c, from.AsInt(), to.AsInt(), step.AsInt()))
	case from.k == KindFloat && to.k == KindFloat && step.k == KindFloat:
		return asIterator("rhai::packages::iter_basic::StepRange<f64>")(floatSteps(c, from.AsFloat(), to.AsFloat(), step.AsFloat()))
	}
	return Unit, ErrNoMatch
}

func intSteps(c *Call, from, to, step int64) (Value, error) {
	if step == 0 {
		return Unit, inFunction(Errorf(ErrArithmetic, "step value cannot be zero"), "range", false, 0, 0)
	}
	var n uint64
	switch {
	case step > 0 && from < to:
		n = (uint64(to-from)-1)/uint64(step) + 1
	case step < 0 && from > to:
		n = (uint64(from-to)-1)/(uint64(-(step+1))+1) + 1
	}
	if n > math.MaxInt32 {
		return Unit, checkArrayLen(c, math.MaxInt32)
	}
	if err := checkArrayLen(c, int(n)); err != nil {
		return Unit, err
	}
	elems := make([]Value, n)
	x := from
	for i := range elems {
		elems[i] = Int(x)
		x += step
	}
	if err := c.Tick(len(elems)); err != nil {
		return Unit, err
	}
	return NewArray(elems), nil
}

func floatSteps(c *Call, from, to, step float64) (Value, error) {
	if step == 0 || math.IsNaN(step) {
		return Unit, inFunction(Errorf(ErrArithmetic, "step value cannot be zero"), "range", false, 0, 0)
	}
	var elems []Value
	for x := from; (step > 0 && x < to) || (step < 0 && x > to); x += step {
		if err := checkArrayLen(c, len(elems)+1); err != nil {
			return Unit, err
		}
		if err := tickEvery(c, len(elems)); err != nil {
			return Unit, err
		}
		elems = append(elems, Float(x))
	}
	return NewArray(elems), nil
}

func fnPtrName(_ *Call, args []Value) (Value, error) {
	if args[0].k != KindFnPtr {
		return Unit, ErrNoMatch
	}
	return String(args[0].AsFnPtr().Name), nil
}

func fnPtrIsAnon(_ *Call, args []Value) (Value, error) {
	if args[0].k != KindFnPtr {
		return Unit, ErrNoMatch
	}
	fp := args[0].AsFnPtr()
	return Bool(fp.Closure != nil || strings.HasPrefix(fp.Name, "anon$")), nil
}

func rangeStart(_ *Call, args []Value) (Value, error) {
	if args[0].k != KindRange {
		return Unit, ErrNoMatch
	}
	return Int(args[0].AsRange().Start), nil
}

func rangeEnd(_ *Call, args []Value) (Value, error) {
	if args[0].k != KindRange {
		return Unit, ErrNoMatch
	}
	return Int(args[0].AsRange().End), nil
}

func rangeIsInclusive(_ *Call, args []Value) (Value, error) {
	if args[0].k != KindRange {
		return Unit, ErrNoMatch
	}
	return Bool(args[0].AsRange().Inclusive), nil
}

func rangeIsExclusive(_ *Call, args []Value) (Value, error) {
	if args[0].k != KindRange {
		return Unit, ErrNoMatch
	}
	return Bool(!args[0].AsRange().Inclusive), nil
}

func rangeIsEmpty(_ *Call, args []Value) (Value, error) {
	if args[0].k != KindRange {
		return Unit, ErrNoMatch
	}
	r := args[0].AsRange()
	return Bool(r.Start > r.End || (r.Start == r.End && !r.Inclusive)), nil
}

// rangeContains is `x in a..b`: an integer within the range.
func rangeContains(_ *Call, args []Value) (Value, error) {
	if args[0].k != KindRange || args[1].k != KindInt {
		return Unit, ErrNoMatch
	}
	r, x := args[0].AsRange(), args[1].AsInt()
	return Bool(x >= r.Start && (x < r.End || (r.Inclusive && x == r.End))), nil
}
