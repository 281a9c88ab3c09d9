package server

import "testing"

// FuzzParseMem checks the child protocol's sample parser: no panic, and
// every accepted line round-trips through MemSample.String.
func FuzzParseMem(f *testing.F) {
	for _, seed := range []string{
		"mem 1 2 3 4",
		"mem 123456789 98765432 16384000 4021",
		"mem  1\t2 3 4 ",
		"mem 18446744073709551615 0 0 2147483647",
		"mem 1 2 3",
		"mem -1 2 3 4",
		"url ws://127.0.0.1:1/x",
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, line string) {
		m, err := ParseMem(line)
		if err != nil {
			return
		}
		again, err := ParseMem(m.String())
		if err != nil || again != m {
			t.Fatalf("round trip of %q: %+v -> %q -> %+v, %v", line, m, m.String(), again, err)
		}
	})
}

func TestParseMem(t *testing.T) {
	m, err := ParseMem("mem 10 20 5 3")
	if err != nil || m != (MemSample{RSS: 10, GoMem: 20, Stacks: 5, Goroutines: 3}) {
		t.Fatalf("ParseMem = %+v, %v", m, err)
	}
	for _, bad := range []string{"", "mem", "mem 1 2 3", "mem 1 2 3 4 5", "rss 1 2 3 4", "mem a 2 3 4", "mem 1 2 3 -4"} {
		if _, err := ParseMem(bad); err == nil {
			t.Errorf("ParseMem(%q) accepted", bad)
		}
	}
}
