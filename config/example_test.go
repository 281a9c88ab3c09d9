package config_test

import (
	"fmt"

	"github.com/circles-actor/circles-actor/config"
)

func ExampleConfig_Validate() {
	c := config.Default()
	c.Port = 0 // any free port
	c.PublicKeys = []string{
		"0479BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798" +
			"483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8",
		"0x0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798", // the same key
	}
	if err := c.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.PublicKeys)
	fmt.Println(config.Fingerprint(c.PublicKeys[0]))

	c.PublicKeys = append(c.PublicKeys, "zz12")
	fmt.Println(c.Validate())
	// Output:
	// [0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798]
	// 0f715baf
	// invalid configuration: invalid public key "zz12": key is not hex
}
