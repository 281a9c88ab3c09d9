package rhai_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/circles-actor/circles-actor/scripting/rhai"
)

// Evaluate a script and read its value.
func ExampleEngine_Eval() {
	e := rhai.NewEngine()
	v, err := e.Eval(context.Background(), `
		fn fib(n) { if n < 2 { n } else { fib(n - 1) + fib(n - 2) } }
		let xs = [];
		for i in 0..10 { xs.push(fib(i)) }
		xs`, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rhai.ToString(v))
	// Output: [0, 1, 1, 2, 3, 5, 8, 13, 21, 34]
}

// Register typed Go functions; errors they return fail the script.
func ExampleEngine_RegisterFn() {
	e := rhai.NewEngine()
	_ = e.RegisterFn("shout", func(s string, times int64) (string, error) {
		if times < 0 {
			return "", fmt.Errorf("negative times")
		}
		return strings.Repeat(strings.ToUpper(s), int(times)), nil
	})
	v, _ := e.Eval(context.Background(), `"hey".shout(2)`, nil)
	fmt.Println(v.AsStr())
	_, err := e.Eval(context.Background(), `shout("x", -1)`, nil)
	fmt.Println(err)
	// Output:
	// HEYHEY
	// negative times (line 1, position 1)
}

// Give a run constants and capture its print output.
func ExampleRunOptions() {
	e := rhai.NewEngine()
	p, _ := e.Compile(`print("hello " + CALLER_ID); TASK_ID.len()`)
	v, _ := e.Run(context.Background(), p, &rhai.RunOptions{
		Constants: map[string]rhai.Value{"CALLER_ID": rhai.String("alice"), "TASK_ID": rhai.String("t-1")},
		Print:     func(s string) { fmt.Println("print:", s) },
	})
	fmt.Println(rhai.ToString(v))
	// Output:
	// print: hello alice
	// 3
}

// A sandbox limit stops a runaway script with its own error kind.
func ExampleLimits() {
	lim := rhai.DefaultLimits()
	lim.MaxOperations = 10_000
	_, err := rhai.NewEngine().Eval(context.Background(), `loop {}`, &rhai.RunOptions{Limits: &lim})
	var re *rhai.Error
	if errors.As(err, &re) {
		fmt.Println(re.Kind)
	}
	// Output: too_many_operations
}
