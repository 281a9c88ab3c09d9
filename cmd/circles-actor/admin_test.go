package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestServeAdminTokens: tokens come from the repeatable flag and the file
// together, blanks, comments and duplicates are dropped, short ones refused.
func TestServeAdminTokens(t *testing.T) {
	file := filepath.Join(t.TempDir(), "tokens")
	if err := os.WriteFile(file, []byte("# comment\n\n  file-token-0123456789  \nflag-token-0123456789\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := parseServe(t, "-k", testPK1, "--admin-token", "flag-token-0123456789", "--admin-token", "other-token-0123456789",
		"--admin-token-file", file, "--data-dir", "/tmp/somewhere")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"flag-token-0123456789", "other-token-0123456789", "file-token-0123456789"}
	if !reflect.DeepEqual(cfg.AdminTokens, want) || cfg.DataDir != "/tmp/somewhere" {
		t.Fatalf("tokens %q, data dir %q", cfg.AdminTokens, cfg.DataDir)
	}
	if _, err := parseServe(t, "-k", testPK1, "--admin-token", "short"); err == nil || !strings.Contains(err.Error(), "at least 16") {
		t.Fatalf("short token: %v", err)
	}
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, []byte("# nothing\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := parseServe(t, "-k", testPK1, "--admin-token-file", empty); err == nil || !strings.Contains(err.Error(), "no token") {
		t.Fatalf("empty token file: %v", err)
	}
	if _, err := parseServe(t, "-k", testPK1, "--admin-token-file", filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Fatal("missing token file accepted")
	}
}
