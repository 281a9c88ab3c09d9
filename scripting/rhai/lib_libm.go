package rhai

import (
	"math"
	"math/big"
	"sync"
)

// Rhai's f64 functions are Rust's, which call the platform's C library:
// glibc on Linux, whose exp, log, sin, cos, tan, asin, acos, atan and atan2
// are correctly rounded for all but a few arguments in a thousand, and whose sinh, cosh, tanh and log10
// are the classic fdlibm formulas over those. Go's math
// package differs in the last digit for about a fifth of the arguments of
// the former, so a script printing sin(x) would print another number.
// Here the former are computed in double-double arithmetic (about 104
// bits) and rounded once; the latter follow fdlibm's formulas on top.

// dd is an unevaluated sum hi + lo with |lo| <= ulp(hi)/2.
type dd struct{ hi, lo float64 }

func twoSum(a, b float64) (float64, float64) {
	s := a + b
	bb := s - a
	return s, (a - (s - bb)) + (b - bb)
}

func quickTwoSum(a, b float64) (float64, float64) {
	s := a + b
	return s, b - (s - a)
}

func twoProd(a, b float64) (float64, float64) {
	p := a * b
	return p, math.FMA(a, b, -p)
}

func ddAdd(a, b dd) dd {
	s, e := twoSum(a.hi, b.hi)
	t, f := twoSum(a.lo, b.lo)
	e += t
	s, e = quickTwoSum(s, e)
	e += f
	s, e = quickTwoSum(s, e)
	return dd{s, e}
}

func ddSub(a, b dd) dd { return ddAdd(a, dd{-b.hi, -b.lo}) }

func ddMul(a, b dd) dd {
	p, e := twoProd(a.hi, b.hi)
	e += a.hi*b.lo + a.lo*b.hi
	p, e = quickTwoSum(p, e)
	return dd{p, e}
}

func ddMulF(a dd, b float64) dd {
	p, e := twoProd(a.hi, b)
	e += a.lo * b
	p, e = quickTwoSum(p, e)
	return dd{p, e}
}

func ddDiv(a, b dd) dd {
	q1 := a.hi / b.hi
	r := ddSub(a, ddMulF(b, q1))
	q2 := r.hi / b.hi
	r = ddSub(r, ddMulF(b, q2))
	q3 := r.hi / b.hi
	q1, q2 = quickTwoSum(q1, q2)
	return ddAdd(dd{q1, q2}, dd{q3, 0})
}

func ddSqrt(a dd) dd {
	x := math.Sqrt(a.hi)
	p, e := twoProd(x, x)
	r := ddSub(a, dd{p, e})
	s, t := quickTwoSum(x, r.hi/(2*x))
	return dd{s, t}
}

// libm holds the constants, computed once in big.Float arithmetic.
var libm struct {
	once   sync.Once
	ln2    dd
	pio2   [4]float64 // π/2 in four parts, about 210 bits
	invFac [32]dd     // 1/n!
	invOdd [24]dd     // 1/(2i+1)
}

func bigToDD(f *big.Float) dd {
	hi, _ := f.Float64()
	r := new(big.Float).SetPrec(f.Prec()).Sub(f, big.NewFloat(hi))
	lo, _ := r.Float64()
	return dd{hi, lo}
}

// machinHalfPi is π/2 to prec bits: 4·atan(1/5) - atan(1/239) (Machin),
// doubled.
func machinHalfPi(prec uint) *big.Float {
	atanInv := func(n int64) *big.Float {
		x := new(big.Float).SetPrec(prec).Quo(big.NewFloat(1).SetPrec(prec), new(big.Float).SetPrec(prec).SetInt64(n))
		x2 := new(big.Float).SetPrec(prec).Mul(x, x)
		sum := new(big.Float).SetPrec(prec).Set(x)
		pow := new(big.Float).SetPrec(prec).Set(x)
		term := new(big.Float).SetPrec(prec)
		for k := int64(3); ; k += 2 {
			pow.Mul(pow, x2)
			term.Quo(pow, new(big.Float).SetPrec(prec).SetInt64(k))
			if (k/2)%2 == 1 {
				sum.Sub(sum, term)
			} else {
				sum.Add(sum, term)
			}
			if term.MantExp(nil) < -int(prec)-8 {
				return sum
			}
		}
	}
	p := new(big.Float).SetPrec(prec).Mul(atanInv(5), big.NewFloat(4))
	p.Sub(p, atanInv(239))
	return p.Mul(p, big.NewFloat(2))
}

var (
	bigHalfPiOnce sync.Once
	bigHalfPi     *big.Float
)

