package core

import (
	"unsafe"

	"github.com/signet-media/signet/core/internal/uri"
)

// normalizer compares a policy's Resource with a request URL after RFC 3986
// normalization. Its buffers are reused between calls.
type normalizer struct {
	want, got, tmp []byte
}

// resourceMatches reports whether the policy's Resource grants the request.
//
// Strict: scheme, host, port and path must be equal, and the query too when
// the Resource has one. A path-only Resource compares the path only.
// Non-strict: only the paths must be equal. A Resource ending in '*'
// matches every request whose normalized URL (its path when non-strict or
// path-only) starts with the normalized text before the '*'.
func (n *normalizer) resourceMatches(resource []byte, target *uri.Parts, strict bool) bool {
	if len(resource) > 0 && resource[len(resource)-1] == '*' {
		return n.prefixMatches(resource[:len(resource)-1], target, strict)
	}
	res := uri.Split(view(resource))
	if !strict || res.IsPathOnly() {
		return n.pathsEqual(&res, target)
	}
	if !originsEqual(&res, target) || !n.pathsEqual(&res, target) {
		return false
	}
	if res.Query == "" {
		return true
	}
	n.want = uri.AppendNormalizedQuery(n.want[:0], res.Query)
	n.got = uri.AppendNormalizedQuery(n.got[:0], target.Query)
	return string(n.want) == string(n.got)
}

// originsEqual reports whether two URLs have the same scheme and host,
// ignoring case, and the same port, a scheme's default port being equal to
// none.
func originsEqual(a, b *uri.Parts) bool {
	return a.HasAuthority == b.HasAuthority &&
		uri.EqualFold(a.Scheme, b.Scheme) &&
		uri.EqualFold(a.Host, b.Host) &&
		a.EffectivePort() == b.EffectivePort()
}

// pathsEqual compares the normalized paths of a and b. Equal paths in
// normal form, the common case, need no normalization.
func (n *normalizer) pathsEqual(a, b *uri.Parts) bool {
	if rootIfEmpty(a) == rootIfEmpty(b) && uri.IsNormalPath(a.Path) {
		return true
	}
	n.want, n.tmp = uri.AppendNormalizedPath(n.want[:0], n.tmp, a.Path, a.HasAuthority)
	n.got, n.tmp = uri.AppendNormalizedPath(n.got[:0], n.tmp, b.Path, b.HasAuthority)
	return string(n.want) == string(n.got)
}

// rootIfEmpty returns the path of p, or "/" for the empty path of a URL
// with an authority, which RFC 3986 treats as equal.
func rootIfEmpty(p *uri.Parts) string {
	if p.Path == "" && p.HasAuthority {
		return "/"
	}
	return p.Path
}

// prefixMatches reports whether the request's normalized URL starts with
// the normalized base. Dot segments are removed from both first, so ".."
// cannot leave the scope.
func (n *normalizer) prefixMatches(base []byte, target *uri.Parts, strict bool) bool {
	res := uri.Split(view(base))
	withOrigin := strict && !res.IsPathOnly()
	n.want = n.appendURL(n.want[:0], &res, withOrigin, true)
	n.got = n.appendURL(n.got[:0], target, withOrigin, true)
	return len(n.got) >= len(n.want) && string(n.got[:len(n.want)]) == string(n.want)
}

// appendURL appends the normalized URL: the origin when withOrigin, the
// path, and when withQuery the parameters other than the signing ones.
func (n *normalizer) appendURL(dst []byte, p *uri.Parts, withOrigin, withQuery bool) []byte {
	if withOrigin {
		dst = uri.AppendNormalizedOrigin(dst, p)
	}
	dst, n.tmp = uri.AppendNormalizedPath(dst, n.tmp, p.Path, p.HasAuthority)
	if withQuery && p.Query != "" {
		mark := len(dst)
		dst = uri.AppendNormalizedQuery(append(dst, '?'), p.Query)
		if len(dst) == mark+1 {
			dst = dst[:mark]
		}
	}
	return dst
}

// view returns the bytes as a string without copying. The caller must not
// change b while the string is in use.
func view(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}
