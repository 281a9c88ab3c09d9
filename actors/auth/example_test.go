package auth_test

import (
	"encoding/hex"
	"fmt"

	"github.com/circles-actor/circles-actor/actors/auth"
)

// A session issues a nonce, the client signs it like a wallet would, and the
// session checks the signature; the nonce cannot be used twice.
func ExampleNonceStore() {
	store := auth.NewNonceStore(&auth.NonceOptions{Circle: "02aa"})

	priv, _ := auth.ParsePrivateKey("4af1bceebf7f3634ec3cff8a2c38e51178d5d4ce585c52d6043e5e2cc3418bb0")
	pub := auth.PublicKeyHex(priv.PubKey())

	nonce, _ := store.Issue(pub)                                   // fetch_nonce {pubkey}
	sig := "0x" + hex.EncodeToString(auth.SignEIP191(priv, nonce)) // client side
	caller, err := store.Authenticate(pub, sig)                    // authenticate {pubkey, signature}
	fmt.Println(caller == pub, err)

	_, err = store.Authenticate(pub, sig)
	fmt.Println(err)
	// Output:
	// true <nil>
	// unknown nonce
}
