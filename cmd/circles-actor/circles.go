package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/circles-actor/circles-actor/actors"
	"github.com/circles-actor/circles-actor/transport/admin"
)

// CirclesCmd is `circles list|add PK|remove PK`: the admin API from the
// command line.
type CirclesCmd struct {
	List   CirclesListCmd   `cmd:"" help:"List the served circles and their figures."`
	Add    CirclesAddCmd    `cmd:"" help:"Serve a circle (persisted with --data-dir or in Redis)."`
	Remove CirclesRemoveCmd `cmd:"" help:"Stop serving a circle added at runtime; its sessions close with 4004."`
}

// adminClientFlags are every circles subcommand's flags.
type adminClientFlags struct {
	Server     string        `default:"http://127.0.0.1:8080" help:"Server base URL." env:"CIRCLES_SERVER"`
	AdminToken string        `name:"admin-token" help:"Admin API bearer token." env:"CIRCLES_ADMIN_TOKEN"`
	Timeout    time.Duration `default:"30s" help:"Bound of the request." env:"CIRCLES_TIMEOUT"`
}

// explain adds a hint to the answers an operator can act on.
func explain(err error) error {
	var e *admin.APIError
	if errors.As(err, &e) {
		switch {
		case e.Status == 404 && e.Err == "Not found":
			return fmt.Errorf("%w (is the admin API on? start serve with --admin-token)", err)
		case e.Status == 401:
			return fmt.Errorf("%w (check --admin-token / CIRCLES_ADMIN_TOKEN)", err)
		}
	}
	return err
}

func (f *adminClientFlags) client() (*admin.Client, error) {
	if f.AdminToken == "" {
		return nil, errors.New("give the admin token with --admin-token or CIRCLES_ADMIN_TOKEN")
	}
	return &admin.Client{Base: f.Server, Token: f.AdminToken}, nil
}

// CirclesListCmd is `circles list`.
type CirclesListCmd struct {
	adminClientFlags `embed:""`
}

// Run prints the table.
func (c *CirclesListCmd) Run(ctx context.Context) error {
	cl, err := c.client()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	infos, err := cl.List(ctx)
	if err != nil {
		return explain(err)
	}
	return printCircles(os.Stdout, infos)
}

// printCircles writes infos as an aligned table.
func printCircles(w io.Writer, infos []actors.CircleInfo) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PUBLIC KEY\tSOURCE\tSESSIONS\tPLAYS\tQUEUE\tSTATE KEYS\tSTATE BYTES\tADDED")
	for _, in := range infos {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%s\t%s\t%s\n", in.PublicKey, in.Source, in.Sessions, in.PlaysInFlight,
			in.QueueDepth, optInt(in.StateKeys), optInt(in.StateBytes), in.AddedAt.UTC().Format(time.RFC3339))
	}
	return tw.Flush()
}

func optInt(p *int64) string {
	if p == nil {
		return "-"
	}
	return strconv.FormatInt(*p, 10)
}

// CirclesAddCmd is `circles add PK`.
type CirclesAddCmd struct {
	PublicKey        string `arg:"" name:"pk" help:"Circle public key (hex)."`
	adminClientFlags `embed:""`
}

// Run adds the circle.
func (c *CirclesAddCmd) Run(ctx context.Context) error {
	cl, err := c.client()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	info, added, err := cl.Add(ctx, c.PublicKey)
	if err != nil {
		return explain(err)
	}
	if added {
		fmt.Println("added", info.PublicKey)
	} else {
		fmt.Println("already served", info.PublicKey)
	}
	return nil
}

// CirclesRemoveCmd is `circles remove PK`.
type CirclesRemoveCmd struct {
	PublicKey        string `arg:"" name:"pk" help:"Circle public key (hex)."`
	adminClientFlags `embed:""`
}

// Run removes the circle.
func (c *CirclesRemoveCmd) Run(ctx context.Context) error {
	cl, err := c.client()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	if err := cl.Remove(ctx, c.PublicKey); err != nil {
		return explain(err)
	}
	fmt.Println("removed", c.PublicKey)
	return nil
}
