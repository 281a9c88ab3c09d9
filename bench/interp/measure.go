package interp

import (
	"context"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"syscall"
	"text/tabwriter"
	"time"
)

// Timing is the median wall time of one workload on both interpreters,
// measured in the same process, runs interleaved.
type Timing struct {
	Workload  string
	Runs      int
	Rhai, Lua time.Duration // wall-time medians
	// RhaiCPU and LuaCPU are medians of the process's CPU time (user +
	// system, all threads, so the garbage collector's work counts) over
	// the same runs: on a machine shared with other work they move less
	// than wall time.
	RhaiCPU, LuaCPU time.Duration
	Checksum        int64
}

// Ratio is ours over gopher-lua in wall time: below 1 means our
// interpreter is faster.
func (t Timing) Ratio() float64 { return float64(t.Rhai) / float64(t.Lua) }

// CPURatio is ours over gopher-lua in CPU time.
func (t Timing) CPURatio() float64 { return float64(t.RhaiCPU) / float64(t.LuaCPU) }

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
	var rhaiTimes, luaTimes, rhaiCPU, luaCPU []time.Duration
	for range runs {
		for _, side := range []struct {
			name       string
			r          Runner
			times, cpu *[]time.Duration
		}{{"rhai", rh, &rhaiTimes, &rhaiCPU}, {"lua", lu, &luaTimes, &luaCPU}} {
			runtime.GC()
			cpu0 := cpuTime()
			start := time.Now()
			got, err := side.r.Run(ctx)
			d := time.Since(start)
			c := cpuTime() - cpu0
			if err != nil {
				return Timing{}, fmt.Errorf("%s: %w", w.Name, err)
			}
			if got != want {
				return Timing{}, fmt.Errorf("%s: %s checksum %d, want %d", w.Name, side.name, got, want)
			}
			*side.times = append(*side.times, d)
			*side.cpu = append(*side.cpu, c)
		}
	}
	return Timing{
		Workload: w.Name, Runs: runs, Checksum: want,
		Rhai: median(rhaiTimes), Lua: median(luaTimes),
		RhaiCPU: median(rhaiCPU), LuaCPU: median(luaCPU),
	}, nil
}

// cpuTime is the process's user plus system CPU time so far (0 if the
// platform cannot tell, which makes the CPU ratios meaningless but keeps
// the wall-time figures).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
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

// GeoMean is the geometric mean of the wall-time ratios (1 for none).
func GeoMean(ts []Timing) float64 { return geoMean(ts, Timing.Ratio) }

// CPUGeoMean is the geometric mean of the CPU-time ratios (1 for none).
func CPUGeoMean(ts []Timing) float64 { return geoMean(ts, Timing.CPURatio) }

func geoMean(ts []Timing, ratio func(Timing) float64) float64 {
	if len(ts) == 0 {
		return 1
	}
	var sum float64
	for _, t := range ts {
		sum += math.Log(ratio(t))
	}
	return math.Exp(sum / float64(len(ts)))
}

// WriteTable prints one row per workload (reference gopher-lua and ours from
// the same run, and the ratio, in wall and in CPU time) and the geometric
// means of the ratios.
func WriteTable(w io.Writer, ts []Timing) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workload\tchecksum\tgopher-lua wall\tours wall\tours/gopher-lua\tgopher-lua cpu\tours cpu\tours/gopher-lua cpu\t")
	for _, t := range ts {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%.2f\t%s\t%s\t%.2f\t\n", t.Workload, t.Checksum,
			round(t.Lua), round(t.Rhai), t.Ratio(), round(t.LuaCPU), round(t.RhaiCPU), t.CPURatio())
	}
	fmt.Fprintf(tw, "geomean\t\t\t\t%.2f\t\t\t%.2f\t\n", GeoMean(ts), CPUGeoMean(ts))
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
