package syntax_test

import (
	"fmt"

	"github.com/circles-actor/circles-actor/scripting/rhai/syntax"
)

func ExampleParse() {
	script, err := syntax.Parse(`
fn double(x) { x * 2 }
let total = 0;
for (v, i) in [1, 2, 3] { total += double(v) ** i; }
total
`, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(syntax.DumpScript(script))

	_, err = syntax.Parse("fn f(a, b { a }", nil)
	fmt.Println(err)
	// Output:
	// (fn double (x) (block (* x 2))) (let total 0) (for (v i) [1 2 3] (block (+= total (** (call double v) i)))) total
	// Expecting ')' to close the parameters list of function 'f' (line 1, position 11)
}
