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

// Buffer holds the text that a parsed Policy refers to. Reusing one
// Buffer for many calls of Parse avoids allocations.
type Buffer struct {
	resource []byte
	ip       [64]byte
}

type parser struct {
	data []byte
	pos  int
	buf  *Buffer
	out  Policy
}

// Parse reads a policy. The Resource of the result points into buf, which
// must not be reused while the result is in use. Parse accepts only a JSON
// object of exactly the policy's shape, with keys in any order and white
// space between tokens. It rejects any other key at any level, a key given
// twice, dates that are not integers in the signed 64-bit range, and an
// IpAddress that is neither an address nor a CIDR prefix.
func Parse(data []byte, buf *Buffer) (Policy, error) {
	if len(data) > MaxSize {
		return Policy{}, ErrTooLarge
	}
	ps := parser{data: data, buf: buf}
	if ps.parseCanonical() {
		return ps.out, nil
	}
	ps = parser{data: data, buf: buf}
	if err := ps.parseTop(); err != nil {
		return Policy{}, err
	}
	ps.skipSpace()
	if ps.pos != len(ps.data) {
		return Policy{}, ErrTrailingContent
	}
	return ps.out, nil
}

// parseCanonical reads a policy written exactly in the form AppendJSON
// writes, the form of nearly every policy, by matching its fixed text. It
// reports false, leaving the policy to the general parser, at the first
// difference.
func (ps *parser) parseCanonical() bool {
	var err error
	if !ps.literal(`{"Statement":{"Condition":{`) {
		return false
	}
	if ps.literal(`"DateGreaterThan":`) {
		ps.out.HasDateGreaterThan = true
		if ps.out.DateGreaterThan, err = ps.parseInt(); err != nil || !ps.consume(',') {
			return false
		}
	}
	if !ps.literal(`"DateLessThan":`) {
		return false
	}
	if ps.out.DateLessThan, err = ps.parseInt(); err != nil {
		return false
	}
	if ps.literal(`,"IpAddress":`) && ps.parseIPAddress() != nil {
		return false
	}
	if !ps.literal(`},"Resource":`) || ps.parseResource() != nil {
		return false
	}
	return ps.literal(`}}`) && ps.pos == len(ps.data)
}

// literal consumes text if the input continues with it.
func (ps *parser) literal(text string) bool {
	rest := ps.data[ps.pos:]
	if len(rest) < len(text) || string(rest[:len(text)]) != text {
		return false
	}
	ps.pos += len(text)
	return true
}

// key is a buffer for an object key. Keys longer than any policy key are
// cut short, which makes them unknown.
type key struct {
	text [16]byte
	n    int
}

func (k *key) is(name string) bool { return string(k.text[:k.n]) == name }

func (ps *parser) parseTop() error {
	var k key
	seen := false
	more, err := ps.beginObject()
	for more && err == nil {
		if err = ps.readKey(&k); err != nil {
			return err
		}
		switch {
		case !k.is("Statement"):
			return ErrUnknownKey
		case seen:
			return ErrDuplicateKey
		}
		seen = true
		err = ps.parseStatement()
		if err == nil {
			more, err = ps.nextMember()
		}
	}
	return ps.endObject(err, seen)
}

func (ps *parser) parseStatement() error {
	var k key
	var condition, resource bool
	more, err := ps.beginObject()
	for more && err == nil {
		if err = ps.readKey(&k); err != nil {
			return err
		}
		switch {
		case k.is("Condition"):
			err = once(&condition, ps.parseCondition)
		case k.is("Resource"):
			err = once(&resource, ps.parseResource)
		default:
			err = ErrUnknownKey
		}
		if err == nil {
			more, err = ps.nextMember()
		}
	}
	return ps.endObject(err, condition && resource)
}

func (ps *parser) parseCondition() error {
	var k key
	var lessThan, greaterThan, ip bool
	more, err := ps.beginObject()
	for more && err == nil {
		if err = ps.readKey(&k); err != nil {
			return err
		}
		switch {
		case k.is("DateLessThan"):
			err = once(&lessThan, func() (err error) {
				ps.out.DateLessThan, err = ps.parseInt()
				return err
			})
		case k.is("DateGreaterThan"):
			err = once(&greaterThan, func() (err error) {
				ps.out.DateGreaterThan, err = ps.parseInt()
				return err
			})
			ps.out.HasDateGreaterThan = true
		case k.is("IpAddress"):
			err = once(&ip, ps.parseIPAddress)
		default:
			err = ErrUnknownKey
		}
		if err == nil {
			more, err = ps.nextMember()
		}
	}
	return ps.endObject(err, lessThan)
}

