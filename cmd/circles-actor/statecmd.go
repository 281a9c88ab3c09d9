package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/circles-actor/circles-actor/actors"
	"github.com/circles-actor/circles-actor/config"
	"github.com/circles-actor/circles-actor/scripting/state"
)

// StateCmd is `state`: a circle's state out of and into a store, as JSON
// Lines (docs/state.md, "Export format").
type StateCmd struct {
	Export StateExportCmd `cmd:"" help:"Write a circle's state as JSON Lines to stdout (or -o FILE). With --data-dir the server must be stopped: the state file is locked while it runs."`
	Import StateImportCmd `cmd:"" help:"Read JSON Lines (from an export) into a circle's state in one transaction: all lines or none. With --data-dir the server must be stopped: the state file is locked while it runs."`
}

// StateStoreFlags say which store holds the state; openState opens it.
type StateStoreFlags struct {
	PublicKey string `short:"k" name:"public-key" required:"" placeholder:"PK" help:"The circle whose state to read or write." env:"CIRCLES_PUBLIC_KEY"`
	DataDir   string `name:"data-dir" placeholder:"DIR" type:"path" help:"The server's data dir (DIR/state/). Stop the server first: the store is locked while it runs." env:"CIRCLES_DATA_DIR"`
	RedisURL  string `name:"redis-url" placeholder:"URL" help:"The Redis of a Redis-mode server (redis://, rediss:// or unix://); the server may keep running: an import is one transaction checked against its commits." env:"CIRCLES_REDIS_URL"`
}

// config is the configuration openState needs, with the key canonicalised.
func (f StateStoreFlags) config() (config.Config, error) {
	cfg := config.Default()
	cfg.PublicKeys = []string{f.PublicKey}
	cfg.DataDir = f.DataDir
	cfg.RedisURL = f.RedisURL
	// Each store's flag lands in cfg here, and openState picks the store.
	switch {
	case cfg.DataDir == "" && cfg.RedisURL == "":
		return cfg, errors.New("say where the state is: --data-dir DIR or --redis-url URL")
	case cfg.DataDir != "" && cfg.RedisURL != "":
		return cfg, errors.New("give one of --data-dir and --redis-url: a Redis-mode server keeps its state in Redis, not in its data dir")
	}
	if err := cfg.Validate(); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// open opens the store of f and returns it with the circle's canonical key.
func (f StateStoreFlags) open(ctx context.Context, g *Globals) (state.Store, config.Config, error) {
	cfg, err := f.config()
	if err != nil {
		return nil, cfg, err
	}
	st, err := openState(ctx, cfg, newCLILogger(g, slog.LevelWarn))
	return st, cfg, err
}

// StateExportCmd is `state export`.
type StateExportCmd struct {
	StateStoreFlags
	Output string `short:"o" placeholder:"FILE" type:"path" help:"Write to FILE instead of stdout."`
}

func (c *StateExportCmd) Run(ctx context.Context, g *Globals) error {
	st, cfg, err := c.open(ctx, g)
	if err != nil {
		return err
	}
	defer st.Close()
	var w io.Writer = os.Stdout
	if c.Output != "" {
		f, err := os.Create(c.Output)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	n, err := state.Export(ctx, st, cfg.PublicKeys[0], w)
	if err != nil {
		return fmt.Errorf("failed to export the state of circle %s from %s: %w", config.Fingerprint(cfg.PublicKeys[0]), stateWhere(cfg), err)
	}
	fmt.Fprintf(os.Stderr, "exported %d keys of circle %s\n", n, config.Fingerprint(cfg.PublicKeys[0]))
	return nil
}

// StateImportCmd is `state import`.
type StateImportCmd struct {
	StateStoreFlags
	StateFlags `embed:""`
	File       string `arg:"" optional:"" default:"-" placeholder:"FILE" help:"The export to read; - (default) is stdin."`
	Replace    bool   `help:"Remove the circle's keys that are not in the import (default: keep them)."`
}

func (c *StateImportCmd) Run(ctx context.Context, g *Globals) error {
	var r io.Reader = os.Stdin
	if c.File != "-" {
		f, err := os.Open(c.File)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	st, cfg, err := c.open(ctx, g)
	if err != nil {
		return err
	}
	c.StateFlags.apply(&cfg)
	if err := cfg.Validate(); err != nil {
		st.Close()
		return err
	}
	n, err := state.Import(ctx, st, cfg.PublicKeys[0], actors.StateLimits(cfg), r, c.Replace)
	if cerr := st.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("failed to import into circle %s (nothing was written): %w", config.Fingerprint(cfg.PublicKeys[0]), err)
	}
	fmt.Fprintf(os.Stderr, "imported %d keys into circle %s\n", n, config.Fingerprint(cfg.PublicKeys[0]))
	return nil
}
