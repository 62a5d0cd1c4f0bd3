package core

import (
	"encoding/base64"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/signet-media/signet/core/internal/policy"
	"github.com/signet-media/signet/core/internal/uri"
)

// Errors returned by Signer.Sign, wrapped with the detail. Callers branch
// with errors.Is.
var (
	// ErrNotAccepted means no key signs the URL: no prefix matches, the
	// URL is excluded, or the matching keys belong to other organizations.
	ErrNotAccepted = errors.New("core: URL cannot be signed")

	// ErrInvalidURL means the URL is not a valid URI reference.
	ErrInvalidURL = errors.New("core: invalid URL")

	// ErrInvalidIP means the IP is neither an address nor a CIDR prefix.
	ErrInvalidIP = errors.New("core: invalid IP")

	// ErrInvalidResource means the resource pattern is malformed, does not
	// cover the URL, or reaches outside the signing key's prefixes.
	ErrInvalidResource = errors.New("core: invalid resource pattern")
)

// SignerConfig configures a Signer.
type SignerConfig struct {
	// Keys are the signing keys. Each needs an ID, a Secret and at least
	// one URL prefix.
	Keys []Key

	// Exclude, when set, is a regular expression (RE2 syntax) that must
	// match a whole URL for it to be excluded from signing.
	Exclude string
}

// Signer signs URLs. It is safe for concurrent use.
type Signer struct {
	keys    []signingKey
	exclude *regexp.Regexp
}

type signingKey struct {
	mac          *macKey
	escapedID    string // the id as written in the keyId parameter
	prefixes     []prefix
	organization string
}

// NewSigner checks cfg and returns a Signer. Errors name the key and the
// value at fault, never a secret.
func NewSigner(cfg SignerConfig) (*Signer, error) {
	s := &Signer{}
	seen := make(map[string]bool)
	for _, k := range cfg.Keys {
		sk, err := newSigningKey(k)
		if err != nil {
			return nil, err
		}
		if seen[k.ID] {
			return nil, errors.New("core: key " + quoteID(k.ID) + " is configured twice")
		}
		seen[k.ID] = true
		s.keys = append(s.keys, sk)
	}
	if cfg.Exclude != "" {
		re, err := regexp.Compile(`^(?:` + cfg.Exclude + `)$`)
		if err != nil {
			return nil, prefixed("core: invalid exclude pattern: ", err)
		}
		s.exclude = re
	}
	return s, nil
}

func newSigningKey(k Key) (signingKey, error) {
	if err := checkKey(k); err != nil {
		return signingKey{}, err
	}
	if len(k.URLs) == 0 {
		return signingKey{}, errors.New("core: key " + quoteID(k.ID) + " has no URL prefix; it could sign nothing")
	}
	sk := signingKey{
		mac:          newMACKey(k.ID, k.Secret),
		escapedID:    queryEscape(k.ID),
		organization: k.Organization,
	}
	for _, u := range k.URLs {
		p, err := parsePrefix(u)
		if err != nil {
			return signingKey{}, prefixed("core: key "+quoteID(k.ID)+": ", err)
		}
		sk.prefixes = append(sk.prefixes, p)
	}
	return sk, nil
}

func checkKey(k Key) error {
	if k.ID == "" {
		return errors.New("core: key with an empty id")
	}
	if k.Secret == "" {
		return errors.New("core: key " + quoteID(k.ID) + " has an empty secret")
	}
	return nil
}

// SignRequest is a request to sign one URL, with its conditions.
type SignRequest struct {
	// URL is the URL to sign: absolute, or a path starting with '/'.
	URL string

	// ValidUntil is the last instant, at millisecond precision, the signed
	// URL is valid.
	ValidUntil time.Time

	// ValidFrom, unless zero, is the first instant the URL is valid.
	ValidFrom time.Time

	// IP, unless blank, binds the URL to a client address or, as an
	// extension, a CIDR prefix.
	IP string

	// Resource, unless empty, is a prefix pattern ending in its only '*'
	// that becomes the policy's Resource (an extension). It must cover URL
	// and lie inside the signing key's prefix.
	Resource string

	// Organization is the caller's organization, compared with a key's
	// Organization.
	Organization string
}

