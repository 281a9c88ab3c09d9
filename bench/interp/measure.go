package interp

import (
	"context"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"text/tabwriter"
	"time"
)

// Timing is the median wall time of one workload on both interpreters,
// measured in the same process, runs interleaved.
type Timing struct {
	Workload  string
	Runs      int
	Rhai, Lua time.Duration // medians
	RhaiMin   time.Duration
	LuaMin    time.Duration
	Checksum  int64
}

// Ratio is ours over gopher-lua: below 1 means our interpreter is faster.
func (t Timing) Ratio() float64 { return float64(t.Rhai) / float64(t.Lua) }

// MeasureOptions configure Measure; the zero value gives the defaults.
type MeasureOptions struct {
	// Runs per interpreter; the median is reported. Default 5.
	Runs int
	// Size overrides the workload's full size when > 0 (tests use small
	// sizes).
	Size int
}

// Measure runs w on both interpreters, alternating rhai and lua so that
// machine noise hits both alike, checks every checksum against w.Want and
// returns the medians. A full collection before each run keeps one run's
// garbage from being charged to the next.
func Measure(ctx context.Context, w Workload, opts MeasureOptions) (Timing, error) {
	runs, n := opts.Runs, opts.Size
	if runs <= 0 {
		runs = 5
	}
	if n <= 0 {
		n = w.Size
	}
	rh, lu, err := Runners(w, n)
	if err != nil {
		return Timing{}, err
	}
	want := w.Want(n)
	var rhaiTimes, luaTimes []time.Duration
	for range runs {
		for _, side := range []struct {
			name  string
			r     Runner
			times *[]time.Duration
		}{{"rhai", rh, &rhaiTimes}, {"lua", lu, &luaTimes}} {
			runtime.GC()
			start := time.Now()
			got, err := side.r.Run(ctx)
			d := time.Since(start)
			if err != nil {
				return Timing{}, fmt.Errorf("%s: %w", w.Name, err)
			}
			if got != want {
				return Timing{}, fmt.Errorf("%s: %s checksum %d, want %d", w.Name, side.name, got, want)
			}
			*side.times = append(*side.times, d)
		}
	}
	return Timing{
		Workload: w.Name, Runs: runs, Checksum: want,
		Rhai: median(rhaiTimes), Lua: median(luaTimes),
		RhaiMin: slices.Min(rhaiTimes), LuaMin: slices.Min(luaTimes),
	}, nil
}

// median of a non-empty sample (the mean of the middle two when even).
func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// GeoMean is the geometric mean of the ratios (1 for no timings).
func GeoMean(ts []Timing) float64 {
	if len(ts) == 0 {
		return 1
	}
	var sum float64
	for _, t := range ts {
		sum += math.Log(t.Ratio())
	}
	return math.Exp(sum / float64(len(ts)))
}

// WriteTable prints one row per workload (reference gopher-lua and ours from
// the same run, and the ratio) and the geometric mean of the ratios.
func WriteTable(w io.Writer, ts []Timing) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workload\tchecksum\tgopher-lua (median)\tours (median)\tours/gopher-lua\t")
	for _, t := range ts {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%.2f\t\n", t.Workload, t.Checksum, round(t.Lua), round(t.Rhai), t.Ratio())
	}
	fmt.Fprintf(tw, "geomean\t\t\t\t%.2f\t\n", GeoMean(ts))
	return tw.Flush()
}

// round keeps three significant digits or so for the table.
func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}
