package actors_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/circles-actor/circles-actor/actors"
	"github.com/circles-actor/circles-actor/config"
	"github.com/circles-actor/circles-actor/scripting"
	"github.com/circles-actor/circles-actor/scripting/rhai"
	"github.com/circles-actor/circles-actor/scripting/state"
)

// An embedding program changes a circle's state from Go with the same
// transaction rules as a script (all writes or none, durable on return),
// a script reads it, and Go reads what the script wrote.
func ExampleSystem_UpdateState() {
	cfg := config.Default()
	circle := "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
	cfg.PublicKeys = []string{circle}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	sys, err := actors.NewSystem(cfg, actors.WithLogger(quiet)) // add actors.WithStateStore for a disk store
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	defer sys.Shutdown(ctx)

	err = sys.UpdateState(ctx, circle, func(tx *state.Tx) error {
		return tx.Set("price", rhai.Int(2000))
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := sys.Dispatch(ctx, scripting.Task{CircleID: circle,
		Script: `state["sold"] = state.get("sold", 0) + 1; state["price"] * state["sold"]`})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("script:", res.Output)

	_ = sys.ViewState(ctx, circle, func(tx *state.Tx) error {
		sold, _, _ := tx.Get("sold")
		keys, _ := tx.Keys("", 0)
		fmt.Println("sold:", rhai.ToString(sold), "keys:", keys)
		return nil
	})
	// Output:
	// script: 2000
	// sold: 1 keys: [price sold]
}