// Signed is a signed URL and what went into it.
type Signed struct {
	URL        string // the signed URL, fragment last
	KeyID      string
	PolicyJSON string // the policy as signed
	Resource   string
	ValidUntil time.Time
}

// Sign signs a URL with the key whose prefix matches it, the longest when
// several do. The URL keeps its bytes: only the fragment and user info are
// removed from the policy's Resource, and earlier signing parameters are
// replaced.
func (s *Signer) Sign(req SignRequest) (Signed, error) {
	if p := uri.Validate(req.URL); p != nil {
		return Signed{}, wrap(ErrInvalidURL, ": ", p.Error())
	}
	parts := uri.Split(req.URL)
	key, err := s.chooseKey(req, &parts)
	if err != nil {
		return Signed{}, err
	}

	pol := policy.Policy{DateLessThan: req.ValidUntil.UnixMilli()}
	if !req.ValidFrom.IsZero() {
		pol.DateGreaterThan, pol.HasDateGreaterThan = req.ValidFrom.UnixMilli(), true
	}
	if err := setIP(&pol, req.IP); err != nil {
		return Signed{}, err
	}
	cleaned := cleanURL(req.URL, &parts)
	if req.Resource != "" {
		if err := checkResource(req.Resource, cleaned, key); err != nil {
			return Signed{}, err
		}
		pol.Resource = []byte(req.Resource)
	} else {
		pol.Resource = unsafe.Slice(unsafe.StringData(cleaned), len(cleaned))
	}
	return key.sign(&pol, cleaned, &parts), nil
}

func (s *Signer) chooseKey(req SignRequest, parts *uri.Parts) (*signingKey, error) {
	if s.excluded(req.URL, parts) {
		return nil, wrap(ErrNotAccepted, ": the URL matches the exclude pattern")
	}
	path := normalPath(parts)
	var best *signingKey
	bestLen := -1
	for i := range s.keys {
		k := &s.keys[i]
		if k.organization != "" && k.organization != req.Organization {
			continue
		}
		for j := range k.prefixes {
			p := &k.prefixes[j]
			if len(p.path) > bestLen && p.matches(parts, path) {
				best, bestLen = k, len(p.path)
			}
		}
	}
	if best == nil {
		return nil, wrap(ErrNotAccepted, ": no key for this URL and organization")
	}
	return best, nil
}

// excluded reports whether the exclude pattern matches the URL as the
// caller wrote it, as Opencast tests it, or in the normalized form in
// which the verifier compares URLs. So HTTP://H/x, http://h:80/x and
// http://h/a/../x are excluded with http://h/x.
func (s *Signer) excluded(rawURL string, parts *uri.Parts) bool {
	if s.exclude == nil {
		return false
	}
	if s.exclude.MatchString(rawURL) {
		return true
	}
	var n normalizer
	normal := n.appendURL(nil, parts, !parts.IsPathOnly(), true)
	return s.exclude.Match(normal)
}

func setIP(pol *policy.Policy, ip string) error {
	if strings.TrimSpace(ip) == "" {
		return nil
	}
	prefix, isPrefix, err := policy.ParseIP(ip)
	if err != nil {
		return wrap(ErrInvalidIP, " ", strconv.Quote(ip), ": ", err.Error(),
			"; write an address such as 10.0.0.1 or 2001:db8::1, or a prefix such as 10.0.0.0/8")
	}
	pol.IP, pol.IPIsPrefix, pol.HasIP = prefix, isPrefix, true
	return nil
}

// normalPath returns the normalized path of a URL to compare with key
// prefixes, so that dot segments cannot lead a URL out of a prefix.
func normalPath(p *uri.Parts) []byte {
	if p.Path != "" && uri.IsNormalPath(p.Path) {
		return unsafe.Slice(unsafe.StringData(p.Path), len(p.Path))
	}
	path, _ := uri.AppendNormalizedPath(nil, nil, p.Path, p.HasAuthority)
	return path
}

