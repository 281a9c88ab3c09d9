package redisurl

import (
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"redis://:secret@127.0.0.1:6379":       "redis://:***@127.0.0.1:6379",
		"redis://user:pw@host:1/0?addr=b":      "redis://user:***@host:1/0?addr=b",
		"redis://host:6379":                    "redis://host:6379",
		"redis://user@host":                    "redis://user:***@host",
		"rediss://:p@ss@host":                  "rediss://:***@host",
		"unix:///tmp/redis.sock":               "unix:///tmp/redis.sock",
		"not a url":                            "not a url",
		"redis://:secret@127.0.0.1:notaport/0": "redis://:***@127.0.0.1:notaport/0",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckHidesThePassword(t *testing.T) {
	for _, raw := range []string{
		"redis://:secret@127.0.0.1:notaport",
		"redis://:se%zzret@127.0.0.1:6379",
		"redis://:secret@[::1",
		"redis://us er:secret@host",
	} {
		err := Check(raw)
		if err == nil {
			t.Errorf("Check(%q) = nil, want an error", raw)
			continue
		}
		if strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "se%zz") {
			t.Errorf("Check(%q) = %q: shows the password", raw, err)
		}
		if !strings.HasPrefix(err.Error(), "redis url") {
			t.Errorf("Check(%q) = %q: does not say it is the redis url", raw, err)
		}
	}
	if err := Check("redis://:secret@127.0.0.1:notaport"); !strings.Contains(err.Error(), "notaport") {
		t.Errorf("bad port: %q does not say what is wrong", err)
	}
}

// FuzzCheck: no input panics, and an error never holds the password.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{"redis://:secret@127.0.0.1:notaport", "redis://a?addr=b&addr=c", "redis://:p%zz@h", "rediss://u:p@[::1]:1/2", "", "://@", "redis://:@"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		_ = Redact(raw)
		err := Check(raw)
		if err == nil {
			return
		}
		pw := password(raw)
		// A password that is also the user name or the host cannot be
		// masked without hiding what the error is about; skip those.
		if len(pw) >= 4 && !strings.Contains(Redact(raw), pw) && strings.Contains(err.Error(), pw) {
			t.Fatalf("Check(%q) = %q holds the password %q", raw, err, pw)
		}
	})
}
