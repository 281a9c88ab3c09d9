package main

import (
	"context"
	"errors"
)

// StatusCmd is the `status` command.
type StatusCmd struct{}

// Run runs the command.
func (c *StatusCmd) Run(ctx context.Context, g *Globals) error {
	return errors.New("status: not built yet")
}
