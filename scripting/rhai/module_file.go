package rhai

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
	"sync"
	"time"
)

// FileResolver resolves imports to script files under a directory:
// `import "util/math" as m` loads DIR/util/math.rhai (as in Rhai, a path's
// extension is replaced by .rhai). Each file is compiled once and compiled
// again only when its modification time or size changes, so a server picks
// up edited modules without restarting and pays a stat per import.
//
// Paths stay inside the directory: absolute paths and `..` are refused with
// an error, and files are opened through an os.Root, so a symbolic link
// cannot lead out either. Safe for concurrent use.
type FileResolver struct {
	dir string
	lim *Limits

	mu    sync.Mutex
	cache map[string]*fileModule // by file name relative to dir
}

// fileModule is one compiled file and what it was compiled from.
type fileModule struct {
	mod   *Module
	err   error // the compile error, kept like a module until the file changes
	mtime time.Time
	size  int64
}

// ModuleExt is the extension of module files.
const ModuleExt = ".rhai"

// NewFileResolver returns a resolver over dir; modules compile with the
// script size and expression depth of lim (nil: DefaultLimits).
func NewFileResolver(dir string, lim *Limits) *FileResolver {
	var l *Limits
	if lim != nil {
		c := *lim
		l = &c
	}
	return &FileResolver{dir: dir, lim: l, cache: map[string]*fileModule{}}
}

// Dir returns the directory modules are read from.
func (r *FileResolver) Dir() string { return r.dir }

// ResolveModule implements ModuleResolver over the directory.
func (r *FileResolver) ResolveModule(e *Engine, name string) (*Module, error) {
	file, err := ModuleFile(name)
	if err != nil || file == "" {
		return nil, err
	}
	return r.load(e, file)
}

// Within returns a resolver that looks in the sub-directory sub first and
// then in the directory itself, sharing r's cache: the server gives each
// circle DIR/<circle>/ before DIR/. A sub that is not one plain path
// element is ignored (only the directory itself is searched).
func (r *FileResolver) Within(sub string) ModuleResolver {
	if sub == "" || sub == "." || sub == ".." || strings.ContainsAny(sub, "/\\\x00") {
		return r
	}
	return scopedFiles{r, sub}
}

type scopedFiles struct {
	r   *FileResolver
	sub string
}

func (s scopedFiles) ResolveModule(e *Engine, name string) (*Module, error) {
	file, err := ModuleFile(name)
	if err != nil || file == "" {
		return nil, err
	}
	if m, err := s.r.load(e, s.sub+"/"+file); m != nil || err != nil {
		return m, err
	}
	return s.r.load(e, file)
}

// ModuleFile maps an import path to a slash-separated file name relative
// to a modules directory, or fails for a path that would leave it. An
// empty path gives "" (no such module).
func ModuleFile(name string) (string, error) {
	if name == "" {
		return "", nil
	}
	if strings.ContainsAny(name, "\\\x00") {
		return "", Errorf(ErrModule, "Module path '%s' is not allowed: use '/' between names", name)
	}
	if strings.HasPrefix(name, "/") || path.IsAbs(name) || len(name) > 1 && name[1] == ':' {
		return "", Errorf(ErrModule, "Module path '%s' is not allowed: it must be relative to the modules directory", name)
	}
	for _, el := range strings.Split(name, "/") {
		if el == ".." {
			return "", Errorf(ErrModule, "Module path '%s' is not allowed: '..' would leave the modules directory", name)
		}
	}
	file := path.Clean(name)
	if file == "." {
		return "", nil
	}
	return strings.TrimSuffix(file, path.Ext(file)) + ModuleExt, nil
}

// load returns the module compiled from file, compiling it when it is new
// or changed; (nil, nil) when there is no such file.
func (r *FileResolver) load(e *Engine, file string) (*Module, error) {
	root, err := os.OpenRoot(r.dir)
	if err != nil {
		return nil, Errorf(ErrModule, "Modules directory unavailable: %v", err)
	}
	defer root.Close()
	st, err := root.Stat(file)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, Errorf(ErrModule, "Module file %s: %v", file, unwrapPath(err))
	case !st.Mode().IsRegular():
		return nil, Errorf(ErrModule, "Module file %s is not a regular file", file)
	}
	r.mu.Lock()
	c := r.cache[file]
	r.mu.Unlock()
	if c != nil && c.size == st.Size() && c.mtime.Equal(st.ModTime()) {
		return c.mod, c.err
	}
	lim := DefaultLimits()
	if r.lim != nil {
		lim = *r.lim
	}
	if lim.MaxScriptBytes > 0 && st.Size() > int64(lim.MaxScriptBytes) {
		return nil, Errorf(ErrModule, "Module file %s is too large (%d bytes, the limit is %d)", file, st.Size(), lim.MaxScriptBytes)
	}
	src, err := root.ReadFile(file)
	if err != nil {
		return nil, Errorf(ErrModule, "Module file %s: %v", file, unwrapPath(err))
	}
	c = &fileModule{mtime: st.ModTime(), size: st.Size()}
	c.mod, c.err = e.CompileModule(string(src), &lim)
	if int64(len(src)) == c.size {
		// Cache only what the stat describes: a file that changed between
		// the stat and the read is compiled again next time.
		r.mu.Lock()
		r.cache[file] = c
		r.mu.Unlock()
	}
	return c.mod, c.err
}

// unwrapPath drops the *PathError wrapper, whose path is the OS's, not
// the script's.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// String describes the resolver (logs).
func (r *FileResolver) String() string { return fmt.Sprintf("files under %s", r.dir) }
