package scripting

import (
	"strings"
	"testing"

	"github.com/circles-actor/circles-actor/scripting/rhai"
)

func TestProgramCacheEvictsLeastRecentlyUsed(t *testing.T) {
	c := newProgramCache(2, 1<<20)
	p1, p2, p3 := &rhai.Program{}, &rhai.Program{}, &rhai.Program{}
	c.put("a", p1)
	c.put("b", p2)
	if _, ok := c.get("a"); !ok { // a is now the most recent
		t.Fatal("a missing")
	}
	c.put("c", p3)
	if _, ok := c.get("b"); ok {
		t.Fatal("b should have been evicted")
	}
	if got, ok := c.get("a"); !ok || got != p1 {
		t.Fatal("a should have stayed")
	}
	if c.len() != 2 {
		t.Fatalf("len %d", c.len())
	}
}

func TestProgramCacheBoundsBytes(t *testing.T) {
	c := newProgramCache(100, 1000)
	c.put(strings.Repeat("x", 300), &rhai.Program{}) // over a quarter of the budget: not cached
	if c.len() != 0 {
		t.Fatal("large script cached")
	}
	for i := range 10 {
		c.put(strings.Repeat(string(rune('a'+i)), 200), &rhai.Program{})
	}
	if c.len() > 5 || c.bytes > 1000 {
		t.Fatalf("len %d bytes %d", c.len(), c.bytes)
	}
}

func TestProgramCacheDisabled(t *testing.T) {
	c := newProgramCache(0, 1000)
	c.put("a", &rhai.Program{})
	if _, ok := c.get("a"); ok {
		t.Fatal("disabled cache returned a program")
	}
}
