package scripting

// WithModules resolves the imports of every run from script files under
// dir (DESIGN.md §10): `import "name" as m` in a task of circle pk loads
// dir/<pk>/name.rhai when it exists, else dir/name.rhai. A module file is
// compiled once and again only when it changes (modification time or
// size); paths leaving dir are refused; a missing or failing module fails
// the run with an error naming it at the import. Static modules registered
// on Rhai() come first.
func WithModules(dir string) EngineOption {
	return func(e *Engine) { e.modulesDir = dir }
}

// ModulesDir returns the directory imports are resolved from ("" for none).
func (e *Engine) ModulesDir() string { return e.modulesDir }
