package asl

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"maps"
	"math"
	mrand "math/rand/v2"
	"strings"
	"unicode/utf8"
)

// EvalIntrinsic evaluates an intrinsic function invocation such as
// "States.Format('Hello {}', $.name)". Paths among the arguments are
// evaluated against input (or ctx for "$$"). Every failure — syntax, a path
// that selects nothing, a bad argument — is a States.Runtime *Error, which is
// how AWS reports intrinsic failures (States.IntrinsicFailure is reserved).
func EvalIntrinsic(expr string, input, ctx any) (any, error) {
	c, err := parseIntrinsic(expr)
	if err != nil {
		return nil, runtimeError("%v", err)
	}
	return c.eval(input, ctx)
}

// intrinsic describes one States.* function.
type intrinsic struct {
	minArgs, maxArgs int // maxArgs < 0: unlimited
	// rawFirstString: a string literal first argument is passed as
	// escapedString (States.Format placeholders).
	rawFirstString bool
	call           func(args []any) (any, error)
}

// escapedString is a string literal argument with its escapes intact.
type escapedString string

// Limits documented by AWS for the intrinsic functions.
const (
	maxArrayRangeItems = 1000
	maxEncodeInput     = 10000
)

var intrinsics = map[string]*intrinsic{
	"States.Format":         {minArgs: 1, maxArgs: -1, rawFirstString: true, call: fnFormat},
	"States.StringToJson":   {minArgs: 1, maxArgs: 1, call: fnStringToJSON},
	"States.JsonToString":   {minArgs: 1, maxArgs: 1, call: fnJSONToString},
	"States.Array":          {minArgs: 0, maxArgs: -1, call: fnArray},
	"States.ArrayPartition": {minArgs: 2, maxArgs: 2, call: fnArrayPartition},
	"States.ArrayContains":  {minArgs: 2, maxArgs: 2, call: fnArrayContains},
	"States.ArrayRange":     {minArgs: 3, maxArgs: 3, call: fnArrayRange},
	"States.ArrayGetItem":   {minArgs: 2, maxArgs: 2, call: fnArrayGetItem},
	"States.ArrayLength":    {minArgs: 1, maxArgs: 1, call: fnArrayLength},
	"States.ArrayUnique":    {minArgs: 1, maxArgs: 1, call: fnArrayUnique},
	"States.Base64Encode":   {minArgs: 1, maxArgs: 1, call: fnBase64Encode},
	"States.Base64Decode":   {minArgs: 1, maxArgs: 1, call: fnBase64Decode},
	"States.Hash":           {minArgs: 2, maxArgs: 2, call: fnHash},
	"States.JsonMerge":      {minArgs: 3, maxArgs: 3, call: fnJSONMerge},
	"States.MathRandom":     {minArgs: 2, maxArgs: 3, call: fnMathRandom},
	"States.MathAdd":        {minArgs: 2, maxArgs: 2, call: fnMathAdd},
	"States.StringSplit":    {minArgs: 2, maxArgs: 2, call: fnStringSplit},
	"States.UUID":           {minArgs: 0, maxArgs: 0, call: fnUUID},
}

// Argument accessors; i is the 0-based argument position.

func argString(args []any, i int) (string, error) {
	s, ok := args[i].(string)
	if !ok {
		return "", fmt.Errorf("argument %d must be a string", i+1)
	}
	return s, nil
}

// argArray returns the first argument, which must be an array.
func argArray(args []any) ([]any, error) {
	a, ok := args[0].([]any)
	if !ok {
		return nil, errors.New("argument 1 must be an array")
	}
	return a, nil
}

func argObject(args []any, i int) (map[string]any, error) {
	m, ok := args[i].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("argument %d must be an object", i+1)
	}
	return m, nil
}

// argInt32 returns an integral argument within the 32-bit range AWS uses.
func argInt32(args []any, i int) (int64, error) {
	n, ok := toInt(args[i])
	if !ok || n < math.MinInt32 || n > math.MaxInt32 {
		return 0, fmt.Errorf("argument %d must be an integer between %d and %d", i+1, math.MinInt32, math.MaxInt32)
	}
	return n, nil
}

