package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/circles-actor/circles-actor/transport/client"
)

// PlayCmd is the `play` command: it sends one script to a running server
// and prints the script's final value on stdout. Script errors and refused
// connections go to stderr with exit status 1.
type PlayCmd struct {
	URL      string        `required:"" help:"Circle URL: ws://host:port/<circle_pk> (wss:// for TLS)." env:"CIRCLES_URL"`
	Key      string        `help:"Private key (hex) to authenticate with before playing." env:"CIRCLES_KEY" xor:"key"`
	KeyFile  string        `help:"File holding the private key (hex)." type:"existingfile" xor:"key"`
	Compact  bool          `help:"Sign the nonce with a 64-byte compact SHA-256 signature instead of EIP-191."`
	Expr     string        `short:"e" help:"Script text to run (instead of FILE)."`
	Insecure bool          `help:"Skip TLS certificate verification (self-signed test servers)."`
	Timeout  time.Duration `default:"60s" help:"Give up after this long (connect, authenticate and play)."`
	File     string        `arg:"" optional:"" help:"Script file, or - for standard input."`
}

// Run runs the command.
func (c *PlayCmd) Run(ctx context.Context, g *Globals) error {
	script, err := c.script()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	cl, err := client.Dial(ctx, c.URL, c.dialOptions())
	if err != nil {
		return err
	}
	defer cl.Close()
	if err := c.authenticate(ctx, cl); err != nil {
		return err
	}
	res, err := cl.Play(ctx, script)
	if err != nil {
		return playError(err)
	}
	for _, line := range res.Prints {
		fmt.Fprintln(os.Stdout, line)
	}
	fmt.Fprintln(os.Stdout, res.Output)
	return nil
}

// script reads the script from -e, FILE, or standard input ("-").
func (c *PlayCmd) script() (string, error) {
	switch {
	case c.Expr != "" && c.File != "":
		return "", errors.New("give either -e SCRIPT or FILE, not both")
	case c.Expr != "":
		return c.Expr, nil
	case c.File == "":
		return "", errors.New("no script: give FILE, - for standard input, or -e SCRIPT")
	case c.File == "-":
		b, err := io.ReadAll(os.Stdin)
		if err != nil {
			return "", fmt.Errorf("failed to read script from stdin: %w", err)
		}
		return string(b), nil
	}
	b, err := os.ReadFile(c.File)
	if err != nil {
		return "", fmt.Errorf("failed to read script: %w", err)
	}
	return string(b), nil
}

func (c *PlayCmd) dialOptions() *client.Options {
	opts := &client.Options{Compact: c.Compact}
	if c.Insecure {
		opts.HTTPClient = &http.Client{Transport: &http.Transport{
			TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // asked for with --insecure
		}}
	}
	return opts
}

// authenticate signs in when a key was given; anonymous otherwise.
func (c *PlayCmd) authenticate(ctx context.Context, cl *client.Client) error {
	key := c.Key
	if c.KeyFile != "" {
		b, err := os.ReadFile(c.KeyFile)
		if err != nil {
			return fmt.Errorf("failed to read key file: %w", err)
		}
		key = strings.TrimSpace(string(b))
	}
	if key == "" {
		return nil
	}
	if _, err := cl.Authenticate(ctx, key); err != nil {
		return fmt.Errorf("failed to authenticate: %w", err)
	}
	return nil
}

// playError words a failed play for people: script errors with their
// position, other RPC errors with their code.
func playError(err error) error {
	var re *client.RPCError
	if !errors.As(err, &re) {
		return err
	}
	if se, ok := re.ScriptError(); ok {
		return fmt.Errorf("script error (%s) at line %d, column %d: %s [code %d]", se.Kind, se.Line, se.Column, se.Message, re.Code)
	}
	return fmt.Errorf("%s [code %d]", re.Message, re.Code)
}
