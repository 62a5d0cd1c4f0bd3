package uri

import (
	"strings"
	"unsafe"
)

const upperHex = "0123456789ABCDEF"

// unreserved reports whether c is an unreserved character of RFC 3986.
func unreserved(c byte) bool {
	return isAlpha(c) || isDigit(c) || c == '-' || c == '.' || c == '_' || c == '~'
}

// rawAllowed marks the bytes that may appear unencoded in a normalized path
// or query: the unreserved and reserved characters of RFC 3986.
var rawAllowed = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = unreserved(byte(c)) || strings.IndexByte(":/?#[]@!$&'()*+,;=", byte(c)) >= 0
	}
	return t
}()

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c|0x20 && c|0x20 <= 'f':
		return c | 0x20 - 'a' + 10, true
	}
	return 0, false
}

// decodeEscape returns the byte that s[i:i+3] encodes, if it is a valid
// percent-encoding.
func decodeEscape(s string, i int) (byte, bool) {
	if i+2 >= len(s) || s[i] != '%' {
		return 0, false
	}
	hi, ok1 := unhex(s[i+1])
	lo, ok2 := unhex(s[i+2])
	return hi<<4 | lo, ok1 && ok2
}

// AppendPercentNormalized appends s with its percent-encoding normalized:
// encoded unreserved characters decoded, other encodings in uppercase hex,
// and every byte that may not appear raw (non-ASCII, controls, a '%' that
// starts no valid encoding) encoded.
func AppendPercentNormalized(dst []byte, s string) []byte {
	for len(s) > 0 {
		n := 0
		for n < len(s) && rawAllowed[s[n]] {
			n++
		}
		dst = append(dst, s[:n]...)
		if n == len(s) {
			break
		}
		dst, n = appendNormalizedByte(dst, s, n)
		s = s[n:]
	}
	return dst
}

// appendNormalizedByte appends the normalized form of the escape or byte at
// s[i] and returns the index after it.
func appendNormalizedByte(dst []byte, s string, i int) ([]byte, int) {
	c := s[i]
	if b, ok := decodeEscape(s, i); ok {
		if unreserved(b) {
			return append(dst, b), i + 3
		}
		return append(dst, '%', upperHex[b>>4], upperHex[b&15]), i + 3
	}
	return append(dst, '%', upperHex[c>>4], upperHex[c&15]), i + 1
}

// AppendRemoveDotSegments appends path with its dot segments removed, as in
// RFC 3986, section 5.2.4.
func AppendRemoveDotSegments(dst []byte, path []byte) []byte {
	base := len(dst)
	in := path
	for len(in) > 0 {
		switch {
		case hasPrefix(in, "../"):
			in = in[3:]
		case hasPrefix(in, "./"):
			in = in[2:]
		case hasPrefix(in, "/./"):
			in = in[2:]
		case string(in) == "/.":
			in = in[:1]
		case hasPrefix(in, "/../"):
			in = in[3:]
			dst = popSegment(dst, base)
		case string(in) == "/..":
			in = in[:1]
			dst = popSegment(dst, base)
		case string(in) == "." || string(in) == "..":
			in = nil
		default:
			n := 0
			if in[0] == '/' {
				n = 1
			}
			for n < len(in) && in[n] != '/' {
				n++
			}
			dst = append(dst, in[:n]...)
			in = in[n:]
		}
	}
	return dst
}

// popSegment removes the last segment and its preceding slash from
// dst[base:].
func popSegment(dst []byte, base int) []byte {
	for i := len(dst) - 1; i >= base; i-- {
		if dst[i] == '/' {
			return dst[:i]
		}
	}
	return dst[:base]
}

func hasPrefix(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && string(b[:len(prefix)]) == prefix
}

// AppendNormalizedPath appends the normalized form of a path: percent
// normalization first, so that "%2e%2e" counts as "..", then dot-segment
// removal. The tmp buffer holds the intermediate text and is returned for
// reuse. An empty path of a reference with an authority becomes "/".
func AppendNormalizedPath(dst, tmp []byte, path string, hasAuthority bool) ([]byte, []byte) {
	if path == "" && hasAuthority {
		return append(dst, '/'), tmp
	}
	tmp = AppendPercentNormalized(tmp[:0], path)
	return AppendRemoveDotSegments(dst, tmp), tmp
}

// IsNormalPath reports whether path is already in normalized form: only
// characters that stay raw, no percent-encoding and no dot segment.
func IsNormalPath(path string) bool {
	for i := 0; i < len(path); i++ {
		if !rawAllowed[path[i]] {
			return false
		}
	}
	return !strings.Contains(path, "/.") && (path == "" || path[0] != '.')
}

