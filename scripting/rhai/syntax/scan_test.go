package syntax

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// scanAll renders the tokens of src as a space-separated string, or the
// scan error.
func scanAll(src string) (out string, err error) {
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(*Error)
			if !ok {
				panic(r)
			}
			err = e
		}
	}()
	s := newScanner(src)
	var parts []string
	var tok token
	for {
		s.next(&tok)
		if tok.kind == tEOF {
			return strings.Join(parts, " "), nil
		}
		parts = append(parts, renderToken(&tok))
		for tok.kind == tTemplate && tok.more {
			// Stand-in for the parser: skip to the `}` and resume the string.
			for s.next(&tok); tok.kind != tRBrace && tok.kind != tEOF; s.next(&tok) {
				parts = append(parts, renderToken(&tok))
			}
			s.template(&tok, false)
			parts = append(parts, renderToken(&tok))
		}
	}
}

func renderToken(t *token) string {
	switch t.kind {
	case tIdent:
		return t.text
	case tInt:
		if t.bits {
			return fmt.Sprintf("int(%d)", int64(t.u))
		}
		return fmt.Sprintf("int(%d)", t.u)
	case tFloat:
		return fmt.Sprintf("float(%g)", t.f)
	case tString:
		return "str" + strconv.Quote(t.text)
	case tChar:
		return "char" + strconv.QuoteRune(t.r)
	case tTemplate:
		if t.more {
			return "tpl" + strconv.Quote(t.text) + "${"
		}
		return "tpl" + strconv.Quote(t.text)
	case tOpAssign:
		return t.text + "="
	}
	return t.kind.String()
}

func TestScanTokens(t *testing.T) {
	t.Parallel()
	tests := []struct{ src, want string }{
		{"let x = 42;", "let x = int(42) ;"},
		{"a+=1-=2*=3/=4%=5**=6<<=7>>=8&=9|=10^=11??12", "a += int(1) -= int(2) *= int(3) /= int(4) %= int(5) **= int(6) <<= int(7) >>= int(8) &= int(9) |= int(10) ^= int(11) ?? int(12)"},
		{"a ** b * c << d >> e", "a ** b * c << d >> e"},
		{"a && b || c & d | e ^ f", "a && b || c & d | e ^ f"},
		{"== != < <= > >= => = !", "== != < <= > >= => = !"},
		{"x !in y; !inner", "x !in y ; ! inner"},
		{"a?.b?[c] ?? d", "a ?. b ?[ c ] ?? d"},
		{"1..5 1..=5 ..x", "int(1) .. int(5) int(1) ..= int(5) .. x"},
		{"() ( ) (x)", "() ( ) ( x )"},
		{"#{a: 1} global::X ns::f", "#{ a : int(1) } global :: X ns :: f"},
		{"0x1F 0Xf 0o17 0b1010_0101 1_000_000", "int(31) int(15) int(15) int(165) int(1000000)"},
		{"0xffffffffffffffff", "int(-1)"},
		{"9223372036854775808", "int(9223372036854775808)"},
		{"1.5 1e3 1.5e-3 2.5E+2 1_0.2_5", "float(1.5) float(1000) float(0.0015) float(250) float(10.25)"},
		{"1. 0.;", "float(1) float(0) ;"},
		{"1.abs() 1..2 1.e", "int(1) . abs () int(1) .. int(2) int(1) . e"},
		{`"a\tb\n\\\"\'\x41\u2764\U0001F600"`, `str"a\tb\n\\\"'A❤😀"`},
		{`"say ""hi"""`, `str"say \"hi\""`},
		{"\"ab\\\n   cd\"", `str"ab  cd"`},
		{"  \"ab\\\n     cd\"", `str"ab  cd"`},
		{`'a' '\n' '\'' '"' '❤'`, `char'a' char'\n' char'\'' char'"' char'❤'`},
		{`#"raw \n "# ##"a "# b"##`, `str"raw \\n " str"a \"# b"`},
		{"`plain`", `tpl"plain"`},
		{"`a\r\nb\rc`", `tpl"a\nb\rc"`},
		{"#\"a\r\nb\"#", `str"a\nb"`},
		{"a - -1 <= - 2", "a - - int(1) <= - int(2)"},
		{"`\nskip first newline`", `tpl"skip first newline"`},
		{"`a ``q`` \\${x} \\n $y`", "tpl\"a `q` ${x} \\\\n $y\""},
		{"`a${x}b${}c`", `tpl"a"${ x tpl"b"${ tpl"c"`},
		{"x // line comment\ny", "x y"},
		{"x /* block /* nested */ still */ y", "x y"},
		{"_ _x x_ __a a__1", "_ _x x_ __a a__1"},
		{"#!/usr/bin/env rhai\nlet", "let"},
		{"\uFEFFlet x", "let x"},
		{"if else switch do while until loop for in continue break return throw try catch fn private import export as true false",
			"if else switch do while until loop for in continue break return throw try catch fn private import export as true false"},
	}
	for _, tt := range tests {
		got, err := scanAll(tt.src)
		if err != nil {
			t.Errorf("scan(%q): unexpected error %v", tt.src, err)
			continue
		}
		if got != tt.want {
			t.Errorf("scan(%q)\n got %s\nwant %s", tt.src, got, tt.want)
		}
	}
}

func TestScanErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ src, want string }{
		{`"abc`, "Open string is not terminated (line 1, position 1)"},
		{"\"ab\ncd\"", "Open string is not terminated (line 1, position 1)"},
		{"x = `abc", "Open string is not terminated (line 1, position 5)"},
		{"''", "Invalid character: '' (line 1, position 1)"},
		{"'ab'", "Invalid character: 'ab' (line 1, position 1)"},
		{"'a", "Open string is not terminated (line 1, position 1)"},
		{"'\\n\n'", "Open string is not terminated (line 1, position 1)"},
		{`"\q"`, `Invalid escape sequence: '\q' (line 1, position 3)`},
		{`"\x4"`, `Invalid escape sequence: '\x4"' (line 1, position 5)`},
		{`"\UFFFFFFFF"`, `Invalid escape sequence: '\UFFFFFFFF' (line 1, position 11)`},
		{"0x", "Invalid number: '0x' (line 1, position 1)"},
		{"0b102", "Invalid number: '0b102'"},
		{"0o78", "Invalid number: '0o78'"},
		{"12abc", "Invalid number: '12a'"},
		{"  $", "Unknown operator: '$' (line 1, position 3)"},
		{"\n  ?", "Unknown operator: '?' (line 2, position 3)"},
		{"x\x00", "Unexpected '\x00' (line 1, position 2)"},
		{"é", "Unexpected 'é' (line 1, position 1)"},
		{"#x", "Unknown operator: '#'"},
		{"_1", "Invalid identifier: '_1' (line 1, position 1)"},
		{"x __", "Invalid identifier: '__' (line 1, position 3)"},
		{"##abc", "Expecting '\"' to start a raw string"},
		{`#"abc"`, "Open string is not terminated"},
		{"a...b", "Unknown operator: '...'"},
		{"x++", "'++' is a reserved symbol: use '+= 1' (line 1, position 2)"},
		{"x--", "'--' is a reserved symbol"},
		{"a<-1", "'<-' is a reserved symbol"},
		{"a === b", "'===' is a reserved symbol"},
		{"a !== b", "'!==' is a reserved symbol"},
		{"x := 1", "':=' is a reserved symbol"},
		{"a -> b", "'->' is a reserved symbol"},
		{"x |> f", "'|>' is a reserved symbol"},
	}
	for _, tt := range tests {
		_, err := scanAll(tt.src)
		var se *Error
		if !errors.As(err, &se) {
			t.Errorf("scan(%q): got error %v, want *Error containing %q", tt.src, err, tt.want)
			continue
		}
		if !strings.Contains(se.Error(), tt.want) {
			t.Errorf("scan(%q): got %q, want it to contain %q", tt.src, se.Error(), tt.want)
		}
	}
}

func TestScanPositions(t *testing.T) {
	t.Parallel()
	src := "let ❤x\n\t  \"é\" /* c\n */ y"
	s := newScanner(src)
	var tok token
	var got []string
	func() {
		defer func() { _ = recover() }()
		for s.next(&tok); tok.kind != tEOF; s.next(&tok) {
			got = append(got, tok.pos.String())
		}
	}()
	// "❤" is not a valid identifier character: scanning stops there.
	if want := "1:1"; strings.Join(got, " ") != want {
		t.Errorf("positions = %v, want %s", got, want)
	}
	src = "let x\n\t  \"é\" /* c\n */ y z"
	s = newScanner(src)
	got = nil
	for s.next(&tok); tok.kind != tEOF; s.next(&tok) {
		got = append(got, tok.pos.String())
	}
	if want := "1:1 1:5 2:4 3:5 3:7"; strings.Join(got, " ") != want {
		t.Errorf("positions = %v, want %s", got, want)
	}
}

func TestScanDocComments(t *testing.T) {
	t.Parallel()
	s := newScanner("/// first\n/// second\nfn\n// plain\n/// dropped\n// plain\nfn\n/** block */ fn")
	var tok token
	var docs []string
	for s.next(&tok); tok.kind != tEOF; s.next(&tok) {
		docs = append(docs, tok.doc)
	}
	want := []string{"first\nsecond", "", "block"}
	if fmt.Sprint(docs) != fmt.Sprint(want) {
		t.Errorf("docs = %q, want %q", docs, want)
	}
}

// FuzzScan checks that the scanner alone terminates on any input and fails
// only with a positioned *Error, and that token positions never go backwards.
func FuzzScan(f *testing.F) {
	for _, s := range []string{
		"let x = 42;", "`a${x}b`", `"a\u2764\
		b"`, "#\"raw\"#", "0x1f 0b12 1.5e3 1..2", "/* /* */", "'\\U0001F600'", "x !in y ?? z",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(*Error); !ok {
					t.Fatalf("panic %v", r)
				}
			}
		}()
		s := newScanner(src)
		var tok token
		last := Pos{1, 1}
		for n := 0; ; n++ {
			if n > len(src)+1 {
				t.Fatalf("more tokens than bytes")
			}
			s.next(&tok)
			if tok.pos.Line < last.Line || tok.pos.Line == last.Line && tok.pos.Col < last.Col {
				t.Fatalf("position went back from %v to %v", last, tok.pos)
			}
			last = tok.pos
			if tok.kind == tEOF {
				return
			}
			if tok.kind == tTemplate && tok.more {
				s.template(&tok, false) // resume as if `${}` were empty
			}
		}
	})
}
