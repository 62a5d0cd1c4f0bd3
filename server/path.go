package server

import (
	"strings"

	"github.com/signet-media/signet/core"
)

// ReasonAmbiguousPath (400) rejects a request whose path has an empty
// segment, a "." or ".." segment (also before a ';' path parameter), or
// an encoded slash or backslash. See ambiguousPath.
const ReasonAmbiguousPath core.Reason = "ambiguous-path"

// ambiguousPath reports whether a raw request path could name one file for
// the verifier and another for the server that serves it. The verifier
// removes dot segments as RFC 3986 specifies, so "/a/b//../c" is "/a/b/c" to
// it, while nginx and path.Clean merge the slashes first and serve "/a/c":
// a signature for "/a/b/" would open a file outside it. So the media
// route, forward authentication and signet edge reject every path with an
// empty segment (except a trailing slash), a "." or ".." segment, or an
// encoded slash or backslash, which some servers decode into a separator.
// A segment that is empty, "." or ".." before a path parameter (";x")
// counts too: see cutParams.
// Players request normalized paths, so no valid request has one.
func ambiguousPath(rawPath string) bool {
	rest := strings.TrimPrefix(rawPath, "/")
	for rest != "" {
		segment, after, more := strings.Cut(rest, "/")
		if segment == "" && more {
			return true
		}
		if isDotSegment(segment) || strings.ContainsRune(segment, '\\') || containsFold(segment, "%2f") ||
			containsFold(segment, "%5c") {
			return true
		}
		if base, params := cutParams(segment); params && (base == "" || isDotSegment(base)) {
			return true
		}
		rest = after
	}
	return false
}

// ReasonHiddenPath (404) rejects a forward authentication request for a
// path with a segment that starts with '.', such as .git or .htpasswd,
// which the media route does not serve either. See hiddenPath.
const ReasonHiddenPath core.Reason = "hidden-path"

// hiddenPath reports whether a raw request path has a segment that starts
// with '.', also written %2E: files that a media directory may hold but
// that a prefix-scoped signature must not open. The media route refuses
// them in fileName; forward authentication, whose web server serves the
// file, refuses them here.
func hiddenPath(rawPath string) bool {
	for rest := rawPath; rest != ""; {
		var segment string
		segment, rest, _ = strings.Cut(rest, "/")
		if strings.HasPrefix(segment, ".") || len(segment) >= 3 && strings.EqualFold(segment[:3], "%2e") {
			return true
		}
	}
	return false
}

// cutParams returns a raw segment up to its first ';' or %3B, and whether
// it had one. Tomcat, Jetty and Spring remove such path parameters from
// each segment before they remove dot segments, so behind them
// "/a/b/..;x/c" names "/a/c" while the verifier reads "/a/b/..;x/c".
func cutParams(segment string) (base string, params bool) {
	for i := 0; i < len(segment); i++ {
		if segment[i] == ';' {
			return segment[:i], true
		}
		if segment[i] == '%' && len(segment)-i >= 3 && segment[i+1] == '3' && (segment[i+2] == 'b' || segment[i+2] == 'B') {
			return segment[:i], true
		}
	}
	return segment, false
}

// isDotSegment reports whether a raw segment is "." or "..", with each dot
// written as '.' or as %2E in either case.
func isDotSegment(segment string) bool {
	dots := 0
	for i := 0; i < len(segment); {
		switch {
		case segment[i] == '.':
			i++
		case len(segment)-i >= 3 && segment[i] == '%' && segment[i+1] == '2' && (segment[i+2] == 'e' || segment[i+2] == 'E'):
			i += 3
		default:
			return false
		}
		dots++
	}
	return dots == 1 || dots == 2
}

// containsFold reports whether s contains the lower-case ASCII text sub,
// ignoring the case of ASCII letters in s.
func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// validTargetForm reports whether a request target is in origin form
// ("/path?query") or in absolute form with an http or https scheme
// ("http://host/path?query"). net/http also accepts targets such as
// "x:/a?b=://host/c", whose path it reads as /a while originForm, which
// cuts at the first "://", reads /c: the verifier and a reverse proxy
// would then see different paths. So every other form is rejected.
func validTargetForm(target string) bool {
	if strings.HasPrefix(target, "/") {
		return true
	}
	scheme, rest, ok := strings.Cut(target, "://")
	return ok && (strings.EqualFold(scheme, "http") || strings.EqualFold(scheme, "https")) &&
		rest != "" && rest[0] != '/'
}
