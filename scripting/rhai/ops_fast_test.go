package rhai

import (
	"math"
	"testing"

	"github.com/circles-actor/circles-actor/scripting/rhai/syntax"
)

// TestFastFloatMatchesSlowPath: the float fast path gives what binValues
// gives, for every operator it takes and awkward operands.
func TestFastFloatMatchesSlowPath(t *testing.T) {
	xs := []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 1e-300, 1e300, 3.0000000000000004, 3, math.Inf(1), math.Inf(-1), math.NaN(), math.MaxFloat64, math.SmallestNonzeroFloat64}
	ops := []opcode{opAdd, opSub, opMul, opDiv, opMod, opPow, opLt, opLe, opGt, opGe, opEq, opNe}
	r := &runState{lim: DefaultLimits()}
	for _, op := range ops {
		for _, x := range xs {
			for _, y := range xs {
				fast, ok := fastFloat(op, x, y)
				if !ok {
					continue
				}
				slow, err := binValues(r, op, Float(x), Float(y), syntax.Pos{})
				if err != nil {
					t.Fatalf("%v %v %v: slow path error %v", x, opNames[op], y, err)
				}
				if fast.k != slow.k || fast.n != slow.n && !(fast.k == KindFloat && math.IsNaN(fast.AsFloat()) && math.IsNaN(slow.AsFloat())) {
					t.Errorf("%v %v %v: fast %v, slow %v", x, opNames[op], y, ToString(fast), ToString(slow))
				}
			}
		}
	}
}
