package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/circles-actor/circles-actor/transport/client"
)

func TestPlayScriptSource(t *testing.T) {
	file := filepath.Join(t.TempDir(), "s.rhai")
	if err := os.WriteFile(file, []byte("40 + 2"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cmd  PlayCmd
		want string
		err  string
	}{
		{"expr", PlayCmd{Expr: "1 + 1"}, "1 + 1", ""},
		{"file", PlayCmd{File: file}, "40 + 2", ""},
		{"both", PlayCmd{Expr: "1", File: file}, "", "not both"},
		{"none", PlayCmd{}, "", "no script"},
		{"missing file", PlayCmd{File: file + ".missing"}, "", "failed to read script"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.cmd.script()
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("script() = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestPlayErrorWording(t *testing.T) {
	script := &client.RPCError{Code: -32004, Message: "Script error", Data: []byte(`{"kind":"runtime","message":"boom","line":2,"column":5}`)}
	if got := playError(script).Error(); got != "script error (runtime) at line 2, column 5: boom [code -32004]" {
		t.Errorf("script error worded %q", got)
	}
	auth := &client.RPCError{Code: -32001, Message: "Authentication required"}
	if got := playError(auth).Error(); got != "Authentication required [code -32001]" {
		t.Errorf("rpc error worded %q", got)
	}
	plain := errors.New("dial failed")
	if playError(plain) != plain {
		t.Error("non-RPC errors must pass through")
	}
}
