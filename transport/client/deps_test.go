package client_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDeps keeps the client light: programs that only talk to a server
// must not compile in the server (actors, scripting, protoactor, Redis,
// Prometheus) or any other package of this module.
func TestDeps(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", "github.com/circles-actor/circles-actor/transport/client").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, bad := range []string{
			"github.com/circles-actor/circles-actor/actors", "github.com/circles-actor/circles-actor/scripting",
			"github.com/circles-actor/circles-actor/config", "github.com/circles-actor/circles-actor/cmd",
			"github.com/asynkron/", "github.com/redis/", "github.com/prometheus/",
		} {
			if strings.HasPrefix(dep, bad) {
				t.Errorf("transport/client depends on %s", dep)
			}
		}
		if strings.HasPrefix(dep, "github.com/circles-actor/circles-actor/transport/") && dep != "github.com/circles-actor/circles-actor/transport/client" {
			t.Errorf("transport/client depends on %s", dep)
		}
	}
}
