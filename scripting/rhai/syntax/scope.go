package syntax

// varDecl records a variable in scope, so that assigning to a constant can be
// rejected at parse time as Rhai does. prev links to the previous
// declaration of the same name (-1 if none).
type varDecl struct {
	name    string
	isConst bool
	prev    int
}

// scope tracks the variables visible at the current point of the parse.
// Lookups are O(1) through latest, so a script with many variables and
// many assignments cannot make parsing quadratic.
type scope struct {
	vars   []varDecl
	latest map[string]int // name -> index in vars of its innermost declaration
}

func (s *scope) mark() int { return len(s.vars) }

func (s *scope) declare(name string, isConst bool) {
	if s.latest == nil {
		s.latest = map[string]int{}
	}
	prev, ok := s.latest[name]
	if !ok {
		prev = -1
	}
	s.latest[name] = len(s.vars)
	s.vars = append(s.vars, varDecl{name: name, isConst: isConst, prev: prev})
}

// popTo forgets the declarations made since mark (the end of a block).
func (s *scope) popTo(mark int) {
	for i := len(s.vars) - 1; i >= mark; i-- {
		d := s.vars[i]
		if d.prev < 0 {
			delete(s.latest, d.name)
		} else {
			s.latest[d.name] = d.prev
		}
	}
	s.vars = s.vars[:mark]
}

func (s *scope) isConst(name string) bool {
	i, ok := s.latest[name]
	return ok && s.vars[i].isConst
}

// nameSet detects duplicated names (parameters, map keys): a linear scan for
// the usual handful, a hash set beyond, so huge literals stay linear.
type nameSet struct {
	list []string
	set  map[string]struct{}
}

// add records name and reports whether it was new.
func (s *nameSet) add(name string) bool {
	if s.set == nil && len(s.list) < 16 {
		for _, n := range s.list {
			if n == name {
				return false
			}
		}
		s.list = append(s.list, name)
		return true
	}
	if s.set == nil {
		s.set = make(map[string]struct{}, 2*len(s.list))
		for _, n := range s.list {
			s.set[n] = struct{}{}
		}
	}
	if _, dup := s.set[name]; dup {
		return false
	}
	s.set[name] = struct{}{}
	return true
}
