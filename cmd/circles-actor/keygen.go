package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/circles-actor/circles-actor/actors/auth"
)

// KeygenCmd is the `keygen` command: a new secp256k1 key pair from the
// operating system's randomness. The public key is what `serve -k` takes;
// the private key is what `play --key` signs with. Nothing is written to
// disk.
type KeygenCmd struct {
	JSON bool `name:"json" help:"Print {\"private_key\": ..., \"public_key\": ...} instead of two lines."`
}

// keyPair is keygen's JSON output.
type keyPair struct {
	PrivateKey string `json:"private_key"`
	PublicKey  string `json:"public_key"`
}

// Run prints the key pair on stdout.
func (c *KeygenCmd) Run(ctx context.Context, g *Globals) error {
	return c.write(os.Stdout)
}

func (c *KeygenCmd) write(w io.Writer) error {
	priv, pub, err := auth.GenerateKey()
	if err != nil {
		return err
	}
	if c.JSON {
		return json.NewEncoder(w).Encode(keyPair{PrivateKey: priv, PublicKey: pub})
	}
	_, err = fmt.Fprintf(w, "private key: %s\npublic key:  %s\n", priv, pub)
	return err
}
