package syntax

// tokKind identifies a token. Punctuation kinds are named after their
// spelling so error messages can quote them.
type tokKind uint8

const (
	tEOF tokKind = iota
	tIdent
	tInt      // integer literal; magnitude in token.u (sign applied by the parser)
	tFloat    // float literal in token.f
	tString   // "..." or #"..."# literal, decoded in token.text
	tChar     // '.' literal in token.r
	tTemplate // back-tick string part in token.text; token.more when `${` follows
	tUnderscore

	// keywords
	tLet
	tConst
	tIf
	tElse
	tSwitch
	tDo
	tWhile
	tUntil
	tLoop
	tFor
	tIn
	tContinue
	tBreak
	tReturn
	tThrow
	tTry
	tCatch
	tFn
	tPrivate
	tImport
	tExport
	tAs
	tTrue
	tFalse

	// punctuation
	tLParen      // (
	tRParen      // )
	tUnit        // () written without a space
	tLBrace      // {
	tRBrace      // }
	tLBracket    // [
	tRBracket    // ]
	tMapStart    // #{
	tComma       // ,
	tSemi        // ;
	tColon       // :
	tDoubleColon // ::
	tDot         // .
	tQDot        // ?.
	tQBracket    // ?[
	tArrow       // =>
	tAssign      // =
	tOpAssign    // += -= ... ; the binary operator in token.text
	tPlus        // +
	tMinus       // -
	tStar        // *
	tSlash       // /
	tPercent     // %
	tPow         // **
	tShl         // <<
	tShr         // >>
	tAmp         // &
	tPipe        // |
	tCaret       // ^
	tAndAnd      // &&
	tOrOr        // ||
	tBang        // !
	tEq          // ==
	tNe          // !=
	tLt          // <
	tLe          // <=
	tGt          // >
	tGe          // >=
	tNotIn       // !in
	tRange       // ..
	tRangeIncl   // ..=
	tCoalesce    // ??
	numKinds
)

var kindNames = [numKinds]string{
	tEOF: "end of script", tIdent: "identifier", tInt: "integer", tFloat: "number",
	tString: "string", tChar: "character", tTemplate: "string", tUnderscore: "_",
	tLet: "let", tConst: "const", tIf: "if", tElse: "else", tSwitch: "switch", tDo: "do",
	tWhile: "while", tUntil: "until", tLoop: "loop", tFor: "for", tIn: "in",
	tContinue: "continue", tBreak: "break", tReturn: "return", tThrow: "throw", tTry: "try",
	tCatch: "catch", tFn: "fn", tPrivate: "private", tImport: "import", tExport: "export",
	tAs: "as", tTrue: "true", tFalse: "false",
	tLParen: "(", tRParen: ")", tUnit: "()", tLBrace: "{", tRBrace: "}", tLBracket: "[",
	tRBracket: "]", tMapStart: "#{", tComma: ",", tSemi: ";", tColon: ":", tDoubleColon: "::",
	tDot: ".", tQDot: "?.", tQBracket: "?[", tArrow: "=>", tAssign: "=", tOpAssign: "op=",
	tPlus: "+", tMinus: "-", tStar: "*", tSlash: "/", tPercent: "%", tPow: "**", tShl: "<<",
	tShr: ">>", tAmp: "&", tPipe: "|", tCaret: "^", tAndAnd: "&&", tOrOr: "||", tBang: "!",
	tEq: "==", tNe: "!=", tLt: "<", tLe: "<=", tGt: ">", tGe: ">=", tNotIn: "!in",
	tRange: "..", tRangeIncl: "..=", tCoalesce: "??",
}

func (k tokKind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return "?"
}

// keyword maps an identifier spelling to its keyword kind, or tIdent.
// A switch on a string compiles to a fast comparison tree and allocates nothing.
func keyword(s string) tokKind {
	switch s {
	case "let":
		return tLet
	case "const":
		return tConst
	case "if":
		return tIf
	case "else":
		return tElse
	case "switch":
		return tSwitch
	case "do":
		return tDo
	case "while":
		return tWhile
	case "until":
		return tUntil
	case "loop":
		return tLoop
	case "for":
		return tFor
	case "in":
		return tIn
	case "continue":
		return tContinue
	case "break":
		return tBreak
	case "return":
		return tReturn
	case "throw":
		return tThrow
	case "try":
		return tTry
	case "catch":
		return tCatch
	case "fn":
		return tFn
	case "private":
		return tPrivate
	case "import":
		return tImport
	case "export":
		return tExport
	case "as":
		return tAs
	case "true":
		return tTrue
	case "false":
		return tFalse
	}
	return tIdent
}

