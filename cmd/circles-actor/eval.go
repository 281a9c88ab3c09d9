package main

import (
	"context"
	"errors"
)

// EvalCmd is the `eval` command.
type EvalCmd struct{}

// Run runs the command.
func (c *EvalCmd) Run(ctx context.Context, g *Globals) error {
	return errors.New("eval: not built yet")
}
