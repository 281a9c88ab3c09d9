package server

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// Child-process mode of the test binary: the idle-memory tests and
// benchmarks re-execute it with these variables set to run ServeChild.
const (
	childKindEnv  = "BENCH_SERVER_CHILD"
	childConnsEnv = "BENCH_SERVER_MAXCONNS"
)

func TestMain(m *testing.M) {
	if kind := os.Getenv(childKindEnv); kind != "" {
		maxConns, _ := strconv.Atoi(os.Getenv(childConnsEnv))
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
		err := ServeChild(ctx, kind, maxConns, os.Stdin, os.Stdout)
		cancel()
		if err != nil {
			fmt.Fprintln(os.Stderr, "server child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// childCommand re-executes this test binary as a server child.
func childCommand(ctx context.Context, kind string, maxConns int) *exec.Cmd {
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childKindEnv+"="+kind, childConnsEnv+"="+strconv.Itoa(maxConns))
	cmd.Stderr = os.Stderr
	return cmd
}
