// Package uri splits and normalizes URI references without allocating.
//
// Split follows the regular expression of RFC 3986, appendix B, so every
// string splits into components. Validate enforces the stricter rules that a
// signer applies to the URLs it is given. The Append functions write the
// normalized form of RFC 3986, section 6.2.2, into a caller's buffer.
package uri

import "strings"

// Parts holds the components of a URI reference as substrings of the text.
type Parts struct {
	Scheme       string
	HasAuthority bool
	UserInfo     string
	HasUserInfo  bool
	Host         string // as written, brackets around IPv6 included
	Port         string // without the colon
	HasPort      bool
	Path         string
	Query        string
	HasQuery     bool
	Fragment     string
	HasFragment  bool
}

// Split returns the components of s. It has no error result, because every
// string splits: text that is not a scheme becomes part of the path, as in
// RFC 3986, appendix B.
func Split(s string) Parts {
	var p Parts
	if i := strings.IndexByte(s, '#'); i >= 0 {
		p.Fragment, p.HasFragment = s[i+1:], true
		s = s[:i]
	}
	if i := strings.IndexByte(s, '?'); i >= 0 {
		p.Query, p.HasQuery = s[i+1:], true
		s = s[:i]
	}
	if i := schemeEnd(s); i > 0 {
		p.Scheme = s[:i]
		s = s[i+1:]
	}
	if len(s) >= 2 && s[0] == '/' && s[1] == '/' {
		s = s[2:]
		end := len(s)
		if i := strings.IndexByte(s, '/'); i >= 0 {
			end = i
		}
		p.HasAuthority = true
		p.splitAuthority(s[:end])
		s = s[end:]
	}
	p.Path = s
	return p
}

// schemeEnd returns the index of the colon that ends a valid scheme at the
// start of s, or -1.
func schemeEnd(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isAlpha(c):
		case i > 0 && (isDigit(c) || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return i
		default:
			return -1
		}
	}
	return -1
}

func (p *Parts) splitAuthority(a string) {
	if i := strings.LastIndexByte(a, '@'); i >= 0 {
		p.UserInfo, p.HasUserInfo = a[:i], true
		a = a[i+1:]
	}
	if i := strings.LastIndexByte(a, ':'); i >= 0 && strings.LastIndexByte(a, ']') < i {
		p.Port, p.HasPort = a[i+1:], true
		a = a[:i]
	}
	p.Host = a
}

// IsPathOnly reports whether the reference has neither scheme nor authority.
func (p *Parts) IsPathOnly() bool {
	return p.Scheme == "" && !p.HasAuthority
}

// EffectivePort returns the port, or the scheme's default port when none is
// given or the port is empty. It returns "" when neither is known.
func (p *Parts) EffectivePort() string {
	if p.Port != "" {
		return p.Port
	}
	return DefaultPort(p.Scheme)
}

// DefaultPort returns the default port of a scheme, compared without case,
// or "" for schemes without one.
func DefaultPort(scheme string) string {
	switch {
	case equalFold(scheme, "http"), equalFold(scheme, "ws"):
		return "80"
	case equalFold(scheme, "https"), equalFold(scheme, "wss"):
		return "443"
	}
	return ""
}

func isAlpha(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

// EqualFold reports whether ASCII strings a and b are equal ignoring case.
func EqualFold(a, b string) bool { return equalFold(a, b) }
