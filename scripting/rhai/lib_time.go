package rhai

import (
	"math"
	"time"
)

// timeLib is Rhai's BasicTimePackage: timestamp(), the elapsed time since
// a timestamp in seconds, and timestamp arithmetic in seconds (integer
// seconds, or float seconds to the millisecond).
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
		d := time.Since(a[0].AsTime())
		if d < 0 {
			return Unit, Errorf(ErrArithmetic, "Time-stamp is later than now")
		}
		return Float(d.Seconds()), nil
	})...)
}

// tsMinus is timestamp - timestamp (seconds as f64, negative when the
// second is later) and timestamp - seconds (a timestamp).
func tsMinus(_ *Call, a []Value) (Value, error) {
	if a[0].k != KindTimestamp {
		return Unit, ErrNoMatch
	}
	if a[1].k == KindTimestamp {
		return Float(a[0].AsTime().Sub(a[1].AsTime()).Seconds()), nil
	}
	return tsShift(a[0], a[1], -1)
}

func tsPlus(_ *Call, a []Value) (Value, error) {
	if a[0].k != KindTimestamp {
		return Unit, ErrNoMatch
	}
	return tsShift(a[0], a[1], 1)
}

// maxShiftSeconds bounds timestamp arithmetic to what a Duration holds
// (about 292 years), where Rhai reports an overflow.
const maxShiftSeconds = float64(math.MaxInt64 / int64(time.Second))

// tsShift moves a timestamp by dir * seconds; float seconds count to the
// millisecond, as Rhai's Duration::from_millis does.
func tsShift(ts, secs Value, dir int) (Value, error) {
	var d time.Duration
	switch secs.k {
	case KindInt:
		s := secs.AsInt()
		if math.Abs(float64(s)) > maxShiftSeconds {
			return Unit, Errorf(ErrArithmetic, "Timestamp overflow when adding %d second(s)", s*int64(dir))
		}
		d = time.Duration(s) * time.Second
	case KindFloat:
		f := secs.AsFloat()
		if math.IsNaN(f) || math.Abs(f) > maxShiftSeconds {
			return Unit, Errorf(ErrArithmetic, "Integer overflow for timestamp add: %s", FormatFloat(f*float64(dir)))
		}
		d = time.Duration(math.Trunc(f*1000)) * time.Millisecond
	default:
		return Unit, ErrNoMatch
	}
	if dir < 0 {
		d = -d
	}
	return Timestamp(ts.AsTime().Add(d)), nil
}
