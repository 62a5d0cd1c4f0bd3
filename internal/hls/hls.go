// Package hls rewrites HLS playlists (RFC 8216) so that a player which
// cannot add query parameters to its requests, such as Safari's native
// player, can still fetch every playlist, key and segment that one
// prefix-scoped signature grants.
//
// Rewrite appends the signing parameters of the playlist's own request to
// every URI in the playlist that the signature's scope covers: the URI
// lines, which name variant playlists and media segments, and the URI
// attributes of the tags in uriTags. Everything else is copied as it is.
package hls

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
)

// ErrTooLarge means the playlist, read or rewritten, is longer than the
// limit passed to Rewrite.
var ErrTooLarge = errors.New("hls: playlist exceeds the size limit")

// signingParams are the query parameters of a signed URL, in the order
// SigningQuery writes them.
var signingParams = [...]string{"policy", "keyId", "signature"}

// uriTags are the tags whose URI attribute names a resource that the
// player fetches.
var uriTags = map[string]bool{
	"EXT-X-KEY":                true,
	"EXT-X-MAP":                true,
	"EXT-X-MEDIA":              true,
	"EXT-X-I-FRAME-STREAM-INF": true,
	"EXT-X-PART":               true,
	"EXT-X-PRELOAD-HINT":       true,
	"EXT-X-RENDITION-REPORT":   true,
	"EXT-X-SESSION-DATA":       true,
	"EXT-X-SESSION-KEY":        true,
}

// Rewrite copies the playlist from r to w line by line and appends query
// to each URI whose reference, resolved against base (RFC 3986, section
// 5), inScope reports true for. inScope receives the resolved absolute
// URL. A URI keeps its own query, which query follows after a '&', and
// its fragment, which stays last. URIs that inScope rejects, that do not
// parse, or that already carry a signing parameter are copied unchanged,
// and so are line endings, comments, blank lines and every tag other
// than the URI attribute of the tags in uriTags.
//
// query must be a valid URI query without the '?', such as SigningQuery
// returns. Rewrite returns ErrTooLarge when the input or the output
// exceeds limit bytes. Output written before an error stays written, so a
// caller that must not send a truncated playlist writes to a buffer.
func Rewrite(r io.Reader, w io.Writer, base *url.URL, inScope func(string) bool, query string, limit int) error {
	rw := &rewriter{base: base, inScope: inScope, query: query}
	out := &limitedWriter{w: w, left: limit}
	bw := bufio.NewWriter(out)
	br := bufio.NewReaderSize(r, 64<<10)
	var line []byte
	read := 0
	for {
		chunk, err := br.ReadSlice('\n')
		read += len(chunk)
		if read > limit {
			return ErrTooLarge
		}
		line = append(line, chunk...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if len(line) > 0 {
			if _, werr := bw.Write(rw.rewriteLine(line)); werr != nil {
				return werr
			}
			line = line[:0]
		}
		if err == io.EOF {
			return bw.Flush()
		}
		if err != nil {
			return fmt.Errorf("hls: reading the playlist: %w", err)
		}
	}
}

// rewriter holds the arguments of one Rewrite and a reused output buffer.
type rewriter struct {
	base    *url.URL
	inScope func(string) bool
	query   string
	out     []byte
}

// rewriteLine returns line, with its line ending, rewritten. The result
// is valid until the next call.
func (rw *rewriter) rewriteLine(line []byte) []byte {
	text, ending := splitEnding(line)
	switch {
	case len(bytes.TrimSpace(text)) == 0:
		return line
	case text[0] == '#':
		return rw.rewriteTag(text, ending, line)
	}
	rw.out = rw.appendURI(rw.out[:0], string(text))
	return append(rw.out, ending...)
}

// splitEnding splits a line into its text and its ending: "\n", "\r\n"
// or nothing at the end of the input.
func splitEnding(line []byte) (text, ending []byte) {
	n := len(line)
	if n > 0 && line[n-1] == '\n' {
		n--
		if n > 0 && line[n-1] == '\r' {
			n--
		}
	}
	return line[:n], line[n:]
}

// rewriteTag rewrites the URI attribute of a tag in uriTags and returns
// every other tag or comment line unchanged.
func (rw *rewriter) rewriteTag(text, ending, line []byte) []byte {
	name, attrs, found := bytes.Cut(text[1:], []byte{':'})
	if !found || !uriTags[string(name)] {
		return line
	}
	start, end, ok := findURIAttribute(attrs)
	if !ok {
		return line
	}
	offset := 1 + len(name) + 1
	rw.out = append(rw.out[:0], text[:offset+start]...)
	rw.out = rw.appendURI(rw.out, string(attrs[start:end]))
	rw.out = append(rw.out, text[offset+end:]...)
	return append(rw.out, ending...)
}

// findURIAttribute returns the bounds of the quoted value of the URI
// attribute in an attribute list (RFC 8216, section 4.2), without the
// quotes. Names are matched whole, so X-URI is not URI, and text inside
// another attribute's quoted string is skipped.
func findURIAttribute(attrs []byte) (start, end int, ok bool) {
	for i := 0; i < len(attrs); {
		eq := bytes.IndexByte(attrs[i:], '=')
		if eq < 0 {
			return 0, 0, false
		}
		name := string(bytes.TrimSpace(attrs[i : i+eq]))
		i += eq + 1
		if i < len(attrs) && attrs[i] == '"' {
			closing := bytes.IndexByte(attrs[i+1:], '"')
			if closing < 0 {
				return 0, 0, false
			}
			if name == "URI" {
				return i + 1, i + 1 + closing, true
			}
			i += closing + 2
		}
		comma := bytes.IndexByte(attrs[i:], ',')
		if comma < 0 {
			return 0, 0, false
		}
		i += comma + 1
	}
	return 0, 0, false
}

// appendURI appends ref, with the query added when the scope covers it.
func (rw *rewriter) appendURI(dst []byte, ref string) []byte {
	trimmed := strings.TrimSpace(ref)
	if !rw.covers(trimmed) {
		return append(dst, ref...)
	}
	withoutFragment, fragment, hasFragment := strings.Cut(trimmed, "#")
	dst = append(dst, withoutFragment...)
	switch {
	case !strings.Contains(withoutFragment, "?"):
		dst = append(dst, '?')
	case !strings.HasSuffix(withoutFragment, "?") && !strings.HasSuffix(withoutFragment, "&"):
		dst = append(dst, '&')
	}
	dst = append(dst, rw.query...)
	if hasFragment {
		dst = append(append(dst, '#'), fragment...)
	}
	return dst
}

// covers reports whether ref parses, carries no signing parameter, and
// resolves to a URL inside the scope on the playlist's own origin. A scope
// with a path only covers every host, but the signature must not reach a
// URI on another host, whose server could use it.
//
// A reference with a backslash (also as %5C), a tab or a line break is
// never covered. Go's URL parser reads "\\host/a.ts" as a path. The WHATWG
// URL standard, which browsers follow, reads '\' as '/' and drops tabs
// and line breaks, so a browser would send the signature to another host.
func (rw *rewriter) covers(ref string) bool {
	if strings.ContainsAny(ref, "\\\t\r\n") || strings.Contains(ref, "%5c") || strings.Contains(ref, "%5C") {
		return false
	}
	u, err := url.Parse(ref)
	if err != nil || hasSigningParam(u.RawQuery) {
		return false
	}
	if rw.base != nil {
		u = rw.base.ResolveReference(u)
		if !sameOrigin(u, rw.base) {
			return false
		}
	}
	return rw.inScope(u.String())
}

// sameOrigin reports whether two URLs have the same scheme, host and
// effective port, ignoring case.
func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) &&
		effectivePort(a) == effectivePort(b)
}