// reduceBigPrec is enough bits of π/2 to reduce any finite float: x up to
// 2^1024, and a remainder that may be as small as about 2^-61·(π/2), to be
// kept to double-double precision.
const reduceBigPrec = 1400

// reduceBig is reduceDD for large |x| (Payne–Hanek's job, done here with
// a 1400-bit π/2): x - k·π/2 exactly enough, and k mod 4.
func reduceBig(x float64) (dd, int) {
	bigHalfPiOnce.Do(func() { bigHalfPi = machinHalfPi(reduceBigPrec) })
	bx := new(big.Float).SetPrec(reduceBigPrec).SetFloat64(x)
	q := new(big.Float).SetPrec(reduceBigPrec).Quo(bx, bigHalfPi)
	q.Add(q, big.NewFloat(0.5).SetPrec(reduceBigPrec))
	k, _ := q.Int(nil)
	if q.Sign() < 0 && !q.IsInt() {
		k.Sub(k, big.NewInt(1)) // Int truncates: floor(q + 1/2) for q < 0
	}
	kf := new(big.Float).SetPrec(reduceBigPrec).SetInt(k)
	r := new(big.Float).SetPrec(reduceBigPrec).Mul(kf, bigHalfPi)
	r.Sub(bx, r)
	return bigToDD(r), int(new(big.Int).And(k, big.NewInt(3)).Int64())
}

func initLibm() {
	libm.once.Do(func() {
		const prec = 320
		libm.ln2 = bigToDD(ln2())
		p := machinHalfPi(prec)
		for i := range libm.pio2 {
			f, _ := p.Float64()
			libm.pio2[i] = f
			p.Sub(p, big.NewFloat(f))
		}
		fac := big.NewFloat(1).SetPrec(prec)
		for n := range libm.invFac {
			if n > 0 {
				fac.Mul(fac, new(big.Float).SetPrec(prec).SetInt64(int64(n)))
			}
			libm.invFac[n] = bigToDD(new(big.Float).SetPrec(prec).Quo(big.NewFloat(1).SetPrec(prec), fac))
		}
		for i := range libm.invOdd {
			libm.invOdd[i] = bigToDD(new(big.Float).SetPrec(prec).Quo(big.NewFloat(1).SetPrec(prec), new(big.Float).SetPrec(prec).SetInt64(int64(2*i+1))))
		}
	})
}

// expDD is e^a for |a| below about 746, before scaling: e^a = m·2^k.
func expDD(a dd) (dd, int) {
	k := math.Round(a.hi / libm.ln2.hi)
	r := ddSub(a, ddMulF(libm.ln2, k))
	s := dd{r.hi / 256, r.lo / 256}
	// p = e^s - 1 by Taylor's series, then (1+p)^2 - 1 eight times.
	p := libm.invFac[11]
	for n := 10; n >= 1; n-- {
		p = ddAdd(ddMul(p, s), libm.invFac[n])
	}
	p = ddMul(p, s)
	for i := 0; i < 8; i++ {
		p = ddMul(p, ddAdd(p, dd{2, 0}))
	}
	return ddAdd(dd{1, 0}, p), int(k)
}

// rhaiExp is glibc's exp, correctly rounded.
func rhaiExp(x float64) float64 {
	switch {
	case math.IsNaN(x):
		return x
	case x > 710:
		return math.Inf(1)
	case x < -746:
		return 0
	case x == 0:
		return 1
	}
	initLibm()
	m, k := expDD(dd{x, 0})
	return math.Ldexp(m.hi+m.lo, k)
}

// logDD is ln x for finite x > 0: x = m·2^e, ln m = 2·atanh((m-1)/(m+1)).
func logDD(x float64) dd {
	m, e := math.Frexp(x)
	if m < math.Sqrt2/2 {
		m *= 2
		e--
	}
	dh, dl := twoSum(m, 1)
	u := ddDiv(dd{m - 1, 0}, dd{dh, dl})
	u2 := ddMul(u, u)
	acc := libm.invOdd[len(libm.invOdd)-1]
	for i := len(libm.invOdd) - 2; i >= 0; i-- {
		acc = ddAdd(ddMul(acc, u2), libm.invOdd[i])
	}
	return ddAdd(ddMulF(libm.ln2, float64(e)), ddMul(ddMulF(u, 2), acc))
}

// rhaiLn is glibc's log, correctly rounded.
func rhaiLn(x float64) float64 {
	if !(x > 0) || math.IsInf(x, 1) || x == 1 {
		return math.Log(x)
	}
	initLibm()
	r := logDD(x)
	return r.hi + r.lo
}

