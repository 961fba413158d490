package asl

import (
	"fmt"
	"strings"
)

// maxIntrinsicNesting is the AWS limit of nested intrinsic function calls in
// one field.
const maxIntrinsicNesting = 10

// argNode is one argument of an intrinsic function call.
type argNode interface {
	eval(input, ctx any) (any, error)
}

// literalArg is a string, number, boolean or null literal.
type literalArg struct {
	value any
	// raw is the text between the quotes of a string literal, escapes
	// intact; States.Format needs it to tell "\{\}" from "{}".
	raw string
}

func (l *literalArg) eval(_, _ any) (any, error) { return l.value, nil }

// pathArg is a Path argument ("$..." or "$$...").
type pathArg struct{ path *compiledPath }

func (p *pathArg) eval(input, ctx any) (any, error) {
	return p.path.query(input, ctx)
}

// callNode is an intrinsic function invocation.
type callNode struct {
	name string
	fn   *intrinsic
	args []argNode
}

func (c *callNode) eval(input, ctx any) (any, error) {
	vals := make([]any, len(c.args))
	for i, a := range c.args {
		v, err := a.eval(input, ctx)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	if c.fn.rawFirstString {
		if l, ok := c.args[0].(*literalArg); ok {
			if _, isString := l.value.(string); isString {
				vals[0] = escapedString(l.raw)
			}
		}
	}
	v, err := c.fn.call(vals)
	if err != nil {
		return nil, runtimeError("%s: %v", c.name, err)
	}
	return v, nil
}

// IsIntrinsic reports whether s looks like an intrinsic function invocation
// rather than a Path.
func IsIntrinsic(s string) bool { return strings.HasPrefix(s, "States.") }

// ValidIntrinsic checks the syntax, function names and argument counts of an
// intrinsic function invocation at definition time.
func ValidIntrinsic(expr string) error {
	_, err := parseIntrinsic(expr)
	return err
}

// parseIntrinsic parses a whole intrinsic invocation.
func parseIntrinsic(s string) (*callNode, error) {
	p := &intrinsicParser{src: s}
	c, err := p.call(1)
	if err != nil {
		return nil, fmt.Errorf("intrinsic %q: %w", s, err)
	}
	p.skipSpace()
	if p.pos != len(s) {
		return nil, fmt.Errorf("intrinsic %q: unexpected %q at offset %d", s, s[p.pos:], p.pos)
	}
	return c, nil
}

type intrinsicParser struct {
	src string
	pos int
}

func (p *intrinsicParser) skipSpace() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
	}
}

func (p *intrinsicParser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func (p *intrinsicParser) call(depth int) (*callNode, error) {
	if depth > maxIntrinsicNesting {
		return nil, fmt.Errorf("more than %d nested intrinsic functions", maxIntrinsicNesting)
	}
	start := p.pos
	for p.pos < len(p.src) && isNameByte(p.src[p.pos]) {
		p.pos++
	}
	name := p.src[start:p.pos]
	fn, ok := intrinsics[name]
	if !ok {
		return nil, fmt.Errorf("unknown intrinsic function %q", name)
	}
	p.skipSpace()
	if p.peek() != '(' {
		return nil, fmt.Errorf("expected '(' after %s", name)
	}
	p.pos++
	c := &callNode{name: name, fn: fn}
	p.skipSpace()
	if p.peek() == ')' {
		p.pos++
	} else if err := p.args(c, depth); err != nil {
		return nil, err
	}
	if len(c.args) < fn.minArgs || (fn.maxArgs >= 0 && len(c.args) > fn.maxArgs) {
		return nil, fmt.Errorf("%s: wrong number of arguments (%d)", name, len(c.args))
	}
	return c, nil
}

// args parses "arg (, arg)* )".
func (p *intrinsicParser) args(c *callNode, depth int) error {
	for {
		p.skipSpace()
		a, err := p.arg(depth)
		if err != nil {
			return err
		}
		c.args = append(c.args, a)
		p.skipSpace()
		switch p.peek() {
		case ',':
			p.pos++
		case ')':
			p.pos++
			return nil
		default:
			return fmt.Errorf("expected ',' or ')' at offset %d", p.pos)
		}
	}
}

func (p *intrinsicParser) arg(depth int) (argNode, error) {
	switch c := p.peek(); {
	case c == '\'':
		return p.stringLiteral()
	case c == '$':
		return p.pathArgument()
	case c == '-' || isDigit(c):
		return p.numberLiteral()
	case strings.HasPrefix(p.src[p.pos:], "States."):
		return p.call(depth + 1)
	default:
		return p.keyword()
	}
}

// stringLiteral parses '...' where \' \{ \} \\ are escapes.
func (p *intrinsicParser) stringLiteral() (argNode, error) {
	p.pos++ // opening quote
	start := p.pos
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch c {
		case '\'':
			lit := &literalArg{value: b.String(), raw: p.src[start:p.pos]}
			p.pos++
			return lit, nil
		case '\\':
			if p.pos+1 >= len(p.src) || !strings.ContainsRune(`'{}\`, rune(p.src[p.pos+1])) {
				return nil, fmt.Errorf("invalid escape sequence at offset %d", p.pos)
			}
			b.WriteByte(p.src[p.pos+1])
			p.pos += 2
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	return nil, fmt.Errorf("unterminated string literal at offset %d", start-1)
}

// pathArgument scans a Path up to the ',' or ')' or blank that ends it
// outside brackets, parentheses and quotes.
func (p *intrinsicParser) pathArgument() (argNode, error) {
	start := p.pos
	depth := 0
	var quote byte
scan:
	for ; p.pos < len(p.src); p.pos++ {
		c := p.src[p.pos]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '[' || c == '(':
			depth++
		case (c == ']' || c == ')') && depth > 0:
			depth--
		case depth == 0 && (c == ',' || c == ')' || c == ' ' || c == '\t'):
			break scan
		}
	}
	cp, err := compilePath(p.src[start:p.pos])
	if err != nil {
		return nil, err
	}
	return &pathArg{path: cp}, nil
}

func (p *intrinsicParser) numberLiteral() (argNode, error) {
	start := p.pos
	for p.pos < len(p.src) && strings.IndexByte("+-.eE0123456789", p.src[p.pos]) >= 0 {
		p.pos++
	}
	n, err := parseNumber(p.src[start:p.pos])
	if err != nil {
		return nil, fmt.Errorf("invalid number %q at offset %d", p.src[start:p.pos], start)
	}
	return &literalArg{value: n}, nil
}

func (p *intrinsicParser) keyword() (argNode, error) {
	start := p.pos
	for p.pos < len(p.src) && isNameByte(p.src[p.pos]) {
		p.pos++
	}
	switch w := p.src[start:p.pos]; w {
	case "true":
		return &literalArg{value: true}, nil
	case "false":
		return &literalArg{value: false}, nil
	case "null":
		return &literalArg{value: nil}, nil
	default:
		return nil, fmt.Errorf("unexpected argument %q at offset %d", w, start)
	}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isNameByte(c byte) bool {
	return c == '.' || isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}
