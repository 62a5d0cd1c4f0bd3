package config

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxFileSize is the size limit of a configuration file, in bytes.
const MaxFileSize = 1 << 20

// property is one entry of a properties file.
type property struct {
	key   string
	value string // unescaped; leading white space removed, trailing kept
	line  int    // 1-based number of the line where the entry starts
}

// parseProperties parses data in the format of java.util.Properties, which
// Opencast's .cfg files use. Unlike java.util.Properties, it reads UTF-8,
// skips a leading byte order mark, and rejects a key given twice. The
// errors are *Error values that name file.
func parseProperties(file string, data []byte) ([]property, error) {
	if bad := firstInvalidUTF8(data); bad >= 0 {
		return nil, &Error{File: file, Line: lineOf(data, bad), Err: errInvalidUTF8}
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))

	var props []property
	firstLine := make(map[string]int)
	r := lineReader{data: data}
	for {
		text, line, ok := r.next()
		if !ok {
			return props, nil
		}
		p, err := parseEntry(text, line)
		if err != nil {
			return nil, keyError(file, line, p.key, err)
		}
		if first, dup := firstLine[p.key]; dup {
			err := fmt.Errorf("duplicate key, first given at line %d; delete one of them", first)
			return nil, keyError(file, line, p.key, err)
		}
		firstLine[p.key] = line
		props = append(props, p)
	}
}

var errInvalidUTF8 = errors.New("invalid UTF-8; save the file as UTF-8, " +
	"or write other characters as \\uXXXX escapes")

// firstInvalidUTF8 returns the offset of the first byte of data that is not
// part of a UTF-8 encoded character, or -1.
func firstInvalidUTF8(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return -1
}

// lineOf returns the 1-based number of the line that contains data[offset],
// counting "\r\n", "\r" and "\n" as line terminators.
func lineOf(data []byte, offset int) int {
	line := 1
	for i := 0; i < offset; i++ {
		if data[i] == '\n' || data[i] == '\r' && (i+1 == len(data) || data[i+1] != '\n') {
			line++
		}
	}
	return line
}

// lineReader splits properties text into logical lines. It skips blank
// lines and comment lines, and joins a line that ends in an odd number of
// backslashes with the next one, without that backslash and without the
// leading white space of the next line.
type lineReader struct {
	data []byte
	pos  int
	line int // the number of physical lines read
}

// next returns the next logical line and the number of the physical line
// where it starts, or false at the end of the data.
func (r *lineReader) next() (text string, start int, ok bool) {
	for {
		physical, ok := r.physical()
		if !ok {
			return "", 0, false
		}
		physical = trimLeadingSpace(physical)
		if physical == "" || physical[0] == '#' || physical[0] == '!' {
			continue
		}
		start = r.line
		return r.join(physical), start, true
	}
}

// join appends the continuation lines of first, the first line of a
// logical line. A comment character at the start of a continuation line is
// part of the text, and a blank continuation line ends the logical line.
func (r *lineReader) join(first string) string {
	if !continues(first) {
		return first
	}
	var b strings.Builder
	for text := first; ; {
		if !continues(text) {
			b.WriteString(text)
			return b.String()
		}
		b.WriteString(text[:len(text)-1])
		next, ok := r.physical()
		if !ok {
			return b.String()
		}
		text = trimLeadingSpace(next)
	}
}

// physical returns the next physical line without its terminator.
func (r *lineReader) physical() (string, bool) {
	if r.pos == len(r.data) {
		return "", false
	}
	r.line++
	rest := r.data[r.pos:]
	end := bytes.IndexAny(rest, "\r\n")
	if end < 0 {
		r.pos = len(r.data)
		return string(rest), true
	}
	r.pos += end + 1
	if rest[end] == '\r' && end+1 < len(rest) && rest[end+1] == '\n' {
		r.pos++
	}
	return string(rest[:end]), true
}

// continues reports whether a line ends in an odd number of backslashes.
func continues(line string) bool {
	n := 0
	for n < len(line) && line[len(line)-1-n] == '\\' {
		n++
	}
	return n%2 == 1
}

func isPropertySpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\f'
}

func trimLeadingSpace(s string) string {
	i := 0
	for i < len(s) && isPropertySpace(s[i]) {
		i++
	}
	return s[i:]
}

// parseEntry splits a logical line into its unescaped key and value. On an
// error, the returned property holds the key when that was read.
func parseEntry(text string, line int) (property, error) {
	keyEnd, valueStart := splitEntry(text)
	key, err := unescape(text[:keyEnd])
	if err != nil {
		return property{}, err
	}
	if key == "" {
		return property{}, errors.New("missing key before the separator; write key = value")
	}
	value, err := unescape(text[valueStart:])
	if err != nil {
		return property{key: key}, err
	}
	return property{key: key, value: value, line: line}, nil
}

// splitEntry returns where the key of a logical line ends and where its
// value starts. The key ends at the first unescaped '=', ':' or white
// space. The separator is that character, or white space followed by at
// most one '=' or ':', and white space around it is not part of the value.
func splitEntry(text string) (keyEnd, valueStart int) {
	keyEnd, valueStart = len(text), len(text)
	hasSeparator := false
	escaped := false
	for i := 0; i < len(text); i++ {
		c := text[i]
		if escaped {
			escaped = false
			continue
		}
		if c == '\\' {
			escaped = true
			continue
		}
		if c == '=' || c == ':' || isPropertySpace(c) {
			keyEnd, valueStart = i, i+1
			hasSeparator = !isPropertySpace(c)
			break
		}
	}
	for ; valueStart < len(text); valueStart++ {
		c := text[valueStart]
		if !hasSeparator && (c == '=' || c == ':') {
			hasSeparator = true
			continue
		}
		if !isPropertySpace(c) {
			break
		}
	}
	return keyEnd, valueStart
}

// unescape replaces the escapes \t, \n, \r, \f and \uXXXX with the
// characters they stand for, and a backslash before any other character
// with that character. A UTF-16 surrogate pair written as two \u escapes
// becomes one character.
func unescape(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		i++
		if i == len(s) {
			break
		}
		switch s[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			r, n, err := decodeUnicodeEscape(s[i+1:])
			if err != nil {
				return "", err
			}
			b.WriteRune(r)
			i += n
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), nil
}

// decodeUnicodeEscape decodes the four hex digits after a "\u", and a
// second escape "\uXXXX" after them when the first is a high surrogate. It
// returns the character and the number of bytes read.
func decodeUnicodeEscape(s string) (rune, int, error) {
	first, ok := hex4(s)
	if !ok {
		return 0, 0, errors.New(`malformed \uXXXX escape; write four hex digits after \u`)
	}
	if !utf16.IsSurrogate(first) {
		return first, 4, nil
	}
	if first < 0xDC00 && strings.HasPrefix(s[4:], `\u`) {
		second, ok := hex4(s[6:])
		if r := utf16.DecodeRune(first, second); ok && r != utf8.RuneError {
			return r, 10, nil
		}
	}
	return 0, 0, fmt.Errorf(`unpaired UTF-16 surrogate \u%04X; `+
		`write the character itself, or both halves of the surrogate pair`, first)
}

// hex4 decodes four hex digits at the start of s.
func hex4(s string) (rune, bool) {
	if len(s) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[:4]) {
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	return r, true
}
