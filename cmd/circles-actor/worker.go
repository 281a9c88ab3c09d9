package main

import (
	"context"
	"errors"
)

// WorkerCmd is the `worker` command.
type WorkerCmd struct{}

// Run runs the command.
func (c *WorkerCmd) Run(ctx context.Context, g *Globals) error {
	return errors.New("worker: not built yet")
}