func fnFormat(args []any) (any, error) {
	var parts []string
	switch t := args[0].(type) {
	case escapedString:
		parts = splitFormat(string(t), true)
	case string:
		parts = splitFormat(t, false)
	default:
		return nil, errors.New("argument 1 must be a string")
	}
	if len(parts)-1 != len(args)-1 {
		return nil, fmt.Errorf("template has %d placeholders but %d values were given", len(parts)-1, len(args)-1)
	}
	var b strings.Builder
	b.WriteString(parts[0])
	for i, v := range args[1:] {
		switch t := v.(type) {
		case map[string]any, []any:
			return nil, fmt.Errorf("argument %d must be a string, number, boolean or null", i+2)
		case string:
			b.WriteString(t)
		default:
			j, err := MarshalJSON(v)
			if err != nil {
				return nil, err
			}
			b.Write(j)
		}
		b.WriteString(parts[i+1])
	}
	return b.String(), nil
}

// splitFormat splits a States.Format template at its "{}" placeholders. When
// escaped is true, the template is literal source text in which a backslash
// escapes the next character.
func splitFormat(s string, escaped bool) []string {
	var parts []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case escaped && s[i] == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
		case s[i] == '{' && i+1 < len(s) && s[i+1] == '}':
			parts = append(parts, cur.String())
			cur.Reset()
			i++
		default:
			cur.WriteByte(s[i])
		}
	}
	return append(parts, cur.String())
}

func fnStringToJSON(args []any) (any, error) {
	s, err := argString(args, 0)
	if err != nil {
		return nil, err
	}
	return ParseJSON([]byte(s))
}

func fnJSONToString(args []any) (any, error) {
	b, err := MarshalJSON(args[0])
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

func fnArray(args []any) (any, error) {
	return append([]any{}, args...), nil
}

func fnArrayPartition(args []any) (any, error) {
	a, err := argArray(args)
	if err != nil {
		return nil, err
	}
	size, err := argInt32(args, 1)
	if err != nil || size <= 0 {
		return nil, errors.New("argument 2 (chunk size) must be a positive integer")
	}
	out := []any{}
	for len(a) > 0 {
		n := min(int(size), len(a))
		out = append(out, append([]any{}, a[:n]...))
		a = a[n:]
	}
	return out, nil
}

func fnArrayContains(args []any) (any, error) {
	a, err := argArray(args)
	if err != nil {
		return nil, err
	}
	for _, e := range a {
		if jsonEqual(e, args[1]) {
			return true, nil
		}
	}
	return false, nil
}

func fnArrayRange(args []any) (any, error) {
	var n [3]int64
	for i := range n {
		v, err := argInt32(args, i)
		if err != nil {
			return nil, err
		}
		n[i] = v
	}
	first, last, stepBy := n[0], n[1], n[2]
	if stepBy == 0 {
		return nil, errors.New("argument 3 (step) must not be 0")
	}
	count := int64(0)
	if (stepBy > 0 && last >= first) || (stepBy < 0 && last <= first) {
		count = (last-first)/stepBy + 1
	}
	if count > maxArrayRangeItems {
		return nil, fmt.Errorf("the range would have %d items, more than %d", count, maxArrayRangeItems)
	}
	out := make([]any, 0, count)
	for i := range count {
		out = append(out, first+i*stepBy)
	}
	return out, nil
}

func fnArrayGetItem(args []any) (any, error) {
	a, err := argArray(args)
	if err != nil {
		return nil, err
	}
	i, ok := toInt(args[1])
	if !ok || i < 0 || i >= int64(len(a)) {
		return nil, fmt.Errorf("index %v out of range for an array of length %d", args[1], len(a))
	}
	return a[i], nil
}

func fnArrayLength(args []any) (any, error) {
	a, err := argArray(args)
	if err != nil {
		return nil, err
	}
	return int64(len(a)), nil
}

func fnArrayUnique(args []any) (any, error) {
	a, err := argArray(args)
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(a))
	out := []any{}
	for _, e := range a {
		key, err := MarshalJSON(e)
		if err != nil {
			return nil, err
		}
		if !seen[string(key)] {
			seen[string(key)] = true
			out = append(out, e)
		}
	}
	return out, nil
}

