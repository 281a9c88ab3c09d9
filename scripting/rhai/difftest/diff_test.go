package difftest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/scripting/rhai"
)

// The CI run is moderate; the report runs thousands:
//
//	go test ./scripting/rhai/difftest -run Differential -difftest.n=5000 -v
var (
	flagN      = flag.Int("difftest.n", 0, "generated programs to compare (default 800, or $RHAI_DIFFTEST_N)")
	flagSeed   = flag.Uint64("difftest.seed", 1, "first seed of the generated programs")
	flagShow   = flag.Int("difftest.show", 2, "sample programs printed per difference class")
	flagUpdate = flag.Bool("difftest.update", false, "rewrite testdata/corpus.golden from the reference")
	flagMsgs   = flag.Bool("difftest.msgs", false, "also compare the words and positions of error messages")
)

// Agreement the CI run must keep (the default 800 programs, the corpus):
// raise these as divergences are closed. The differences left are listed
// in the report of a -v run.
const (
	minGenerated = 0.9925
	minCorpus    = 0.985
)

// result is one side's outcome, normalised for comparison.
type result struct {
	OK     bool
	Type   string
	Value  string // canonical text of the value (see canon)
	Stdout string
	Kind   string // "parse" or "runtime" when !OK
	Msg    string
}

// refPath finds ../shared/rhai-ref/rhai-json beside the worktree, or $RHAI_REF.
func refPath() string {
	if p := os.Getenv("RHAI_REF"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return ""
		}
		return p
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		p := filepath.Join(dir, "shared", "rhai-ref", "rhai-json")
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

func requireRef(t *testing.T) string {
	t.Helper()
	p := refPath()
	if p == "" {
		t.Skip("skipping: the reference Rhai (../shared/rhai-ref/rhai-json, or $RHAI_REF) is not present")
	}
	return p
}

var anonRe = regexp.MustCompile(`anon\$[0-9a-z_]+`)

// runRef runs the reference on one script.
func runRef(bin, src string) result {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	cmd.Stdin = strings.NewReader(src)
	var out bytes.Buffer
	cmd.Stdout = &out
	_ = cmd.Run() // the exit status is not part of the contract
	var raw struct {
		OK     bool            `json:"ok"`
		Type   string          `json:"type"`
		Value  json.RawMessage `json:"value"`
		Stdout string          `json:"stdout"`
		Error  struct {
			Kind    string `json:"kind"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(out.Bytes(), &raw); err != nil {
		return result{Kind: "runtime", Msg: fmt.Sprintf("reference gave no JSON (%v): %.200q", err, out.String())}
	}
	r := result{OK: raw.OK, Type: raw.Type, Stdout: anonRe.ReplaceAllString(raw.Stdout, "anon"), Kind: raw.Error.Kind, Msg: raw.Error.Message}
	if raw.OK {
		d := json.NewDecoder(bytes.NewReader(raw.Value))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			r.Value = "undecodable: " + err.Error()
		} else {
			r.Value = canonJSON(v)
		}
	}
	return r
}

// canonJSON writes a decoded reference value in the canonical form.
func canonJSON(v any) string {
	switch v := v.(type) {
	case nil:
		return "()"
	case bool:
		return strconv.FormatBool(v)
	case json.Number:
		s := v.String()
		if strings.ContainsAny(s, ".eE") {
			f, _ := strconv.ParseFloat(s, 64)
			return canonFloat(f)
		}
		return "i" + s
	case string:
		// Non-finite floats are strings in the contract: ours are written
		// the same way (canonValue), so both sides meet as strings.
		return strconv.Quote(anonRe.ReplaceAllString(v, "anon"))
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = canonJSON(e)
		}
		return "[" + strings.Join(parts, ",") + "]"
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = strconv.Quote(k) + ":" + canonJSON(v[k])
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	return fmt.Sprintf("?%T", v)
}

func canonFloat(f float64) string {
	if math.IsNaN(f) {
		return "fNaN"
	}
	return "f" + strconv.FormatFloat(f, 'g', -1, 64)
}

// canonValue writes one of our values in the canonical form; kinds the
// reference gives as text (blob, range, Fn, timestamp) are their to_string.
func canonValue(v rhai.Value) string {
	switch v.Kind() {
	case rhai.KindUnit:
		return "()"
	case rhai.KindBool:
		return strconv.FormatBool(v.AsBool())
	case rhai.KindInt:
		return "i" + strconv.FormatInt(v.AsInt(), 10)
	case rhai.KindFloat:
		f := v.AsFloat()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return strconv.Quote(rhai.FormatFloat(f))
		}
		return canonFloat(f)
	case rhai.KindChar:
		return strconv.Quote(string(v.AsChar()))
	case rhai.KindString:
		return strconv.Quote(anonRe.ReplaceAllString(v.AsStr(), "anon"))
	case rhai.KindArray:
		el := v.AsArray().Elems
		parts := make([]string, len(el))
		for i, e := range el {
			parts[i] = canonValue(e)
		}
		return "[" + strings.Join(parts, ",") + "]"
	case rhai.KindMap:
		m := v.AsMap().GoMap()
		keys := rhai.SortedKeys(m)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = strconv.Quote(k) + ":" + canonValue(m[k])
		}
		return "{" + strings.Join(parts, ",") + "}"
	case rhai.KindTimestamp:
		return strconv.Quote("<timestamp>")
	case rhai.KindCustom:
		if s, ok := rhai.ToGo(v).(string); ok {
			return strconv.Quote(s)
		}
	}
	return strconv.Quote(anonRe.ReplaceAllString(rhai.ToString(v), "anon"))
}

// runOurs runs a script in-process the way `circles-actor eval --json` does.
func runOurs(eng *rhai.Engine, src string) result {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out strings.Builder
	opts := &rhai.RunOptions{Print: func(s string) { out.WriteString(s); out.WriteByte('\n') }}
	v, err := eng.Eval(ctx, src, opts)
	r := result{Stdout: anonRe.ReplaceAllString(out.String(), "anon")}
	if err != nil {
		r.Kind, r.Msg = "runtime", err.Error()
		var re *rhai.Error
		if errors.As(err, &re) && re.Kind == rhai.ErrParse {
			r.Kind = "parse"
		}
		return r
	}
	r.OK, r.Type, r.Value = true, v.TypeName(), canonValue(v)
	return r
}

// classify names how two results differ ("" when they agree).
func classify(ours, ref result) string {
	switch {
	case ours.OK != ref.OK:
		if ref.OK {
			return "we fail, Rhai succeeds: " + msgClass(ours.Msg)
		}
		return "we succeed, Rhai fails: " + msgClass(ref.Msg)
	case !ours.OK:
		if ours.Kind != ref.Kind {
			return fmt.Sprintf("error kind %s, Rhai %s: %s", ours.Kind, ref.Kind, msgClass(ref.Msg))
		}
		if ours.Stdout != ref.Stdout {
			return fmt.Sprintf("stdout before the error: ours %s, Rhai %s", msgClass(ours.Msg), msgClass(ref.Msg))
		}
		if *flagMsgs && ours.Msg != ref.Msg {
			return "error message: " + msgClass(ref.Msg)
		}
		return ""
	case ours.Type != ref.Type:
		return fmt.Sprintf("type %s, Rhai %s", ours.Type, ref.Type)
	case ours.Value != ref.Value:
		return "value of type " + ref.Type
	case ours.Stdout != ref.Stdout:
		return "stdout"
	}
	return ""
}

var digitsRe = regexp.MustCompile(`[0-9]+`)

// msgClass reduces an error message to its class: the words before the
// details, numbers elided.
func msgClass(m string) string {
	if i := strings.Index(m, " (line "); i >= 0 {
		m = m[:i]
	}
	if i := strings.IndexAny(m, ":'"); i >= 0 {
		m = m[:i]
	}
	m = digitsRe.ReplaceAllString(m, "N")
	if len(m) > 60 {
		m = m[:60]
	}
	return m
}

type outcome struct {
	src       string
	ours, ref result
	class     string
}

// compareAll runs every script on both sides, the reference on two workers.
func compareAll(t *testing.T, bin string, srcs []string) []outcome {
	eng := rhai.NewEngine()
	res := make([]outcome, len(srcs))
	for i, s := range srcs {
		res[i] = outcome{src: s, ours: runOurs(eng, s)}
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				res[i].ref = runRef(bin, res[i].src)
			}
		}()
	}
	for i := range srcs {
		next <- i
	}
	close(next)
	wg.Wait()
	for i := range res {
		res[i].class = classify(res[i].ours, res[i].ref)
	}
	return res
}

// report logs the agreement and each remaining class with samples; it
// returns the agreement.
func report(t *testing.T, what string, res []outcome) float64 {
	t.Helper()
	classes := map[string][]int{}
	agree := 0
	for i, o := range res {
		if o.class == "" {
			agree++
			continue
		}
		classes[o.class] = append(classes[o.class], i)
	}
	rate := float64(agree) / float64(len(res))
	okRef := 0
	for _, o := range res {
		if o.ref.OK {
			okRef++
		}
	}
	t.Logf("%s: %d/%d agree (%.2f%%), %d difference classes; %d ran without error in Rhai", what, agree, len(res), 100*rate, len(classes), okRef)
	if testing.Verbose() {
		// What stops the programs that fail, to keep the generator honest.
		stops := map[string]int{}
		for _, o := range res {
			if !o.ref.OK {
				stops[msgClass(o.ref.Msg)]++
			}
		}
		var top []string
		for k := range stops {
			top = append(top, k)
		}
		sort.Slice(top, func(i, j int) bool { return stops[top[i]] > stops[top[j]] })
		for _, k := range top[:min(8, len(top))] {
			t.Logf("  Rhai stopped %5d times on: %s", stops[k], k)
		}
	}
	names := make([]string, 0, len(classes))
	for c := range classes {
		names = append(names, c)
	}
	sort.Slice(names, func(i, j int) bool {
		if len(classes[names[i]]) != len(classes[names[j]]) {
			return len(classes[names[i]]) > len(classes[names[j]])
		}
		return names[i] < names[j]
	})
	for _, c := range names {
		idx := classes[c]
		t.Logf("  %5d  %s", len(idx), c)
		// Show the shortest samples: they are the easiest to read.
		sort.Slice(idx, func(i, j int) bool { return len(res[idx[i]].src) < len(res[idx[j]].src) })
		for _, i := range idx[:min(*flagShow, len(idx))] {
			o := res[i]
			t.Logf("      --- script:\n%s\n      ours: %s\n      rhai: %s", indent(o.src), show(o.ours), show(o.ref))
		}
	}
	return rate
}

func indent(s string) string {
	return "        " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n        ")
}

func show(r result) string {
	if !r.OK {
		return fmt.Sprintf("error %s %q stdout=%q", r.Kind, r.Msg, r.Stdout)
	}
	return fmt.Sprintf("%s %s stdout=%q", r.Type, r.Value, r.Stdout)
}

func programCount() int {
	if *flagN > 0 {
		return *flagN
	}
	if s := os.Getenv("RHAI_DIFFTEST_N"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			return n
		}
	}
	return 800
}

// TestDifferential compares generated programs with the reference.
func TestDifferential(t *testing.T) {
	bin := requireRef(t)
	n := programCount()
	srcs := make([]string, n)
	for i := range srcs {
		srcs[i] = Program(*flagSeed + uint64(i))
	}
	rate := report(t, fmt.Sprintf("generated programs (seeds %d..%d)", *flagSeed, *flagSeed+uint64(n)-1), compareAll(t, bin, srcs))
	if rate < minGenerated {
		t.Errorf("agreement %.2f%% is below the %.2f%% this test requires", 100*rate, 100*minGenerated)
	}
}

// corpus reads testdata/*.rhai: cases separated by lines "// ----".
func corpus(t *testing.T) []string {
	files, err := filepath.Glob(filepath.Join("testdata", "*.rhai"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus in testdata: %v", err)
	}
	var cases []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range strings.Split(string(b), "\n// ----\n") {
			if strings.TrimSpace(c) != "" {
				cases = append(cases, c)
			}
		}
	}
	return cases
}

// TestCorpus compares the hand-written cases with the reference.
func TestCorpus(t *testing.T) {
	bin := requireRef(t)
	rate := report(t, "corpus", compareAll(t, bin, corpus(t)))
	if rate < minCorpus {
		t.Errorf("agreement %.2f%% is below the %.2f%% this test requires", 100*rate, 100*minCorpus)
	}
}

// goldenPath holds what the reference gives for each corpus case, so that
// the corpus is checked in CI even where the reference is not installed.
const goldenPath = "testdata/corpus.golden"

// TestCorpusGolden compares our results on the corpus with the reference's
// recorded ones; -difftest.update records them again.
func TestCorpusGolden(t *testing.T) {
	cases := corpus(t)
	if *flagUpdate {
		bin := requireRef(t)
		var b strings.Builder
		for _, c := range cases {
			line, err := json.Marshal(runRef(bin, c))
			if err != nil {
				t.Fatal(err)
			}
			b.Write(line)
			b.WriteByte('\n')
		}
		if err := os.WriteFile(goldenPath, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatalf("%v (record it with -difftest.update where ../shared/rhai-ref exists)", err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != len(cases) {
		t.Fatalf("%s has %d results for %d corpus cases: record it again with -difftest.update", goldenPath, len(lines), len(cases))
	}
	eng := rhai.NewEngine()
	res := make([]outcome, len(cases))
	for i, c := range cases {
		res[i] = outcome{src: c, ours: runOurs(eng, c)}
		if err := json.Unmarshal([]byte(lines[i]), &res[i].ref); err != nil {
			t.Fatalf("%s line %d: %v", goldenPath, i+1, err)
		}
		res[i].class = classify(res[i].ours, res[i].ref)
	}
	rate := report(t, "corpus against the recorded reference results", res)
	if rate < minCorpus {
		t.Errorf("agreement %.2f%% is below the %.2f%% this test requires", 100*rate, 100*minCorpus)
	}
}

// TestProgramDeterministic: a seed always gives the same script.
func TestProgramDeterministic(t *testing.T) {
	for seed := uint64(0); seed < 50; seed++ {
		if a, b := Program(seed), Program(seed); a != b {
			t.Fatalf("seed %d gave two different programs", seed)
		}
	}
	if Program(1) == Program(2) {
		t.Fatal("seeds 1 and 2 gave the same program")
	}
}
