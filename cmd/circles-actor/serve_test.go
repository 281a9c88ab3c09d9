package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/kong"

	"github.com/circles-actor/circles-actor/actors/auth"
	"github.com/circles-actor/circles-actor/config"
	"github.com/circles-actor/circles-actor/transport/client"
)

const (
	testPK1 = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
	testPK2 = "02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5"
	testPK3 = "02f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9"
)

// parseServe parses a serve command line and returns its config.
func parseServe(t *testing.T, args ...string) (config.Config, error) {
	t.Helper()
	var cli CLI
	parser, err := kong.New(&cli, kong.Name("circles-actor"), kong.Exit(func(int) { t.Fatal("kong exited") }))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parser.Parse(append([]string{"serve"}, args...)); err != nil {
		return config.Config{}, err
	}
	return cli.Serve.config()
}

func TestServeDefaultsMatchConfig(t *testing.T) {
	got, err := parseServe(t, "-k", testPK1)
	if err != nil {
		t.Fatal(err)
	}
	want := config.Default()
	want.PublicKeys = []string{testPK1}
	if err := want.Validate(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("serve defaults differ from config.Default():\n got %+v\nwant %+v", got, want)
	}
}

func TestServeKeysRepeatedCommaAndFolded(t *testing.T) {
	upper := strings.ToUpper(testPK1)
	got, err := parseServe(t, "-k", testPK1, "--public-keys", testPK2+","+upper, "--public-key", testPK3)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{testPK1, testPK2, testPK3}; !reflect.DeepEqual(got.PublicKeys, want) {
		t.Fatalf("keys %v, want %v", got.PublicKeys, want)
	}
}

func TestServeBadKeyIsNamed(t *testing.T) {
	_, err := parseServe(t, "-k", testPK1, "-k", "03deadbeef")
	if err == nil || !strings.Contains(err.Error(), "03deadbeef") {
		t.Fatalf("got %v, want an error naming the key", err)
	}
}

func TestServeFlagsAndEnvironment(t *testing.T) {
	t.Setenv("CIRCLES_PUBLIC_KEYS", testPK1+","+testPK2)
	t.Setenv("CIRCLES_SCRIPT_TIMEOUT", "3s")
	t.Setenv("CIRCLES_ENABLE_AUTH", "true")
	t.Setenv("CIRCLES_MAX_IN_FLIGHT", "7")
	got, err := parseServe(t, "-p", "9999", "--workers-per-circle", "3", "--stripe-circle-secret", testPK2+"=whsec_x")
	if err != nil {
		t.Fatal(err)
	}
	if got.Port != 9999 || got.WorkersPerCircle != 3 || got.ScriptTimeout != 3*time.Second ||
		!got.EnableAuth || got.MaxInFlight != 7 || len(got.PublicKeys) != 2 {
		t.Fatalf("config %+v", got)
	}
	if got.StripeSecret(testPK2) != "whsec_x" {
		t.Fatalf("per-circle secret %+v", got.CircleWebhookSecrets)
	}
}

func TestServeRunsAndStopsOnCancel(t *testing.T) {
	cfg := config.Default()
	cfg.Port = 0
	cfg.PublicKeys = []string{testPK1}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrs := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, log, func(a string) { addrs <- a }) }()
	var addr string
	select {
	case addr = <-addrs:
	case err := <-done:
		t.Fatalf("serve returned early: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not listen")
	}
	cctx, ccancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer ccancel()
	c, err := client.Dial(cctx, "ws://"+addr+"/"+testPK1, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Play(cctx, "40 + 2")
	if err != nil || res.Output != "42" {
		t.Fatalf("play: %v %+v", err, res)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	select {
	case <-c.Done():
	case <-cctx.Done():
		t.Fatal("client still connected after shutdown")
	}
}

func TestKeygen(t *testing.T) {
	var out bytes.Buffer
	if err := (&KeygenCmd{JSON: true}).write(&out); err != nil {
		t.Fatal(err)
	}
	var kp keyPair
	if err := json.Unmarshal(out.Bytes(), &kp); err != nil {
		t.Fatal(err)
	}
	priv, err := auth.ParsePrivateKey(kp.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	if auth.PublicKeyHex(priv.PubKey()) != kp.PublicKey {
		t.Fatal("public key does not belong to the private key")
	}
	if c, err := config.CanonicalKey(kp.PublicKey); err != nil || c != kp.PublicKey {
		t.Fatalf("public key %q is not canonical: %v", kp.PublicKey, err)
	}
	out.Reset()
	if err := (&KeygenCmd{}).write(&out); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(out.String()), "\n"); len(lines) != 2 ||
		!strings.HasPrefix(lines[0], "private key: ") || !strings.HasPrefix(lines[1], "public key:  ") {
		t.Fatalf("text output %q", out.String())
	}
}

// The original server's environment variable names still configure webhooks.
func TestServeOriginalWebhookEnvironment(t *testing.T) {
	t.Setenv("STRIPE_WEBHOOK_SECRET", "whsec_orig")
	t.Setenv("IDENFY_WEBHOOK_SECRET", "idenfy_orig")
	got, err := parseServe(t, "-k", testPK1)
	if err != nil {
		t.Fatal(err)
	}
	if got.StripeSecret(testPK1) != "whsec_orig" || got.IdenfySecret(testPK1) != "idenfy_orig" {
		t.Fatalf("webhook secrets from the original variables: %q %q", got.StripeWebhookSecret, got.IdenfyWebhookSecret)
	}
}

func TestServeNoPlayground(t *testing.T) {
	cfg, err := parseServe(t, "-k", testPK1, "--no-playground")
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.NoPlayground {
		t.Fatal("--no-playground did not reach config.NoPlayground")
	}
	t.Setenv("CIRCLES_NO_PLAYGROUND", "true")
	if cfg, err := parseServe(t, "-k", testPK1); err != nil || !cfg.NoPlayground {
		t.Fatalf("CIRCLES_NO_PLAYGROUND: %v %v", cfg.NoPlayground, err)
	}
}