// AppendNormalizedOrigin appends the scheme and authority of p in normalized
// form: scheme and host in lower case, user info left out and a port equal
// to the scheme's default dropped. It appends nothing for a path-only
// reference.
func AppendNormalizedOrigin(dst []byte, p *Parts) []byte {
	if p.Scheme != "" {
		for i := 0; i < len(p.Scheme); i++ {
			dst = append(dst, lower(p.Scheme[i]))
		}
		dst = append(dst, ':')
	}
	if !p.HasAuthority {
		return dst
	}
	dst = append(dst, '/', '/')
	for i := 0; i < len(p.Host); i++ {
		dst = append(dst, lower(p.Host[i]))
	}
	if p.Port != "" && p.Port != DefaultPort(p.Scheme) {
		dst = append(dst, ':')
		dst = append(dst, p.Port...)
	}
	return dst
}

// AppendNormalizedQuery appends the parameters of a query that are not
// signing parameters, each percent-normalized, joined by '&' in their
// original order.
func AppendNormalizedQuery(dst []byte, query string) []byte {
	first := true
	for rest := query; ; {
		param, tail, more := Cut(rest, '&')
		if SigningParam(ParamName(param)) < 0 {
			if !first {
				dst = append(dst, '&')
			}
			dst = AppendPercentNormalized(dst, param)
			first = false
		}
		if !more {
			return dst
		}
		rest = tail
	}
}

// StripSigningParams returns query without its signing parameters, keeping
// the bytes and order of the others.
func StripSigningParams(query string) string {
	var kept []byte
	changed := false
	first := true
	for rest := query; ; {
		param, tail, more := Cut(rest, '&')
		if SigningParam(ParamName(param)) >= 0 {
			changed = true
		} else {
			if !first {
				kept = append(kept, '&')
			}
			kept = append(kept, param...)
			first = false
		}
		if !more {
			break
		}
		rest = tail
	}
	if !changed {
		return query
	}
	return string(kept)
}

// Cut slices s around the first sep.
func Cut(s string, sep byte) (before, after string, found bool) {
	if i := strings.IndexByte(s, sep); i >= 0 {
		return s[:i], s[i+1:], true
	}
	return s, "", false
}

// ParamName returns the raw name of a query parameter "name=value".
func ParamName(param string) string {
	if i := strings.IndexByte(param, '='); i >= 0 {
		return param[:i]
	}
	return param
}

// The signing parameters, in the order they are appended to a URL.
const (
	ParamPolicy = iota
	ParamKeyID
	ParamSignature
)

// SigningParam returns ParamPolicy, ParamKeyID or ParamSignature when the
// raw name, percent-decoded once, is that parameter's name, and -1
// otherwise. Names are case-sensitive.
func SigningParam(rawName string) int {
	if i := signingParamName(rawName); i >= 0 || indexPercentOrPlus(rawName) < 0 {
		return i
	}
	var buf [16]byte
	name := buf[:0]
	for i := 0; i < len(rawName); i++ {
		if len(name) == len(buf) {
			return -1
		}
		name = append(name, DecodeAt(rawName, &i))
	}
	return signingParamName(string(name))
}

func signingParamName(name string) int {
	switch name {
	case "policy":
		return ParamPolicy
	case "keyId":
		return ParamKeyID
	case "signature":
		return ParamSignature
	}
	return -1
}

// DecodeAt returns the byte that starts at s[*i], percent-decoded with '+'
// as a space, and advances *i past an escape. A '%' that starts no valid
// escape stands for itself.
func DecodeAt(s string, i *int) byte {
	c := s[*i]
	switch c {
	case '+':
		return ' '
	case '%':
		if b, ok := decodeEscape(s, *i); ok {
			*i += 2
			return b
		}
	}
	return c
}

// indexPercentOrPlus returns the index of the first '%' or '+' in s, or -1.
// Two byte searches beat strings.IndexAny, which tests byte by byte.
func indexPercentOrPlus(s string) int {
	i := strings.IndexByte(s, '%')
	if i < 0 {
		return strings.IndexByte(s, '+')
	}
	if j := strings.IndexByte(s[:i], '+'); j >= 0 {
		return j
	}
	return i
}

// QueryUnescape returns s percent-decoded once, with '+' as a space: s
// itself when it has nothing to decode, otherwise a view of buf, which is
// grown as needed and returned for reuse. A '%' that starts no valid escape
// stands for itself.
func QueryUnescape(s string, buf []byte) (string, []byte) {
	i := indexPercentOrPlus(s)
	if i < 0 {
		return s, buf
	}
	buf = append(buf[:0], s[:i]...)
	for ; i < len(s); i++ {
		buf = append(buf, DecodeAt(s, &i))
	}
	return unsafe.String(unsafe.SliceData(buf), len(buf)), buf
}
