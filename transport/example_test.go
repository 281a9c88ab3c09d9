package transport_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/circles-actor/circles-actor/actors"
	"github.com/circles-actor/circles-actor/config"
	"github.com/circles-actor/circles-actor/scripting/rhai"
	"github.com/circles-actor/circles-actor/transport"
	"github.com/circles-actor/circles-actor/transport/client"
)

// Example embeds circles-actor in another Go program: build the system from
// config with a host function of the program's own, mount the server's
// handler in the program's HTTP server, play a script that calls the host
// function, and shut everything down.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	const circle = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
	cfg := config.Default()
	cfg.PublicKeys = []string{circle}

	greet := rhai.NativeDef{Name: "greet", Arity: 1, Fn: func(c *rhai.Call, args []rhai.Value) (rhai.Value, error) {
		if args[0].Kind() != rhai.KindString {
			return rhai.Value{}, rhai.ErrNoMatch
		}
		return rhai.String("Hello, " + args[0].AsStr() + "!"), nil
	}}
	sys, err := actors.NewSystem(cfg, actors.WithLogger(quiet), actors.WithHostFunctions(func(e *rhai.Engine) error {
		e.RegisterNative(greet)
		return nil
	}))
	if err != nil {
		fmt.Println(err)
		return
	}
	srv, err := transport.NewServer(sys, cfg, quiet)
	if err != nil {
		fmt.Println(err)
		return
	}
	web := httptest.NewServer(srv.Handler()) // the embedding program's own server
	defer web.Close()

	c, err := client.Dial(ctx, "ws"+strings.TrimPrefix(web.URL, "http")+"/"+circle, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := c.Play(ctx, `greet("circle")`)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Output, res.Type)
	c.Close()

	if err := srv.Shutdown(ctx); err != nil {
		fmt.Println(err)
	}
	// Output: Hello, circle! string
}
