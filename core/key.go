package core

import (
	"errors"
	"strconv"
	"strings"

	"github.com/signet-media/signet/core/internal/uri"
)

// Key is a signing key.
type Key struct {
	// ID names the key in signed URLs (the keyId parameter).
	ID string

	// Secret is the HMAC key. Its UTF-8 bytes are used as they are; a hex
	// text is never decoded.
	Secret string

	// URLs are the prefixes of the URLs this key signs, such as
	// "https://media.example.org/engage" or a path such as "/engage".
	// A Verifier ignores them.
	URLs []string

	// Organization restricts signing to callers of that organization.
	// Empty means any organization. A Verifier ignores it.
	Organization string
}

// prefix is a parsed Key URL.
type prefix struct {
	text     string
	pathOnly bool
	scheme   string
	host     string
	port     string // effective port
	path     string // normalized
}

// WithoutUserInfo returns a URL for an error message with the user
// information, which may hold a password, replaced by REDACTED. A
// malformed URL's authority may end anywhere, so everything from its start
// (after "//", else the start of the text) to the last '@' counts as user
// information. That hides a password with '/', '?' or '#' too; an '@' in a
// path hides more than needed.
func WithoutUserInfo(text string) string {
	at := strings.LastIndexByte(text, '@')
	if at < 0 {
		return text
	}
	start := 0
	if i := strings.Index(text, "//"); i >= 0 && i < at {
		start = i + 2
	}
	return text[:start] + "REDACTED" + text[at:]
}

func parsePrefix(text string) (prefix, error) {
	invalid := func(reason string) error {
		return errors.New("invalid URL prefix " + strconv.Quote(WithoutUserInfo(text)) + ": " + reason)
	}
	if p := uri.Validate(text); p != nil {
		return prefix{}, invalid(p.Error())
	}
	parts := uri.Split(text)
	if parts.HasQuery || parts.HasFragment || parts.HasUserInfo {
		return prefix{}, invalid("a prefix has no query, fragment or user info")
	}
	if !parts.IsPathOnly() && (parts.Scheme == "" || !parts.HasAuthority) {
		return prefix{}, invalid("write scheme://host/path or a path starting with '/'")
	}
	if parts.IsPathOnly() && (parts.Path == "" || parts.Path[0] != '/') {
		return prefix{}, invalid("a path prefix starts with '/'")
	}
	if parts.HasPort && !validPort(parts.Port) {
		return prefix{}, invalid("the port is not a number from 1 to 65535")
	}
	path, _ := uri.AppendNormalizedPath(nil, nil, parts.Path, false)
	return prefix{
		text:     text,
		pathOnly: parts.IsPathOnly(),
		scheme:   parts.Scheme,
		host:     parts.Host,
		port:     parts.EffectivePort(),
		path:     string(path),
	}, nil
}

// matches reports whether the prefix covers a URL with the given parts and
// normalized path: scheme and host equal ignoring case, equal effective
// ports, and a path that starts with the prefix path at a segment boundary.
func (p *prefix) matches(u *uri.Parts, path []byte) bool {
	if p.pathOnly != u.IsPathOnly() {
		return false
	}
	if !p.pathOnly {
		if !u.HasAuthority || !uri.EqualFold(p.scheme, u.Scheme) ||
			!uri.EqualFold(p.host, u.Host) || p.port != u.EffectivePort() {
			return false
		}
	}
	if len(path) < len(p.path) || string(path[:len(p.path)]) != p.path {
		return false
	}
	return len(path) == len(p.path) || p.path == "" ||
		p.path[len(p.path)-1] == '/' || path[len(p.path)] == '/'
}

// validPort reports whether a port is a decimal number from 1 to 65535.
// An empty port, as in "http://h:/", means the default port.
func validPort(port string) bool {
	if port == "" {
		return true
	}
	n, err := strconv.Atoi(port)
	return err == nil && n >= 1 && n <= 65535 && port[0] != '+' && port[0] != '-'
}

// containsPattern reports whether a prefix pattern, whose text before the
// '*' has the parts u and the normalized path, covers only URLs inside p.
// That needs more than matches: the '*' continues the text without
// stopping at a '/', so a pattern that ends where p's path ends, without
// a '/', reaches past it. "https://h/engage*" also covers
// "https://h/engagement/" and "https://h*" covers "https://h.example.com/",
// though neither lies inside the prefix "https://h/engage" or "https://h".
func (p *prefix) containsPattern(u *uri.Parts, path []byte) bool {
	if !p.matches(u, path) {
		return false
	}
	if len(path) > len(p.path) || strings.HasSuffix(p.path, "/") {
		return true
	}
	// A query keeps the '*' on this path, but only a query that the
	// verifier keeps too: it drops an empty one and the signing
	// parameters, so "https://h/engage?*" is "https://h/engage*" to it.
	return u.Query != "" && len(uri.AppendNormalizedQuery(nil, u.Query)) > 0
}

// queryEscape escapes a key id for the keyId parameter as url.QueryEscape
// does: letters, digits and "-_.~" stay, a space becomes '+' and every other
// byte becomes %XX with upper-case hex digits.
func queryEscape(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '_', c == '.', c == '~':
			b = append(b, c)
		case c == ' ':
			b = append(b, '+')
		default:
			b = append(b, '%', upperHexDigits[c>>4], upperHexDigits[c&15])
		}
	}
	return string(b)
}

// quoteID quotes a key id for an error message. Printable ASCII stays, '"'
// and '\' are escaped, and every other byte becomes \xNN, so no id can
// break a log line. Unlike strconv.Quote it needs no Unicode tables, which
// keeps them out of the WebAssembly module.
func quoteID(id string) string {
	b := make([]byte, 0, len(id)+2)
	b = append(b, '"')
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < ' ' || c > '~':
			b = append(b, '\\', 'x', lowerHexDigits[c>>4], lowerHexDigits[c&15])
		default:
			b = append(b, c)
		}
	}
	return string(append(b, '"'))
}

// The hex digits of percent-encodings and of signatures.
const (
	upperHexDigits = "0123456789ABCDEF"
	lowerHexDigits = "0123456789abcdef"
)
