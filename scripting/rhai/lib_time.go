package rhai

import (
	"math"
	"time"
)

// timeLib is Rhai's BasicTimePackage: timestamp(), the elapsed time since
// a timestamp in seconds, and timestamp arithmetic in seconds.
func timeLib() []NativeDef {
	defs := []NativeDef{
		fnDef("timestamp", 0, func(_ *Call, _ []Value) (Value, error) {
			return Timestamp(time.Now()), nil
		}),
		pureDef("-", 2, tsMinus),
		pureDef("+", 2, tsPlus),
	}
	return append(defs, getterDefs("elapsed", func(_ *Call, a []Value) (Value, error) {
		if a[0].k != KindTimestamp {
			return Unit, ErrNoMatch
		}
		return Float(time.Since(a[0].AsTime()).Seconds()), nil
	})...)
}

// tsMinus is timestamp - timestamp (seconds as f64) and timestamp -
// seconds (a timestamp).
func tsMinus(_ *Call, a []Value) (Value, error) {
	if a[0].k != KindTimestamp {
		return Unit, ErrNoMatch
	}
	if a[1].k == KindTimestamp {
		return Float(a[0].AsTime().Sub(a[1].AsTime()).Seconds()), nil
	}
	d, ok := secondsArg(a[1])
	if !ok {
		return Unit, ErrNoMatch
	}
	return Timestamp(a[0].AsTime().Add(-d)), nil
}

func tsPlus(_ *Call, a []Value) (Value, error) {
	if a[0].k != KindTimestamp {
		return Unit, ErrNoMatch
	}
	d, ok := secondsArg(a[1])
	if !ok {
		return Unit, ErrNoMatch
	}
	return Timestamp(a[0].AsTime().Add(d)), nil
}

// secondsArg reads an int or float number of seconds as a Duration.
func secondsArg(v Value) (time.Duration, bool) {
	f, ok := asFloat(v)
	if !ok || math.IsNaN(f) || math.Abs(f) > 9e9 {
		return 0, false
	}
	return time.Duration(f * float64(time.Second)), true
}
