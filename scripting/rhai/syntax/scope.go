package syntax

// varDecl records a variable in scope, so that assigning to a constant can be
// rejected at parse time as Rhai does. prev links to the previous
// declaration of the same name (-1 if none).
type varDecl struct {
	name    string
	isConst bool
	prev    int
}

// scope tracks the variables visible at the current point of the parse, but
// only as far as constants need: until a constant is declared nothing is
// recorded (most scripts pay nothing). Lookups are a short backwards scan,
// or O(1) through latest once many names are recorded, so a script with many
// variables and assignments cannot make parsing quadratic.
type scope struct {
	vars   []varDecl
	consts int            // constants among vars
	latest map[string]int // name -> index in vars of its innermost declaration; built past smallScope
}

// smallScope is the number of recorded names up to which a linear scan is
// cheaper than maintaining the latest map.
const smallScope = 32

func (s *scope) mark() int { return len(s.vars) }

func (s *scope) declare(name string, isConst bool) {
	if !isConst && s.consts == 0 {
		return // nothing to shadow: no constant is visible
	}
	if isConst {
		s.consts++
	}
	prev := -1
	if s.latest != nil {
		if i, ok := s.latest[name]; ok {
			prev = i
		}
	} else {
		for i := len(s.vars) - 1; i >= 0; i-- {
			if s.vars[i].name == name {
				prev = i
				break
			}
		}
	}
	s.vars = append(s.vars, varDecl{name: name, isConst: isConst, prev: prev})
	switch {
	case s.latest != nil:
		s.latest[name] = len(s.vars) - 1
	case len(s.vars) > smallScope:
		s.latest = make(map[string]int, 2*len(s.vars))
		for i, d := range s.vars {
			s.latest[d.name] = i
		}
	}
}

// popTo forgets the declarations made since mark (the end of a block).
func (s *scope) popTo(mark int) {
	for i := len(s.vars) - 1; i >= mark; i-- {
		d := s.vars[i]
		if d.isConst {
			s.consts--
		}
		if s.latest != nil {
			if d.prev < 0 {
				delete(s.latest, d.name)
			} else {
				s.latest[d.name] = d.prev
			}
		}
	}
	s.vars = s.vars[:mark]
}

func (s *scope) isConst(name string) bool {
	if s.consts == 0 {
		return false
	}
	if s.latest != nil {
		i, ok := s.latest[name]
		return ok && s.vars[i].isConst
	}
	for i := len(s.vars) - 1; i >= 0; i-- {
		if s.vars[i].name == name {
			return s.vars[i].isConst
		}
	}
	return false
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
