package core

import (
	"net/netip"
	"strings"
	"time"

	"github.com/signet-media/signet/core/internal/uri"
)

// Scope is the set of URLs that one prefix-scoped policy grants: a policy
// whose Resource ends in '*'. It lets a server that delivers an HLS
// playlist decide which of the playlist's URIs the request's signature
// also authorizes. The zero Scope covers nothing. A Scope is immutable and
// safe for concurrent use.
type Scope struct {
	prefix     string // the normalized text before the '*'
	withOrigin bool   // compare scheme, host and port, not only the path
	valid      bool
}

// Covers reports whether the policy that made the scope grants rawURL, as
// far as the resource is concerned: whether rawURL, normalized as Verify
// normalizes a request URL, starts with the normalized text before the
// pattern's '*'. Dot segments are removed first, so ".." cannot leave the
// scope, and the signing parameters of rawURL are ignored. rawURL must be
// absolute unless the verifier is non-strict or the pattern is a path.
// Covers checks neither time nor client address: those are the same for
// every URL of the scope and were checked by VerifyScope.
func (sc Scope) Covers(rawURL string) bool {
	if !sc.valid {
		return false
	}
	var n normalizer
	target := uri.Split(rawURL)
	if sc.withOrigin && target.IsPathOnly() {
		return false
	}
	got := n.appendURL(nil, &target, sc.withOrigin, true)
	return strings.HasPrefix(view(got), sc.prefix)
}

// VerifyScope verifies rawURL exactly as Verify does. When the request is
// granted and the policy's Resource is a prefix pattern, it also returns
// the Scope of that pattern and true. Unlike Verify, it reads the policy a
// second time and allocates the scope's prefix, so call it only where the
// scope is needed, such as for playlists.
func (v *Verifier) VerifyScope(rawURL string, client netip.Addr, now time.Time) (Result, Scope, bool) {
	res := v.Verify(rawURL, client, now)
	if !res.OK() || !res.Prefix {
		return res, Scope{}, false
	}
	var params [3]string
	findSigningParams(uri.Split(rawURL).Query, &params)

	s := v.scratch.Get().(*scratch)
	defer v.scratch.Put(s)
	pol, ok := s.readPolicy(params[uri.ParamPolicy])
	if !ok {
		return res, Scope{}, false // unreachable: Verify read the same policy
	}
	return res, s.norm.scope(pol.Resource, v.strict), true
}

// scope returns the Scope of a prefix pattern, with its '*', built with
// the same normalization as prefixMatches.
func (n *normalizer) scope(pattern []byte, strict bool) Scope {
	base := uri.Split(view(pattern[:len(pattern)-1]))
	withOrigin := strict && !base.IsPathOnly()
	n.want = n.appendURL(n.want[:0], &base, withOrigin, true)
	return Scope{prefix: string(n.want), withOrigin: withOrigin, valid: true}
}
