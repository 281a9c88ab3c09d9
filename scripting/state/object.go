package state

import (
	"errors"
	"fmt"

	"github.com/circles-actor/circles-actor/scripting/rhai"
)

// TypeName is what type_of(state) says. A printed state shows only this.
const TypeName = "State"

// Object wraps tx as the script's `state` constant.
func Object(tx *Tx) rhai.Value { return rhai.Custom(TypeName, tx) }

// Register adds the methods of `state` to e (once, before compiling):
// get, set, remove, contains, len, keys and the indexers. Each is also a
// function taking the state first, as Rhai dispatches methods.
func Register(e *rhai.Engine) {
	e.RegisterNative(
		def("get", 2, func(c *rhai.Call, tx *Tx, a []rhai.Value) (rhai.Value, error) {
			k, err := key(a[1])
			if err != nil {
				return rhai.Unit, err
			}
			v, _, err := tx.Get(k)
			return v, err
		}),
		def("get", 3, func(c *rhai.Call, tx *Tx, a []rhai.Value) (rhai.Value, error) {
			k, err := key(a[1])
			if err != nil {
				return rhai.Unit, err
			}
			v, ok, err := tx.Get(k)
			if err == nil && !ok {
				v = a[2]
			}
			return v, err
		}),
		def(rhai.IndexGetter, 2, func(c *rhai.Call, tx *Tx, a []rhai.Value) (rhai.Value, error) {
			k, err := key(a[1])
			if err != nil {
				return rhai.Unit, err
			}
			v, _, err := tx.Get(k)
			return v, err
		}),
		def("set", 3, setFn),
		def(rhai.IndexSetter, 3, setFn),
		def("remove", 2, func(c *rhai.Call, tx *Tx, a []rhai.Value) (rhai.Value, error) {
			k, err := key(a[1])
			if err != nil {
				return rhai.Unit, err
			}
			return tx.Remove(k)
		}),
		def("contains", 2, func(c *rhai.Call, tx *Tx, a []rhai.Value) (rhai.Value, error) {
			k, err := key(a[1])
			if err != nil {
				return rhai.Unit, err
			}
			ok, err := tx.Contains(k)
			return rhai.Bool(ok), err
		}),
		def("len", 1, func(c *rhai.Call, tx *Tx, a []rhai.Value) (rhai.Value, error) {
			n, err := tx.Len()
			return rhai.Int(n), err
		}),
		def("keys", 1, keysFn),
		def("keys", 2, keysFn),
		def("keys", 3, keysFn),
	)
}

func setFn(c *rhai.Call, tx *Tx, a []rhai.Value) (rhai.Value, error) {
	k, err := key(a[1])
	if err != nil {
		return rhai.Unit, err
	}
	return rhai.Unit, tx.Set(k, a[2])
}

func keysFn(c *rhai.Call, tx *Tx, a []rhai.Value) (rhai.Value, error) {
	prefix, limit := "", 0
	if len(a) > 1 {
		if a[1].Kind() != rhai.KindString {
			return rhai.Unit, rhai.Errorf(rhai.ErrMismatchedType, "state.keys prefix must be a string, not %s", a[1].TypeName())
		}
		prefix = a[1].AsStr()
	}
	if len(a) > 2 {
		if a[2].Kind() != rhai.KindInt {
			return rhai.Unit, rhai.Errorf(rhai.ErrMismatchedType, "state.keys limit must be an i64, not %s", a[2].TypeName())
		}
		if a[2].AsInt() <= 0 {
			return rhai.NewArray(nil), nil
		}
		limit = int(min(a[2].AsInt(), 1<<31))
	}
	if max := c.Limits().MaxArrayLen; max > 0 && (limit <= 0 || limit > max) {
		limit = max + 1 // one past the array limit: the run then fails on size
	}
	ks, err := tx.Keys(prefix, limit)
	if err != nil {
		return rhai.Unit, err
	}
	el := make([]rhai.Value, len(ks))
	for i, k := range ks {
		el[i] = rhai.String(k)
	}
	return rhai.NewArray(el), nil
}

// def wraps fn as a native that answers only when its first argument is a
// state, and turns the store's errors into script errors.
func def(name string, arity int, fn func(c *rhai.Call, tx *Tx, a []rhai.Value) (rhai.Value, error)) rhai.NativeDef {
	return rhai.NativeDef{Name: name, Arity: arity, Fn: func(c *rhai.Call, a []rhai.Value) (rhai.Value, error) {
		if a[0].Kind() != rhai.KindCustom {
			return rhai.Unit, rhai.ErrNoMatch
		}
		tx, ok := a[0].AsCustom().(*Tx)
		if !ok {
			return rhai.Unit, rhai.ErrNoMatch
		}
		v, err := fn(c, tx, a)
		if err != nil {
			return rhai.Unit, scriptError(err)
		}
		return v, nil
	}}
}

func key(v rhai.Value) (string, error) {
	switch v.Kind() {
	case rhai.KindString:
		return v.AsStr(), nil
	case rhai.KindChar:
		return string(v.AsChar()), nil
	}
	return "", rhai.Errorf(rhai.ErrMismatchedType, "state key must be a string, not %s", v.TypeName())
}

// scriptError gives a store error the kind a caller sees: state_limit for
// a limit (it ends the run: try/catch cannot keep a run that broke one),
// a runtime error for a value that cannot be stored or a state used after
// its run, and a fatal host error for the store failing.
func scriptError(err error) error {
	var re *rhai.Error
	if errors.As(err, &re) {
		return err
	}
	var le *LimitError
	if errors.As(err, &le) {
		return &rhai.Error{Kind: KindLimit, Message: le.Error(), Fatal: true, Cause: err}
	}
	var ue *UnstorableError
	if errors.As(err, &ue) || errors.Is(err, ErrClosed) || errors.Is(err, ErrBadKey) {
		return &rhai.Error{Kind: rhai.ErrRuntime, Message: err.Error(), Cause: err}
	}
	return &rhai.Error{Kind: rhai.ErrHost, Message: fmt.Sprintf("state store failed: %v", err), Fatal: true, Cause: err}
}
