package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestSplitInitScriptsAndValidate(t *testing.T) {
	const pk = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
	const pk2 = "02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5"
	keys, scripts := SplitInitScripts([]string{strings.ToUpper(pk) + ":init.rhai", pk2})
	c := Default()
	c.PublicKeys, c.InitScripts = keys, scripts
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.PublicKeys, []string{pk, pk2}) || !reflect.DeepEqual(c.InitScripts, map[string]string{pk: "init.rhai"}) {
		t.Fatalf("keys %v, scripts %v", c.PublicKeys, c.InitScripts)
	}
	if k, s := SplitInitScripts([]string{pk}); s != nil || k[0] != pk {
		t.Fatalf("a plain key gave %v %v", k, s)
	}

	c = Default()
	c.PublicKeys, c.InitScripts = []string{pk}, map[string]string{pk2: "x.rhai"}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "not served") {
		t.Fatalf("init script of an unserved circle: %v", err)
	}
	c = Default()
	c.PublicKeys, c.StateMaxKeyBytes, c.StateMaxKeys = []string{pk}, 1<<20, 0
	err := c.Validate()
	if err == nil || !strings.Contains(err.Error(), "state max key bytes") || !strings.Contains(err.Error(), "state max keys") {
		t.Fatalf("bad state limits: %v", err)
	}
}
