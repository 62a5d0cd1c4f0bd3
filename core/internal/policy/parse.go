package policy

import (
	"errors"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// Errors returned by Parse. Each names what is wrong with the policy and
// never quotes its content.
var (
	ErrTooLarge        = errors.New("policy is larger than 64 KiB")
	ErrInvalidUTF8     = errors.New("policy is not valid UTF-8")
	ErrSyntax          = errors.New("policy is not valid JSON")
	ErrUnknownKey      = errors.New("policy has a key outside Statement, Condition, Resource, DateLessThan, DateGreaterThan and IpAddress")
	ErrDuplicateKey    = errors.New("policy has a key given twice")
	ErrMissingKey      = errors.New("policy lacks Statement, Condition, Resource or DateLessThan")
	ErrWrongType       = errors.New("policy has a value of the wrong type")
	ErrNotInteger      = errors.New("policy date is not an integer of Unix milliseconds")
	ErrInvalidIP       = errors.New("policy IpAddress is not an IP address or CIDR prefix")
	ErrTrailingContent = errors.New("policy has content after its JSON object")
)

type parser struct {
	data []byte
	pos  int
	buf  []byte // unescaped Resource text
	out  Policy
}

// Parse reads a policy. The Resource of the result points into buf, which
// is grown as needed and returned for reuse; it must not be modified while
// the result is in use. Parse accepts only a JSON object of exactly the
// policy's shape: keys in any order with white space between tokens, but no
// other key at any level, no key given twice, dates as integers within the
// signed 64-bit range and an IpAddress that is an address or CIDR prefix.
func Parse(data, buf []byte) (Policy, []byte, error) {
	if len(data) > MaxSize {
		return Policy{}, buf, ErrTooLarge
	}
	if !utf8.Valid(data) {
		return Policy{}, buf, ErrInvalidUTF8
	}
	ps := parser{data: data, buf: buf[:0]}
	err := ps.parseTop()
	if err == nil {
		ps.skipSpace()
		if ps.pos != len(ps.data) {
			err = ErrTrailingContent
		}
	}
	if err != nil {
		return Policy{}, ps.buf, err
	}
	return ps.out, ps.buf, nil
}

func (ps *parser) parseTop() error {
	seen := false
	return ps.parseObject(func(key []byte) error {
		if string(key) != "Statement" {
			return ErrUnknownKey
		}
		if seen {
			return ErrDuplicateKey
		}
		seen = true
		return ps.parseStatement()
	}, func() bool { return seen })
}

func (ps *parser) parseStatement() error {
	var condition, resource bool
	return ps.parseObject(func(key []byte) error {
		switch string(key) {
		case "Condition":
			if condition {
				return ErrDuplicateKey
			}
			condition = true
			return ps.parseCondition()
		case "Resource":
			if resource {
				return ErrDuplicateKey
			}
			resource = true
			var err error
			ps.buf, err = ps.parseString(ps.buf[:0])
			ps.out.Resource = ps.buf
			return err
		}
		return ErrUnknownKey
	}, func() bool { return condition && resource })
}

func (ps *parser) parseCondition() error {
	var lessThan, ip bool
	return ps.parseObject(func(key []byte) error {
		var err error
		switch string(key) {
		case "DateLessThan":
			if lessThan {
				return ErrDuplicateKey
			}
			lessThan = true
			ps.out.DateLessThan, err = ps.parseInt()
		case "DateGreaterThan":
			if ps.out.HasDateGreaterThan {
				return ErrDuplicateKey
			}
			ps.out.HasDateGreaterThan = true
			ps.out.DateGreaterThan, err = ps.parseInt()
		case "IpAddress":
			if ip {
				return ErrDuplicateKey
			}
			ip = true
			err = ps.parseIPAddress()
		default:
			err = ErrUnknownKey
		}
		return err
	}, func() bool { return lessThan })
}

func (ps *parser) parseIPAddress() error {
	var text [64]byte
	s, err := ps.parseString(text[:0])
	if err != nil {
		return err
	}
	if len(s) > len(text) {
		return ErrInvalidIP
	}
	// The text lives on this frame and the parsed address keeps no
	// reference to it (ParseIP rejects zones, the only text an address
	// stores), so viewing it as a string without a copy is safe.
	prefix, isPrefix, err := ParseIP(unsafe.String(unsafe.SliceData(s), len(s)))
	if err != nil {
		return ErrInvalidIP
	}
	ps.out.IP, ps.out.IPIsPrefix, ps.out.HasIP = prefix, isPrefix, true
	return nil
}

// parseObject reads an object, calling member for each key with the
// position at the key's value, and checks complete once the object ends.
func (ps *parser) parseObject(member func(key []byte) error, complete func() bool) error {
	ps.skipSpace()
	if !ps.consume('{') {
		return ErrWrongType
	}
	ps.skipSpace()
	if ps.consume('}') {
		return ps.checkComplete(complete)
	}
	for {
		var keyBuf [32]byte
		ps.skipSpace()
		key, err := ps.parseString(keyBuf[:0])
		if err != nil {
			return err
		}
		ps.skipSpace()
		if !ps.consume(':') {
			return ErrSyntax
		}
		ps.skipSpace()
		if err := member(key); err != nil {
			return err
		}
		ps.skipSpace()
		if ps.consume('}') {
			return ps.checkComplete(complete)
		}
		if !ps.consume(',') {
			return ErrSyntax
		}
	}
}

func (ps *parser) checkComplete(complete func() bool) error {
	if !complete() {
		return ErrMissingKey
	}
	return nil
}

func (ps *parser) consume(c byte) bool {
	if ps.pos < len(ps.data) && ps.data[ps.pos] == c {
		ps.pos++
		return true
	}
	return false
}

func (ps *parser) skipSpace() {
	for ps.pos < len(ps.data) {
		switch ps.data[ps.pos] {
		case ' ', '\t', '\n', '\r':
			ps.pos++
		default:
			return
		}
	}
}

// parseInt reads a JSON number that must be an integer in the int64 range.
func (ps *parser) parseInt() (int64, error) {
	d := ps.data
	i := ps.pos
	neg := i < len(d) && d[i] == '-'
	if neg {
		i++
	}
	start := i
	var n uint64
	for i < len(d) && '0' <= d[i] && d[i] <= '9' {
		if n > (1<<63)/10 {
			return 0, ErrNotInteger
		}
		n = n*10 + uint64(d[i]-'0')
		i++
	}
	switch {
	case i == start:
		return 0, ps.valueTypeError(i)
	case d[start] == '0' && i-start > 1:
		return 0, ErrSyntax
	case i < len(d) && (d[i] == '.' || d[i] == 'e' || d[i] == 'E'):
		return 0, ErrNotInteger
	case n > 1<<63 || (!neg && n == 1<<63):
		return 0, ErrNotInteger
	}
	ps.pos = i
	if neg {
		return -int64(n), nil
	}
	return int64(n), nil
}

// valueTypeError tells a value of another JSON type from broken JSON.
func (ps *parser) valueTypeError(i int) error {
	if i < len(ps.data) {
		switch ps.data[i] {
		case '"', '{', '[', 't', 'f', 'n':
			return ErrWrongType
		}
	}
	return ErrSyntax
}

// parseString reads a JSON string and appends its unescaped text to dst.
func (ps *parser) parseString(dst []byte) ([]byte, error) {
	if !ps.consume('"') {
		return dst, ps.valueTypeError(ps.pos)
	}
	d := ps.data
	for ps.pos < len(d) {
		c := d[ps.pos]
		switch {
		case c == '"':
			ps.pos++
			return dst, nil
		case c < 0x20:
			return dst, ErrSyntax
		case c == '\\':
			var err error
			if dst, err = ps.parseEscape(dst); err != nil {
				return dst, err
			}
		default:
			dst = append(dst, c)
			ps.pos++
		}
	}
	return dst, ErrSyntax
}

func (ps *parser) parseEscape(dst []byte) ([]byte, error) {
	d := ps.data
	if ps.pos+1 >= len(d) {
		return dst, ErrSyntax
	}
	c := d[ps.pos+1]
	ps.pos += 2
	switch c {
	case '"', '\\', '/':
		return append(dst, c), nil
	case 'b':
		return append(dst, '\b'), nil
	case 'f':
		return append(dst, '\f'), nil
	case 'n':
		return append(dst, '\n'), nil
	case 'r':
		return append(dst, '\r'), nil
	case 't':
		return append(dst, '\t'), nil
	case 'u':
		r, err := ps.parseUnicodeEscape()
		if err != nil {
			return dst, err
		}
		return utf8.AppendRune(dst, r), nil
	}
	return dst, ErrSyntax
}

// parseUnicodeEscape reads the hex digits of \uXXXX, and a second escape
// when the first is a high surrogate. A lone surrogate is invalid, because
// it has no UTF-8 form.
func (ps *parser) parseUnicodeEscape() (rune, error) {
	r, ok := ps.hex4()
	if !ok {
		return 0, ErrSyntax
	}
	if !utf16.IsSurrogate(r) {
		return r, nil
	}
	if r >= 0xdc00 || ps.pos+1 >= len(ps.data) || ps.data[ps.pos] != '\\' || ps.data[ps.pos+1] != 'u' {
		return 0, ErrInvalidUTF8
	}
	ps.pos += 2
	low, ok := ps.hex4()
	if !ok {
		return 0, ErrSyntax
	}
	combined := utf16.DecodeRune(r, low)
	if combined == utf8.RuneError {
		return 0, ErrInvalidUTF8
	}
	return combined, nil
}

func (ps *parser) hex4() (rune, bool) {
	if ps.pos+4 > len(ps.data) {
		return 0, false
	}
	var r rune
	for _, c := range ps.data[ps.pos : ps.pos+4] {
		var v byte
		switch {
		case '0' <= c && c <= '9':
			v = c - '0'
		case 'a' <= c && c <= 'f':
			v = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			v = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(v)
	}
	ps.pos += 4
	return r, true
}
