package interp_test

import (
	"context"
	"fmt"

	"github.com/circles-actor/circles-actor/bench/interp"
)

// Example runs every workload at a small size on both interpreters and
// prints the checksums, which must agree.
func Example() {
	ctx := context.Background()
	sizes := map[string]int{"fib": 20, "loop": 1000, "sieve": 1000, "strings": 300, "map": 300}
	for _, w := range interp.Workloads {
		rh, lu, err := interp.Runners(w, sizes[w.Name])
		if err != nil {
			fmt.Println(err)
			return
		}
		a, errA := rh.Run(ctx)
		b, errB := lu.Run(ctx)
		fmt.Println(w.Name, a, b, errA, errB)
	}
	// Output:
	// fib 6765 6765 <nil> <nil>
	// loop 500 500 <nil> <nil>
	// sieve 168 168 <nil> <nil>
	// strings 700000300 700000300 <nil> <nil>
	// map 44850 44850 <nil> <nil>
}
