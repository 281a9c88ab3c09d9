package main

import (
	"reflect"
	"testing"
)

func TestServeStateFlagsAndInitScripts(t *testing.T) {
	t.Setenv("CIRCLES_PUBLIC_KEYS", testPK1+":seed.rhai,"+testPK2)
	t.Setenv("CIRCLES_DATA_DIR", "/var/lib/circles")
	got, err := parseServe(t, "--state-max-keys", "10", "--state-max-value-bytes", "99")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.PublicKeys, []string{testPK1, testPK2}) || got.InitScripts[testPK1] != "seed.rhai" || len(got.InitScripts) != 1 {
		t.Fatalf("keys %v, init scripts %v", got.PublicKeys, got.InitScripts)
	}
	if got.DataDir != "/var/lib/circles" || got.StateMaxKeys != 10 || got.StateMaxValueBytes != 99 {
		t.Fatalf("config %+v", got)
	}
	if _, err := parseServe(t, "-k", testPK1, "--state-max-key-bytes", "40000"); err == nil {
		t.Fatal("a key limit over 32768 was accepted")
	}
}