// cleanURL returns the URL without fragment, user info, signing parameters
// and an empty query, keeping every other byte.
func cleanURL(raw string, p *uri.Parts) string {
	if !p.HasUserInfo && (!p.HasQuery || p.Query != "" && uri.StripSigningParams(p.Query) == p.Query) {
		if p.HasFragment {
			return raw[:len(raw)-len(p.Fragment)-1]
		}
		return raw
	}
	var b strings.Builder
	if p.Scheme != "" {
		b.WriteString(p.Scheme)
		b.WriteByte(':')
	}
	if p.HasAuthority {
		b.WriteString("//")
		b.WriteString(p.Host)
		if p.HasPort {
			b.WriteByte(':')
			b.WriteString(p.Port)
		}
	}
	b.WriteString(p.Path)
	if q := uri.StripSigningParams(p.Query); q != "" {
		b.WriteByte('?')
		b.WriteString(q)
	}
	return b.String()
}

// checkResource checks a prefix pattern: one '*', at its end, a valid URL
// before it, covering the URL and inside one of the key's prefixes.
func checkResource(pattern, cleaned string, key *signingKey) error {
	base, ok := strings.CutSuffix(pattern, "*")
	if !ok || strings.Contains(base, "*") {
		return wrap(ErrInvalidResource, " ", strconv.Quote(pattern), ": it must end in its only '*'")
	}
	if p := uri.Validate(base); p != nil {
		return wrap(ErrInvalidResource, " ", strconv.Quote(pattern), ": ", p.Error())
	}
	if !coversPrefix(base, cleaned) {
		return wrap(ErrInvalidResource, " ", strconv.Quote(pattern), ": it does not cover the URL")
	}
	parts := uri.Split(base)
	if parts.HasFragment || parts.HasUserInfo {
		return wrap(ErrInvalidResource, " ", strconv.Quote(pattern), ": a pattern has no fragment or user info")
	}
	if uri.StripSigningParams(parts.Query) != parts.Query {
		return wrap(ErrInvalidResource, ": it contains a policy, keyId or signature parameter; give the pattern of the unsigned URLs")
	}
	path, _ := uri.AppendNormalizedPath(nil, nil, parts.Path, false)
	for i := range key.prefixes {
		if key.prefixes[i].containsPattern(&parts, path) {
			return nil
		}
	}
	return wrap(ErrInvalidResource, " ", strconv.Quote(pattern), ": it reaches outside the prefixes of key ", quoteID(key.mac.id))
}

// coversPrefix reports whether the normalized URL starts with the normalized
// prefix base, as a verifier tests a prefix Resource in strict mode.
func coversPrefix(base, rawURL string) bool {
	var n normalizer
	target := uri.Split(rawURL)
	return n.prefixMatches([]byte(base), &target, true)
}

func (k *signingKey) sign(pol *policy.Policy, cleaned string, parts *uri.Parts) Signed {
	var mac [32]byte
	js := policy.AppendJSON(make([]byte, 0, len(pol.Resource)*5/4+128), pol)
	k.mac.appendMAC(mac[:0], js)

	sep := byte('?')
	if strings.IndexByte(cleaned, '?') >= 0 {
		sep = '&'
	}
	enc := base64.RawURLEncoding
	size := len(cleaned) + len("?policy=") + enc.EncodedLen(len(js)) + len("&keyId=") +
		len(k.escapedID) + len("&signature=") + 2*len(mac) + 1 + len(parts.Fragment)
	b := make([]byte, 0, size)
	b = append(append(b, cleaned...), sep)
	b = enc.AppendEncode(append(b, "policy="...), js)
	b = append(append(b, "&keyId="...), k.escapedID...)
	b = appendHex(append(b, "&signature="...), mac[:])
	if parts.HasFragment {
		b = append(append(b, '#'), parts.Fragment...)
	}
	signedURL := unsafe.String(unsafe.SliceData(b), len(b)) // b is never written again
	resource := string(pol.Resource)
	if view(pol.Resource) == cleaned {
		resource = signedURL[:len(cleaned)]
	}
	return Signed{
		URL:        signedURL,
		KeyID:      k.mac.id,
		PolicyJSON: view(js), // js is never written again
		Resource:   resource,
		ValidUntil: time.UnixMilli(pol.DateLessThan),
	}
}

// appendHex appends src in lower-case hex, as Opencast writes signatures.
func appendHex(dst, src []byte) []byte {
	for _, c := range src {
		dst = append(dst, lowerHexDigits[c>>4], lowerHexDigits[c&15])
	}
	return dst
}