// isReserved reports identifiers Rhai reserves for future use; using one as a
// name is a parse error, as in Rhai.
func isReserved(s string) bool {
	switch s {
	case "var", "static", "goto", "match", "case", "public", "protected",
		"new", "use", "with", "module", "package", "super", "spawn", "thread", "go", "sync",
		"async", "await", "yield", "default", "void", "null", "nil", "shared", "is":
		return true
	}
	return false
}

// token is one lexical token. Identifier text is a substring of the source
// (no copy); string literal text is only built when it contains escapes.
type token struct {
	kind tokKind
	more bool // tTemplate: `${` follows this part
	bits bool // tInt: a 0x/0o/0b literal, a 64-bit pattern (0xffffffffffffffff is -1)
	pos  Pos
	text string  // identifier spelling, decoded string, operator of tOpAssign
	u    uint64  // tInt magnitude
	f    float64 // tFloat value
	r    rune    // tChar value
	doc  string  // doc comments (`///`, `/** */`) immediately before this token
}

// binaryPrec is the binding power of a binary operator token (0: not binary).
// Values follow the Rhai book's precedence table.
func binaryPrec(k tokKind) (prec int, op string) {
	switch k {
	case tOrOr:
		return 30, "||"
	case tPipe:
		return 30, "|"
	case tCaret:
		return 30, "^"
	case tAndAnd:
		return 60, "&&"
	case tAmp:
		return 60, "&"
	case tEq:
		return 90, "=="
	case tNe:
		return 90, "!="
	case tIn:
		return 110, "in"
	case tNotIn:
		return 110, "!in"
	case tLt:
		return 130, "<"
	case tLe:
		return 130, "<="
	case tGt:
		return 130, ">"
	case tGe:
		return 130, ">="
	case tCoalesce:
		return 135, "??"
	case tRange:
		return 140, ".."
	case tRangeIncl:
		return 140, "..="
	case tPlus:
		return 150, "+"
	case tMinus:
		return 150, "-"
	case tStar:
		return 180, "*"
	case tSlash:
		return 180, "/"
	case tPercent:
		return 180, "%"
	case tPow:
		return 190, "**"
	case tShl:
		return 210, "<<"
	case tShr:
		return 210, ">>"
	}
	return 0, ""
}

// isSpecialName reports identifiers that are active keywords of Rhai used as
// functions or values (`this`, `global`, `Fn`, `print`, ...): they can be
// called or read but, per the book, never become the name of a variable,
// parameter or function.
func isSpecialName(s string) bool {
	switch s {
	case "this", "is_shared", "is_def_fn", "is_def_var", "Fn", "call", "curry",
		"type_of", "print", "debug", "eval":
		return true
	}
	return false
}

// ReservedName reports whether Rhai refuses name for a function pointer
// (`Fn(name)`, a syntax error at run time) because it is a keyword, a
// reserved word or a keyword function (word: "'print' is a reserved
// keyword"), or one of its symbols or reserved symbols ("'+' is a
// reserved symbol").
func ReservedName(name string) (reserved, word bool) {
	if keyword(name) != tIdent || isReserved(name) || isSpecialName(name) {
		return true, true
	}
	switch name {
	case "_", "===", "!==", "->", "<-", "?", ":=", ":;", "~", "!.", "::<", "(*", "*)", "#", "#!", "@", "$",
		"++", "--", "...", "<|", "|>", "+=", "-=", "*=", "/=", "%=", "**=", "<<=", ">>=", "&=", "|=", "^=":
		return true, false
	}
	for k := tLParen; k < numKinds; k++ {
		if k != tOpAssign && kindNames[k] == name {
			return true, false
		}
	}
	return false, false
}
