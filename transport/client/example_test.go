package client_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/circles-actor/circles-actor/transport/client"
)

// ExampleDial connects to a circle, signs in with a private key (EIP-191 by
// default; Options.Compact for 64-byte SHA-256 signatures) and plays a
// script. It needs a running server, so it only compiles.
func ExampleDial() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, "ws://127.0.0.1:8080/0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798", nil)
	if err != nil {
		log.Fatal(err) // an *HTTPError with status 404 for a circle the server does not host
	}
	defer c.Close()
	if _, err := c.Authenticate(ctx, "<private key hex>"); err != nil {
		log.Fatal(err)
	}
	res, err := c.Play(ctx, "let x = 10; x * 2")
	if err != nil {
		log.Fatal(err) // an *RPCError: -32004 script error, -32005 timeout, ...
	}
	fmt.Println(res.Output, res.Type) // 20 i64
}