// once runs parse unless *seen is set, and sets it.
func once(seen *bool, parse func() error) error {
	if *seen {
		return ErrDuplicateKey
	}
	*seen = true
	return parse()
}

func (ps *parser) parseResource() error {
	var err error
	ps.buf.resource, err = ps.parseString(ps.buf.resource[:0])
	ps.out.Resource = ps.buf.resource
	return err
}

func (ps *parser) parseIPAddress() error {
	s, err := ps.parseString(ps.buf.ip[:0])
	if err != nil {
		return err
	}
	if len(s) > len(ps.buf.ip) {
		return ErrInvalidIP
	}
	// The parsed address keeps no reference to its text (ParseIP rejects
	// zones, the only text an address stores), so the bytes may be viewed
	// as a string without a copy.
	prefix, isPrefix, err := ParseIP(unsafe.String(unsafe.SliceData(s), len(s)))
	if err != nil {
		return ErrInvalidIP
	}
	ps.out.IP, ps.out.IPIsPrefix, ps.out.HasIP = prefix, isPrefix, true
	return nil
}

// beginObject reads '{' and reports whether a member follows.
func (ps *parser) beginObject() (bool, error) {
	ps.skipSpace()
	if !ps.consume('{') {
		return false, ps.valueTypeError(ps.pos)
	}
	ps.skipSpace()
	return !ps.consume('}'), nil
}

// nextMember reads what follows a member's value: ',' before another
// member, or the closing '}'.
func (ps *parser) nextMember() (bool, error) {
	ps.skipSpace()
	if ps.consume('}') {
		return false, nil
	}
	if !ps.consume(',') {
		return false, ErrSyntax
	}
	return true, nil
}

// readKey reads a member's key and the colon after it.
func (ps *parser) readKey(k *key) error {
	ps.skipSpace()
	text, err := ps.parseString(k.text[:0])
	if err != nil {
		return err
	}
	k.n = len(text)
	if len(text) > len(k.text) {
		k.n = 0 // longer than any known key
	}
	ps.skipSpace()
	if !ps.consume(':') {
		return ErrSyntax
	}
	ps.skipSpace()
	return nil
}

// endObject returns err, or ErrMissingKey when the object lacked a
// required member.
func (ps *parser) endObject(err error, complete bool) error {
	if err == nil && !complete {
		return ErrMissingKey
	}
	return err
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

// valueTypeError returns ErrWrongType when the input at i starts a JSON
// value of another type, and ErrSyntax otherwise.
func (ps *parser) valueTypeError(i int) error {
	if i < len(ps.data) {
		switch c := ps.data[i]; {
		case c == '"' || c == '{' || c == '[' || c == 't' || c == 'f' || c == 'n',
			c == '-' || '0' <= c && c <= '9':
			return ErrWrongType
		}
	}
	return ErrSyntax
}

// stringPlain marks the bytes that stand for themselves inside a JSON
// string: all but '"', '\\' and the controls below U+0020.
var stringPlain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// parseString reads a JSON string and appends its unescaped text to dst.
func (ps *parser) parseString(dst []byte) ([]byte, error) {
	if !ps.consume('"') {
		return dst, ps.valueTypeError(ps.pos)
	}
	d := ps.data
	i := ps.pos
	for {
		start := i
		high := byte(0)
		for i < len(d) && stringPlain[d[i]] {
			high |= d[i]
			i++
		}
		// Only strings may hold non-ASCII bytes, so only they need a
		// UTF-8 check. A run ends at an ASCII byte, which never splits a
		// valid sequence.
		if high >= utf8.RuneSelf && !utf8.Valid(d[start:i]) {
			return dst, ErrInvalidUTF8
		}
		dst = append(dst, d[start:i]...)
		switch {
		case i == len(d) || d[i] < 0x20:
			return dst, ErrSyntax
		case d[i] == '"':
			ps.pos = i + 1
			return dst, nil
		case i+1 < len(d) && d[i+1] == '/':
			// "\/" is the most common escape: json-simple writes every
			// slash of a URL that way.
			dst = append(dst, '/')
			i += 2
			continue
		}
		ps.pos = i
		var err error
		if dst, err = ps.parseEscape(dst); err != nil {
			return dst, err
		}
		i = ps.pos
	}
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