// reduceDD writes x as k·π/2 + r (|r| <= π/4 or so) and returns r and k
// mod 4; ok is false for infinities and NaN.
func reduceDD(x float64) (r dd, q int, ok bool) {
	if math.IsInf(x, 0) || math.IsNaN(x) {
		return dd{}, 0, false
	}
	if !(math.Abs(x) < 0x1p50) {
		r, q := reduceBig(x)
		return r, q, true
	}
	k := math.Round(x / libm.pio2[0])
	r = dd{x, 0}
	for i := 0; i < 3; i++ {
		p, e := twoProd(k, libm.pio2[i])
		r = ddSub(r, dd{p, e})
	}
	r = ddSub(r, dd{k * libm.pio2[3], 0})
	return r, int(int64(k) & 3), true
}

func sinPoly(r dd) dd {
	r2 := ddMul(r, r)
	acc := libm.invFac[29]
	for n := 27; n >= 1; n -= 2 {
		acc = ddMul(acc, r2)
		acc.hi, acc.lo = -acc.hi, -acc.lo
		acc = ddAdd(acc, libm.invFac[n])
	}
	return ddMul(acc, r)
}

func cosPoly(r dd) dd {
	r2 := ddMul(r, r)
	acc := libm.invFac[30]
	for n := 28; n >= 0; n -= 2 {
		acc = ddMul(acc, r2)
		acc.hi, acc.lo = -acc.hi, -acc.lo
		acc = ddAdd(acc, libm.invFac[n])
	}
	return acc
}

// sinCosDD is sin x and cos x in double-double.
func sinCosDD(x float64) (s, c dd, ok bool) {
	r, q, ok := reduceDD(x)
	if !ok {
		return dd{}, dd{}, false
	}
	sr, cr := sinPoly(r), cosPoly(r)
	neg := func(a dd) dd { return dd{-a.hi, -a.lo} }
	switch q {
	case 0:
		return sr, cr, true
	case 1:
		return cr, neg(sr), true
	case 2:
		return neg(sr), neg(cr), true
	}
	return neg(cr), sr, true
}

// rhaiSin, rhaiCos and rhaiTan are glibc's, correctly rounded.
func rhaiSin(x float64) float64 {
	if x == 0 {
		return x
	}
	initLibm()
	s, _, ok := sinCosDD(x)
	if !ok {
		return math.Sin(x)
	}
	return s.hi + s.lo
}

func rhaiCos(x float64) float64 {
	initLibm()
	_, c, ok := sinCosDD(x)
	if !ok {
		return math.Cos(x)
	}
	return c.hi + c.lo
}

func rhaiTan(x float64) float64 {
	if x == 0 {
		return x
	}
	initLibm()
	s, c, ok := sinCosDD(x)
	if !ok {
		return math.Tan(x)
	}
	t := ddDiv(s, c)
	return t.hi + t.lo
}

// The inverse functions refine Go's result y0 (within an ulp or so) by
// the angle between it and the exact one, computed from sin y0, cos y0.

func rhaiAtan(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) < 0x1p-27 {
		return math.Atan(x)
	}
	initLibm()
	y0 := math.Atan(x)
	s, c, _ := sinCosDD(y0)
	num := ddSub(ddMulF(c, x), s)
	den := ddAdd(c, ddMulF(s, x))
	r := ddAdd(dd{y0, 0}, ddDiv(num, den))
	return r.hi + r.lo
}

// oneMinusSq is 1 - x² in double-double.
func oneMinusSq(x float64) dd {
	a, b := twoSum(1, -x)
	c, d := twoSum(1, x)
	return ddMul(dd{a, b}, dd{c, d})
}

func rhaiAsin(x float64) float64 {
	if !(math.Abs(x) < 1) || math.Abs(x) < 0x1p-26 {
		return math.Asin(x)
	}
	initLibm()
	y0 := math.Asin(x)
	s, c, _ := sinCosDD(y0)
	root := ddSqrt(oneMinusSq(x))
	r := ddAdd(dd{y0, 0}, ddSub(ddMulF(c, x), ddMul(root, s)))
	return r.hi + r.lo
}

func rhaiAcos(x float64) float64 {
	if !(math.Abs(x) < 1) {
		return math.Acos(x)
	}
	initLibm()
	y0 := math.Acos(x)
	s, c, _ := sinCosDD(y0)
	root := ddSqrt(oneMinusSq(x))
	r := ddAdd(dd{y0, 0}, ddSub(ddMul(root, c), ddMulF(s, x)))
	return r.hi + r.lo
}

