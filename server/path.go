package server

import (
	"strings"

	"github.com/signet-media/signet/core"
)

// ReasonAmbiguousPath (400) rejects a request whose path has an empty
// segment, a "." or ".." segment, or an encoded slash or backslash, also
// percent-encoded. See ambiguousPath.
const ReasonAmbiguousPath core.Reason = "ambiguous-path"

// ambiguousPath reports whether a raw request path could name one file for
// the verifier and another for the server that serves it. The verifier
// removes dot segments as RFC 3986 specifies, so "/a/b//../c" is "/a/b/c" to
// it, while nginx and path.Clean merge the slashes first and serve "/a/c":
// a signature for "/a/b/" would open a file outside it. So the media
// route, forward authentication and signet edge reject every path with an
// empty segment (except a trailing slash), a "." or ".." segment, or an
// encoded slash or backslash, which some servers decode into a separator.
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
		rest = after
	}
	return false
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