// effectivePort returns the port of u, or the default port of its scheme.
func effectivePort(u *url.URL) string {
	if port := u.Port(); port != "" {
		return port
	}
	switch strings.ToLower(u.Scheme) {
	case "http":
		return "80"
	case "https":
		return "443"
	}
	return ""
}

// hasSigningParam reports whether a raw query contains a parameter named
// policy, keyId or signature, percent-encoded or not.
func hasSigningParam(rawQuery string) bool {
	for param := range strings.SplitSeq(rawQuery, "&") {
		name, _, _ := strings.Cut(param, "=")
		if decoded, err := url.QueryUnescape(name); err == nil {
			name = decoded
		}
		for _, p := range signingParams {
			if name == p {
				return true
			}
		}
	}
	return false
}

// SigningQuery returns the signing parameters of a raw request query as
// "policy=…&keyId=…&signature=…", each value as received, or false when
// one of them is missing. Bytes that may not appear in a URI, such as
// quotes, spaces and line breaks, are percent-encoded, so the query can
// go into a playlist line or a quoted attribute. A verifier decodes them
// back to the same value.
func SigningQuery(rawQuery string) (string, bool) {
	var values [len(signingParams)]string
	var found [len(signingParams)]bool
	for param := range strings.SplitSeq(rawQuery, "&") {
		name, value, _ := strings.Cut(param, "=")
		for i, p := range signingParams {
			if name == p && !found[i] {
				values[i], found[i] = value, true
			}
		}
	}
	var b strings.Builder
	for i, p := range signingParams {
		if !found[i] {
			return "", false
		}
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p)
		b.WriteByte('=')
		writeQueryValue(&b, values[i])
	}
	return b.String(), true
}

// writeQueryValue writes a raw query value, percent-encoding the bytes
// that RFC 3986 does not allow in a query, and '#'.
func writeQueryValue(b *strings.Builder, value string) {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(value); i++ {
		c := value[i]
		if allowedInQuery(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
}

// allowedInQuery reports whether c may appear in a URI query as it is
// (RFC 3986, section 3.4: pchar, '/' and '?'), '%' included because a
// value arrives percent-encoded.
func allowedInQuery(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~!$&'()*+,;=:@/?%", c) >= 0
}

// limitedWriter passes at most left bytes on to w and returns ErrTooLarge
// for a write that would exceed them.
type limitedWriter struct {
	w    io.Writer
	left int
}

func (lw *limitedWriter) Write(p []byte) (int, error) {
	if len(p) > lw.left {
		return 0, ErrTooLarge
	}
	n, err := lw.w.Write(p)
	lw.left -= n
	return n, err
}