func rhaiAtan2(y, x float64) float64 {
	ay, ax := math.Abs(y), math.Abs(x)
	if x == 0 || y == 0 || math.IsNaN(x) || math.IsNaN(y) || math.IsInf(x, 0) || math.IsInf(y, 0) ||
		max(ay, ax) > 0x1p1000 || min(ay, ax) < 0x1p-900 {
		return math.Atan2(y, x)
	}
	initLibm()
	z0 := math.Atan2(y, x)
	s, c, _ := sinCosDD(z0)
	num := ddSub(ddMulF(c, y), ddMulF(s, x))
	den := ddAdd(ddMulF(c, x), ddMulF(s, y))
	r := ddAdd(dd{z0, 0}, ddDiv(num, den))
	return r.hi + r.lo
}

// rhaiHypot is glibc's hypot (correctly rounded since 2.35).
func rhaiHypot(x, y float64) float64 {
	x, y = math.Abs(x), math.Abs(y)
	if math.IsInf(x, 0) || math.IsInf(y, 0) || math.IsNaN(x) || math.IsNaN(y) || x == 0 || y == 0 {
		return math.Hypot(x, y)
	}
	_, e := math.Frexp(max(x, y))
	x, y = math.Ldexp(x, -e), math.Ldexp(y, -e)
	a, b := twoProd(x, x)
	c, d := twoProd(y, y)
	r := ddSqrt(ddAdd(dd{a, b}, dd{c, d}))
	return math.Ldexp(r.hi+r.lo, e)
}

// fdlibm's formulas, as glibc has them, over the functions above and
// fdlibm's expm1 and log1p (which Go's math ports too).

func rhaiSinh(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	h := 0.5
	if x < 0 {
		h = -h
	}
	ax := math.Abs(x)
	switch {
	case ax < 22:
		if ax < 0x1p-28 {
			return x
		}
		t := math.Expm1(ax)
		if ax < 1 {
			return h * (2*t - t*t/(t+1))
		}
		return h * (t + t/(t+1))
	case ax < 709.7822265625: // high word below 0x40862E42
		return h * rhaiExp(ax)
	case ax <= 710.4758600739439: // the overflow threshold
		w := rhaiExp(0.5 * ax)
		t := h * w
		return t * w
	}
	return x * 1e307
}

func rhaiCosh(x float64) float64 {
	if math.IsNaN(x) {
		return x
	}
	ax := math.Abs(x)
	switch {
	case ax < 22:
		if ax < 0.3465735912322998 { // high word below 0x3fd62e43
			if ax < 0x1p-55 {
				return 1
			}
			t := math.Expm1(ax)
			w := 1 + t
			return 1 + (t*t)/(w+w)
		}
		t := rhaiExp(ax)
		return 0.5*t + 0.5/t
	case ax < 709.7822265625:
		return 0.5 * rhaiExp(ax)
	case ax <= 710.4758600739439:
		w := rhaiExp(0.5 * ax)
		t := 0.5 * w
		return t * w
	}
	return math.Inf(1)
}

func rhaiTanh(x float64) float64 {
	if math.IsNaN(x) {
		return x
	}
	ax := math.Abs(x)
	var z float64
	switch {
	case ax >= 22 || math.IsInf(x, 0):
		z = 1
	case x == 0:
		return x
	case ax < 0x1p-55:
		return x * (1 + x)
	case ax >= 1:
		t := math.Expm1(2 * ax)
		z = 1 - 2/(t+2)
	default:
		t := math.Expm1(-2 * ax)
		z = -t / (t + 2)
	}
	if x < 0 {
		return -z
	}
	return z
}

// rhaiLog10 is fdlibm's log10: n·log10(2) + log10(m) with m in [1, 2).
func rhaiLog10(x float64) float64 {
	if !(x > 0) || math.IsInf(x, 1) {
		return math.Log10(x)
	}
	const (
		ivln10    = 4.34294481903251816668e-01
		log10_2hi = 3.01029995663611771306e-01
		log10_2lo = 3.69423907715893078616e-13
	)
	bits := math.Float64bits(x)
	k := 0
	if bits>>52 == 0 { // subnormal: scale up
		x *= 0x1p54
		k -= 54
		bits = math.Float64bits(x)
	}
	hx := int32(bits >> 32)
	k += int(hx>>20) - 1023
	i := 0
	if k < 0 {
		i = 1
	}
	hx = hx&0x000fffff | int32(0x3ff-i)<<20
	y := float64(k + i)
	x = math.Float64frombits(uint64(uint32(hx))<<32 | bits&0xffffffff)
	z := y*log10_2lo + ivln10*rhaiLn(x)
	return z + y*log10_2hi
}
