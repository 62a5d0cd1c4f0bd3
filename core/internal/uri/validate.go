package uri

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Problem describes why a text is not a valid URI reference.
type Problem struct {
	Offset int    // byte offset of the offending text
	What   string // what is wrong
	Fix    string // how to fix it, or empty
}

func (p *Problem) Error() string {
	msg := p.What + " at byte " + strconv.Itoa(p.Offset)
	if p.Fix != "" {
		msg += "; " + p.Fix
	}
	return msg
}

// Validate returns a Problem when s is not a valid URI reference in the
// sense a signer needs. It rejects, rather than repairs, raw spaces,
// control characters, '"', '\', the other characters RFC 3986 excludes,
// invisible Unicode format characters and broken percent-encodings. Other
// non-ASCII characters are allowed, as in an IRI.
func Validate(s string) *Problem {
	for i := 0; i < len(s); {
		c := s[i]
		if rawAllowed[c] {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				return &Problem{i, "invalid UTF-8", ""}
			}
			if invisible(r) {
				return &Problem{i, "invisible character U+" + hexText(uint32(r), 4), "percent-encode it"}
			}
			i += size
			continue
		}
		if p := checkASCII(s, i); p != nil {
			return p
		}
		i++
	}
	return checkStructure(s)
}

func checkASCII(s string, i int) *Problem {
	c := s[i]
	switch {
	case c == ' ':
		return &Problem{i, "raw space", "percent-encode it as %20"}
	case c < 0x20 || c == 0x7f:
		return &Problem{i, "control character 0x" + hexText(uint32(c), 2), "percent-encode it"}
	case c == '%':
		if _, ok := decodeEscape(s, i); !ok {
			return &Problem{i, "'%' not followed by two hex digits", "write '%25' for a literal '%'"}
		}
	case c == '"' || c == '\\' || c == '<' || c == '>' || c == '^' || c == '`' ||
		c == '{' || c == '|' || c == '}':
		return &Problem{i, "character " + strconv.QuoteRune(rune(c)) + " is not allowed in a URL", "percent-encode it"}
	}
	return nil
}

// invisible reports whether r is a C1 control, a line or paragraph
// separator, or a format character that changes how a URL displays.
func invisible(r rune) bool {
	switch {
	case 0x80 <= r && r <= 0x9f,
		r == 0x200b, r == 0x200e, r == 0x200f,
		0x2028 <= r && r <= 0x202e,
		0x2066 <= r && r <= 0x2069,
		r == 0xfeff:
		return true
	}
	return false
}

// checkStructure rejects references whose components are malformed: a
// second '#', square brackets outside an IPv6 host, a non-numeric port or a
// missing host.
func checkStructure(s string) *Problem {
	p := Split(s)
	if i := strings.IndexByte(p.Fragment, '#'); i >= 0 {
		return &Problem{len(s) - len(p.Fragment) + i, "second '#'", "percent-encode it as %23"}
	}
	if i := indexAny(p.Path, "[]"); i >= 0 {
		pathEnd := len(s)
		if j := indexAny(s, "?#"); j >= 0 {
			pathEnd = j
		}
		return &Problem{pathEnd - len(p.Path) + i, "square bracket in the path", "percent-encode it"}
	}
	if i := indexAny(p.Query, "[]"); i >= 0 {
		return &Problem{strings.IndexByte(s, '?') + 1 + i, "square bracket in the query", "percent-encode it"}
	}
	if !p.HasAuthority {
		return nil
	}
	hostAt := indexOf(s, "//") + 2
	if p.HasUserInfo {
		hostAt += len(p.UserInfo) + 1
	}
	if p.Host == "" {
		return &Problem{hostAt, "missing host", ""}
	}
	if i := indexAny(p.Host, "[]"); i >= 0 && !(p.Host[0] == '[' && p.Host[len(p.Host)-1] == ']') {
		return &Problem{hostAt + i, "square bracket outside an IPv6 host", ""}
	}
	for i := 0; i < len(p.Port); i++ {
		if !isDigit(p.Port[i]) {
			return &Problem{hostAt + len(p.Host) + 1 + i, "port is not a number", ""}
		}
	}
	return nil
}

// indexAny returns the first index in s of any of the few bytes in chars,
// or -1. A byte search per character beats strings.IndexAny here.
func indexAny(s, chars string) int {
	first := -1
	for i := 0; i < len(chars); i++ {
		if j := strings.IndexByte(s, chars[i]); j >= 0 && (first < 0 || j < first) {
			first = j
		}
	}
	return first
}

// indexOf returns the offset of the first occurrence of sub in s, or 0 when
// there is none.
func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return 0
}

// hexText formats v in upper-case hex with at least width digits.
func hexText(v uint32, width int) string {
	s := strings.ToUpper(strconv.FormatUint(uint64(v), 16))
	for len(s) < width {
		s = "0" + s
	}
	return s
}
