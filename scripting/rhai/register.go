package rhai

import (
	"errors"
	"fmt"
	"reflect"
)

var (
	callPtrType = reflect.TypeFor[*Call]()
	valueType   = reflect.TypeFor[Value]()
	errorType   = reflect.TypeFor[error]()
	valuesType  = reflect.TypeFor[[]Value]()
	mapType     = reflect.TypeFor[map[string]Value]()
)

// RegisterFn registers a typed Go function callable from scripts as name.
// It saves hosts from writing NativeFuncs by hand:
//
//	e.RegisterFn("greet", func(name string, times int64) (string, error) { ... })
//
// An optional first parameter *Call gives access to the run (printing,
// calling back into the script). Parameters may be int, int64, float64
// (an i64 argument is widened), bool, string, rune (a char), []Value,
// map[string]Value, Value or any (plain Go data, as ToGo gives), and the
// last one may be variadic (...Value, ...int64, ...). Results may be none,
// one value of those types (or anything FromGo accepts), an error, or a
// value and an error; a non-nil error fails the script with ErrHost (an
// *Error is passed through as is). Arguments of other types make the call
// "Function not found", so several registrations can overload one name.
func (e *Engine) RegisterFn(name string, fn any) error {
	def, err := nativeFromFunc(name, fn)
	if err != nil {
		return fmt.Errorf("failed to register %s: %w", name, err)
	}
	e.RegisterNative(def)
	return nil
}

// nativeFromFunc builds the NativeDef wrapping fn through reflection.
func nativeFromFunc(name string, fn any) (NativeDef, error) {
	fv := reflect.ValueOf(fn)
	if fv.Kind() != reflect.Func || fv.IsNil() {
		return NativeDef{}, fmt.Errorf("want a function, got %T", fn)
	}
	ft := fv.Type()
	first := 0
	if ft.NumIn() > 0 && ft.In(0) == callPtrType {
		first = 1
	}
	params := make([]reflect.Type, 0, ft.NumIn()-first)
	for i := first; i < ft.NumIn(); i++ {
		t := ft.In(i)
		if ft.IsVariadic() && i == ft.NumIn()-1 {
			t = t.Elem()
		}
		if !convertible(t) {
			return NativeDef{}, fmt.Errorf("unsupported parameter type %s", t)
		}
		params = append(params, t)
	}
	if err := checkResults(ft); err != nil {
		return NativeDef{}, err
	}
	arity := len(params)
	if ft.IsVariadic() {
		arity = -1
	}
	variadic := ft.IsVariadic()
	call := func(c *Call, args []Value) (Value, error) {
		if variadic && len(args) < len(params)-1 {
			return Unit, ErrNoMatch
		}
		in := make([]reflect.Value, 0, len(args)+first)
		if first == 1 {
			in = append(in, reflect.ValueOf(c))
		}
		for i, a := range args {
			t := params[min(i, len(params)-1)]
			v, ok := fromValue(a, t)
			if !ok {
				return Unit, ErrNoMatch
			}
			in = append(in, v)
		}
		return resultOf(fv.Call(in))
	}
	return NativeDef{Name: name, Arity: arity, Fn: call}, nil
}

func convertible(t reflect.Type) bool {
	switch t {
	case valueType, valuesType, mapType:
		return true
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Float64, reflect.Bool, reflect.String:
		return true
	case reflect.Interface:
		return t.NumMethod() == 0
	}
	return false
}

func checkResults(ft reflect.Type) error {
	switch ft.NumOut() {
	case 0:
		return nil
	case 1:
		return nil
	case 2:
		if ft.Out(1) != errorType {
			return errors.New("the second result must be an error")
		}
		return nil
	}
	return errors.New("at most two results (value, error)")
}

// fromValue converts a script value to a Go parameter of type t.
func fromValue(a Value, t reflect.Type) (reflect.Value, bool) {
	switch t {
	case valueType:
		return reflect.ValueOf(a), true
	case valuesType:
		if a.k != KindArray {
			return reflect.Value{}, false
		}
		return reflect.ValueOf(a.AsArray().Elems), true
	case mapType:
		if a.k != KindMap {
			return reflect.Value{}, false
		}
		return reflect.ValueOf(a.AsMap().GoMap()), true
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int64:
		if a.k == KindInt {
			return reflect.ValueOf(a.AsInt()).Convert(t), true
		}
	case reflect.Int32:
		if a.k == KindChar {
			return reflect.ValueOf(a.AsChar()).Convert(t), true
		}
	case reflect.Float64:
		switch a.k {
		case KindFloat:
			return reflect.ValueOf(a.AsFloat()).Convert(t), true
		case KindInt:
			return reflect.ValueOf(float64(a.AsInt())).Convert(t), true
		}
	case reflect.Bool:
		if a.k == KindBool {
			return reflect.ValueOf(a.AsBool()).Convert(t), true
		}
	case reflect.String:
		switch a.k {
		case KindString:
			return reflect.ValueOf(a.AsStr()).Convert(t), true
		case KindChar:
			return reflect.ValueOf(string(a.AsChar())).Convert(t), true
		}
	case reflect.Interface:
		g := ToGo(a)
		if g == nil {
			return reflect.Zero(t), true
		}
		return reflect.ValueOf(g), true
	}
	return reflect.Value{}, false
}

// resultOf converts a Go function's results into a script value or error.
func resultOf(out []reflect.Value) (Value, error) {
	if len(out) == 0 {
		return Unit, nil
	}
	last := out[len(out)-1]
	if last.Type() == errorType {
		if !last.IsNil() {
			err := last.Interface().(error)
			var se *Error
			if errors.As(err, &se) {
				return Unit, se
			}
			return Unit, &Error{Kind: ErrHost, Message: err.Error(), Cause: err}
		}
		if len(out) == 1 {
			return Unit, nil
		}
	}
	r := out[0]
	if r.Kind() == reflect.Int32 {
		return Char(rune(r.Int())), nil
	}
	if r.Kind() == reflect.Int {
		return Int(r.Int()), nil
	}
	v, err := FromGo(r.Interface())
	if err != nil {
		return Unit, &Error{Kind: ErrHost, Message: err.Error(), Cause: err}
	}
	return v, nil
}
