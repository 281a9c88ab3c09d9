package rhai

// Stdlib returns the registrations of Rhai's standard library: the core,
// maths, string, array, map, BLOB, time and JSON packages. The engine
// registers them first, so host functions of the same name and arity
// override them.
func Stdlib() []NativeDef {
	var defs []NativeDef
	for _, lib := range stdlibParts {
		defs = append(defs, lib()...)
	}
	return defs
}

// stdlibParts lists the package constructors, one per lib_*.go file.
var stdlibParts = []func() []NativeDef{
	coreLib,
}

// def is shorthand for a registration.
func def(name string, arity int, fn NativeFunc) NativeDef {
	return NativeDef{Name: name, Arity: arity, Fn: fn}
}

// pure is a registration without side effects.
func pure(name string, arity int, fn NativeFunc) NativeDef {
	return NativeDef{Name: name, Arity: arity, Fn: fn, Flags: Pure}
}

// mut is a registration that replaces its first argument.
func mut(name string, arity int, fn NativeFunc) NativeDef {
	return NativeDef{Name: name, Arity: arity, Fn: fn, Flags: Mutating}
}
