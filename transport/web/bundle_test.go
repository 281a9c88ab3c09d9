package web

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestBundleMatchesSources rebuilds the client module from web/src with
// the locked esbuild and checks the committed static/circles-client.js is
// byte for byte what the sources build, so the embedded file cannot drift
// from its sources. It needs node and web/node_modules (`npm ci` in web/,
// which .ci/run does); without them it skips.
func TestBundleMatchesSources(t *testing.T) {
	webDir, err := filepath.Abs(filepath.Join("..", "..", "web"))
	if err != nil {
		t.Fatal(err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: cannot rebuild the client module to compare (CI installs it)")
	}
	if _, err := os.Stat(filepath.Join(webDir, "node_modules", "esbuild")); err != nil {
		t.Skip("web/node_modules is missing: run `npm ci` in web/ (or `make web`) to check the bundle against its sources")
	}
	out := filepath.Join(t.TempDir(), "circles-client.js")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "build.mjs", out)
	cmd.Dir = webDir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("node build.mjs: %v\n%s", err, b)
	}
	built, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile(filepath.Join("static", "circles-client.js"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(built, committed) {
		t.Fatalf("transport/web/static/circles-client.js (%d bytes) is not what web/src builds (%d bytes): run `make web` and commit the result", len(committed), len(built))
	}
}
