package actors_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/circles-actor/circles-actor/actors"
	"github.com/circles-actor/circles-actor/actors/actorstest"
	"github.com/circles-actor/circles-actor/config"
	"github.com/circles-actor/circles-actor/scripting/rhai"
)

// registerGreet is an embedder's host function: greet(name).
func registerGreet(e *rhai.Engine) error {
	return e.RegisterFn("greet", func(name string) string { return "hello, " + name })
}

// Example drives a session without a socket: the system is built from
// config with a host function, a session is attached to an in-memory frame
// sink, a play request goes in as a frame and its response comes out of the
// sink. The transport attaches real WebSockets the same way.
func Example() {
	cfg := config.Default()
	cfg.PublicKeys = []string{"0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	sys, err := actors.NewSystem(cfg, actors.WithLogger(quiet), actors.WithHostFunctions(registerGreet))
	if err != nil {
		fmt.Println(err)
		return
	}
	sink := actorstest.NewChanSink(8)
	sess, err := sys.OpenSession(sys.Circles()[0], "127.0.0.1:1234", sink)
	if err != nil {
		fmt.Println(err)
		return
	}
	sess.Receive([]byte(`{"jsonrpc":"2.0","id":1,"method":"play","params":{"script":"greet(\"circle\")"}}`))
	frame, err := sink.Next(10 * time.Second)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(frame))

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := sys.Shutdown(ctx); err != nil {
		fmt.Println(err)
	}
	code, _ := sink.Status()
	fmt.Println("closed with", code)
	// Output:
	// {"jsonrpc":"2.0","result":{"output":"hello, circle","type":"string"},"id":1}
	// closed with 1001
}
