package rhai

// coreLib is Rhai's LanguageCorePackage and BasicStringPackage printing
// functions: print, debug, type_of, to_string, to_debug.
func coreLib() []NativeDef {
	return []NativeDef{
		def("print", 0, func(c *Call, _ []Value) (Value, error) {
			c.Print("")
			return Unit, nil
		}),
		def("print", 1, func(c *Call, args []Value) (Value, error) {
			c.Print(ToString(args[0]))
			return Unit, nil
		}),
		def("debug", 0, func(c *Call, _ []Value) (Value, error) {
			c.Debug("")
			return Unit, nil
		}),
		def("debug", 1, func(c *Call, args []Value) (Value, error) {
			c.Debug(ToDebug(args[0]))
			return Unit, nil
		}),
		pure("type_of", 1, func(_ *Call, args []Value) (Value, error) {
			return String(args[0].TypeName()), nil
		}),
		pure("to_string", 1, func(_ *Call, args []Value) (Value, error) {
			if args[0].k == KindString {
				return args[0], nil
			}
			return String(ToString(args[0])), nil
		}),
		pure("to_debug", 1, func(_ *Call, args []Value) (Value, error) {
			return String(ToDebug(args[0])), nil
		}),
	}
}
