package main

import (
	"context"
	"errors"
)

// KeygenCmd is the `keygen` command.
type KeygenCmd struct{}

// Run runs the command.
func (c *KeygenCmd) Run(ctx context.Context, g *Globals) error {
	return errors.New("keygen: not built yet")
}