// argEncodeInput returns a string argument of at most maxEncodeInput
// characters.
func argEncodeInput(args []any, i int) (string, error) {
	s, err := argString(args, i)
	if err != nil {
		return "", err
	}
	if utf8.RuneCountInString(s) > maxEncodeInput {
		return "", fmt.Errorf("argument %d is longer than %d characters", i+1, maxEncodeInput)
	}
	return s, nil
}

func fnBase64Encode(args []any) (any, error) {
	s, err := argEncodeInput(args, 0)
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

func fnBase64Decode(args []any) (any, error) {
	s, err := argEncodeInput(args, 0)
	if err != nil {
		return nil, err
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("invalid base64: %w", err)
	}
	if !utf8.Valid(b) {
		return nil, errors.New("decoded data is not valid UTF-8")
	}
	return string(b), nil
}

var hashAlgorithms = map[string]func() hash.Hash{
	"MD5":     md5.New,
	"SHA-1":   sha1.New,
	"SHA-256": sha256.New,
	"SHA-384": sha512.New384,
	"SHA-512": sha512.New,
}

func fnHash(args []any) (any, error) {
	data, err := argEncodeInput(args, 0)
	if err != nil {
		return nil, err
	}
	alg, err := argString(args, 1)
	if err != nil {
		return nil, err
	}
	newHash, ok := hashAlgorithms[alg]
	if !ok {
		return nil, fmt.Errorf("unsupported hash algorithm %q (MD5, SHA-1, SHA-256, SHA-384, SHA-512)", alg)
	}
	h := newHash()
	h.Write([]byte(data))
	return hex.EncodeToString(h.Sum(nil)), nil
}

// fnJSONMerge merges two objects shallowly; keys of the second win. AWS
// supports only the shallow mode, so the third argument must be false.
func fnJSONMerge(args []any) (any, error) {
	a, err := argObject(args, 0)
	if err != nil {
		return nil, err
	}
	b, err := argObject(args, 1)
	if err != nil {
		return nil, err
	}
	if deep, ok := args[2].(bool); !ok || deep {
		return nil, errors.New("argument 3 must be false (only shallow merge is supported)")
	}
	out := make(map[string]any, len(a)+len(b))
	maps.Copy(out, a)
	maps.Copy(out, b)
	return out, nil
}

// fnMathRandom returns an integer in [start, end), deterministic when the
// optional seed is given.
func fnMathRandom(args []any) (any, error) {
	start, err := argInt32(args, 0)
	if err != nil {
		return nil, err
	}
	end, err := argInt32(args, 1)
	if err != nil {
		return nil, err
	}
	if start >= end {
		return nil, errors.New("argument 1 (start) must be less than argument 2 (end)")
	}
	n := mrand.Int64N
	if len(args) == 3 {
		seed, err := argInt32(args, 2)
		if err != nil {
			return nil, err
		}
		n = mrand.New(mrand.NewPCG(uint64(seed), 0)).Int64N
	}
	return start + n(end-start), nil
}

func fnMathAdd(args []any) (any, error) {
	a, err := argInt32(args, 0)
	if err != nil {
		return nil, err
	}
	b, err := argInt32(args, 1)
	if err != nil {
		return nil, err
	}
	return a + b, nil
}

// fnStringSplit splits at every character of the delimiter string, dropping
// empty fields.
func fnStringSplit(args []any) (any, error) {
	s, err := argString(args, 0)
	if err != nil {
		return nil, err
	}
	delims, err := argString(args, 1)
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(delims, r) }) {
		out = append(out, f)
	}
	return out, nil
}

// fnUUID returns a random (version 4) UUID.
func fnUUID([]any) (any, error) {
	var u [16]byte
	if _, err := rand.Read(u[:]); err != nil {
		return nil, err
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	h := hex.EncodeToString(u[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}
