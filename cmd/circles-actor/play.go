package main

import (
	"context"
	"errors"
)

// PlayCmd is the `play` command.
type PlayCmd struct{}

// Run runs the command.
func (c *PlayCmd) Run(ctx context.Context, g *Globals) error {
	return errors.New("play: not built yet")
}
