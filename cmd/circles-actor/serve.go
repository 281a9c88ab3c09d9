package main

import (
	"context"
	"errors"
)

// ServeCmd is the `serve` command.
type ServeCmd struct{}

// Run runs the command.
func (c *ServeCmd) Run(ctx context.Context, g *Globals) error {
	return errors.New("serve: not built yet")
}
