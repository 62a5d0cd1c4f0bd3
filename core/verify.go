package core

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"math"
	"net/netip"
	"sync"
	"time"
	"unsafe"

	"github.com/signet-media/signet/core/internal/policy"
	"github.com/signet-media/signet/core/internal/uri"
)

// Reason is the stable code of a verification's outcome: why a request
// was rejected, or "ok".
type Reason string

// The reasons, in the order the checks run. The first check that fails
// decides the result.
const (
	ReasonUnsigned           Reason = "unsigned"            // 401: no signing parameter
	ReasonMissingParameter   Reason = "missing-parameter"   // 400: some absent or empty
	ReasonDuplicateParameter Reason = "duplicate-parameter" // 400: one given twice
	ReasonUnknownKey         Reason = "unknown-key"         // 403: no key has the id
	ReasonMalformedPolicy    Reason = "malformed-policy"    // 400: not a policy
	ReasonInvalidSignature   Reason = "invalid-signature"   // 403
	ReasonIPMismatch         Reason = "ip-mismatch"         // 403
	ReasonResourceMismatch   Reason = "resource-mismatch"   // 403
	ReasonExpired            Reason = "expired"             // 410
	ReasonNotYetValid        Reason = "not-yet-valid"       // 410
	ReasonOK                 Reason = "ok"                  // 200
)

// Result is the outcome of a verification.
type Result struct {
	Status int // HTTP status: 200, 400, 401, 403 or 410
	Reason Reason

	// KeyID is the id of the configured key named by the URL, or empty
	// when the URL names none.
	KeyID string

	// ValidUntil is the policy's end of validity, or the zero time when
	// the policy was not read.
	ValidUntil time.Time

	// Prefix reports whether the policy's Resource is a prefix pattern.
	Prefix bool
}

// OK reports whether the request is granted.
func (r Result) OK() bool { return r.Status == 200 }

// VerifierConfig configures a Verifier. The zero value of every field but
// Keys is the default.
type VerifierConfig struct {
	// Keys are the keys that signatures may be made with. Only ID and
	// Secret are used.
	Keys []Key

	// NonStrict compares only the paths of the Resource and the request,
	// ignoring scheme, host, port and query. Default: strict.
	NonStrict bool

	// Leeway widens both time bounds of a policy to allow for clock skew
	// between the signer and the verifier. Default: 0.
	Leeway time.Duration
}

// Verifier checks signed URLs. It is safe for concurrent use.
type Verifier struct {
	keys    map[string]*macKey
	strict  bool
	leeway  int64 // milliseconds
	scratch sync.Pool
}

// scratch holds the buffers of one verification.
type scratch struct {
	keyID, paramBuf, policy, canonical []byte
	param                              string // the policy parameter, percent-decoded
	parsed                             policy.Buffer
	mac                                [32]byte
	norm                               normalizer
}

// NewVerifier checks cfg and returns a Verifier.
func NewVerifier(cfg VerifierConfig) (*Verifier, error) {
	if cfg.Leeway < 0 {
		return nil, errors.New("core: negative leeway " + cfg.Leeway.String() + "; use 0 or more")
	}
	v := &Verifier{
		keys:   make(map[string]*macKey, len(cfg.Keys)),
		strict: !cfg.NonStrict,
		leeway: cfg.Leeway.Milliseconds(),
	}
	v.scratch.New = func() any { return new(scratch) }
	for _, k := range cfg.Keys {
		if err := checkKey(k); err != nil {
			return nil, err
		}
		if old, ok := v.keys[k.ID]; ok && string(old.secret) != k.Secret {
			return nil, errors.New("core: key " + quoteID(k.ID) + " is configured twice with different secrets")
		}
		v.keys[k.ID] = newMACKey(k.ID, k.Secret)
	}
	return v, nil
}

// Verify checks a request URL, exactly as the client sent it (scheme, host,
// port, raw path and raw query), for a client address at the time now.
//
// The checks run in the order of the Reason constants and the first that
// fails decides, so a tampered policy reveals nothing about its dates. The
// signature is compared in constant time, without leaking timing
// information, and is accepted when it is the HMAC of the policy as this
// package writes it, of the decoded policy bytes as received, or of the
// policy parameter's text. Verify does not allocate.
func (v *Verifier) Verify(rawURL string, client netip.Addr, now time.Time) Result {
	target := uri.Split(rawURL)
	var params [3]string
	if r, ok := findSigningParams(target.Query, &params); !ok {
		return r
	}

	s := v.scratch.Get().(*scratch)
	defer v.scratch.Put(s)

	var keyID string
	keyID, s.keyID = uri.QueryUnescape(params[uri.ParamKeyID], s.keyID)
	key := v.keys[keyID]
	if key == nil {
		return Result{Status: 403, Reason: ReasonUnknownKey}
	}
	res := Result{KeyID: key.id}

	pol, ok := s.readPolicy(params[uri.ParamPolicy])
	if !ok {
		return res.with(400, ReasonMalformedPolicy)
	}
	res.ValidUntil = time.UnixMilli(pol.DateLessThan)
	res.Prefix = len(pol.Resource) > 0 && pol.Resource[len(pol.Resource)-1] == '*'

	if !s.signatureValid(key, &pol, params[uri.ParamSignature]) {
		return res.with(403, ReasonInvalidSignature)
	}
	if pol.HasIP && !pol.Contains(client) {
		return res.with(403, ReasonIPMismatch)
	}
	if !s.norm.resourceMatches(pol.Resource, &target, v.strict) {
		return res.with(403, ReasonResourceMismatch)
	}
	return res.with(v.checkTime(&pol, now.UnixMilli()))
}

func (r Result) with(status int, reason Reason) Result {
	r.Status, r.Reason = status, reason
	return r
}

// findSigningParams stores the raw values of policy, keyId and signature in
// params. It returns false with the result when they are not each present
// exactly once and non-empty.
func findSigningParams(query string, params *[3]string) (Result, bool) {
	var count [3]int
	empty := false // some occurrence has no value, wherever it appears
	for rest := query; ; {
		param, tail, more := uri.Cut(rest, '&')
		name, value, _ := uri.Cut(param, '=')
		if i := uri.SigningParam(name); i >= 0 {
			count[i]++
			params[i] = value
			empty = empty || value == ""
		}
		if !more {
			break
		}
		rest = tail
	}
	switch {
	case count == [3]int{}:
		return Result{Status: 401, Reason: ReasonUnsigned}, false
	case count[0] == 0 || count[1] == 0 || count[2] == 0 || empty:
		return Result{Status: 400, Reason: ReasonMissingParameter}, false
	case count[0] > 1 || count[1] > 1 || count[2] > 1:
		return Result{Status: 400, Reason: ReasonDuplicateParameter}, false
	}
	return Result{}, true
}

// maxPolicyParam is the longest policy parameter, in decoded characters,
// that can hold a policy of policy.MaxSize bytes: padded base64 plus slack
// for line breaks, which the decoder skips.
const maxPolicyParam = (policy.MaxSize+2)/3*4 + 64

// readPolicy percent-decodes and base64-decodes the policy parameter, in
// either alphabet, with or without padding, and parses it.
func (s *scratch) readPolicy(raw string) (policy.Policy, bool) {
	if len(raw) > 3*maxPolicyParam {
		return policy.Policy{}, false
	}
	s.param, s.paramBuf = uri.QueryUnescape(raw, s.paramBuf)
	if len(s.param) > maxPolicyParam || !s.decodeBase64(s.param) {
		return policy.Policy{}, false
	}
	pol, err := policy.Parse(s.policy, &s.parsed)
	return pol, err == nil
}

// decodeBase64 decodes text into s.policy. It tries the URL-safe alphabet
// without padding first, as signers write it, then maps the standard
// alphabet to it and strips the padding.
func (s *scratch) decodeBase64(text string) bool {
	enc := base64.RawURLEncoding
	s.policy = grow(s.policy, enc.DecodedLen(len(text)))
	if n, err := enc.Decode(s.policy, unsafe.Slice(unsafe.StringData(text), len(text))); err == nil {
		s.policy = s.policy[:n]
		return true
	}
	mapped := append(s.canonical[:0], text...)
	for len(mapped) > 0 && mapped[len(mapped)-1] == '=' {
		mapped = mapped[:len(mapped)-1]
	}
	for i, c := range mapped {
		switch c {
		case '+':
			mapped[i] = '-'
		case '/':
			mapped[i] = '_'
		}
	}
	s.canonical = mapped
	n, err := enc.Decode(s.policy, mapped)
	s.policy = s.policy[:n]
	return err == nil
}

func grow(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, n)
	}
	return b[:n]
}

// signatureValid reports whether the hex signature is the HMAC of the
// policy bytes as received, of the policy as rendered here, or of the
// policy parameter's text. For a policy written by this package or by
// Opencast the first two are the same bytes, so one HMAC suffices.
func (s *scratch) signatureValid(key *macKey, pol *policy.Policy, sigHex string) bool {
	var sig [32]byte
	if !decodeHex(sig[:], sigHex) {
		return false
	}
	if macEqual(key.appendMAC(s.mac[:0], s.policy), sig[:]) {
		return true
	}
	s.canonical = policy.AppendJSON(s.canonical[:0], pol)
	if string(s.canonical) != string(s.policy) &&
		macEqual(key.appendMAC(s.mac[:0], s.canonical), sig[:]) {
		return true
	}
	s.canonical = append(s.canonical[:0], s.param...)
	return macEqual(key.appendMAC(s.mac[:0], s.canonical), sig[:])
}

// macEqual compares two MACs in constant time.
func macEqual(a, b []byte) bool {
	return subtle.ConstantTimeCompare(a, b) == 1
}

// decodeHex decodes exactly len(dst)*2 hex digits of either case, after
// percent-decoding, into dst.
func decodeHex(dst []byte, raw string) bool {
	if len(raw) == len(dst)*2 {
		return decodeHexDigits(dst, raw)
	}
	var text [64]byte
	n := 0
	for i := 0; i < len(raw); i++ {
		if n == len(dst)*2 {
			return false
		}
		text[n] = uri.DecodeAt(raw, &i)
		n++
	}
	return n == len(dst)*2 && decodeHexDigits(dst, view(text[:n]))
}

// hexValues maps a hex digit of either case to its value plus one, and
// every other byte to zero.
var hexValues = func() (t [256]byte) {
	for i, c := range "0123456789abcdef" {
		t[c] = byte(i) + 1
	}
	for i, c := range "ABCDEF" {
		t[c] = byte(i) + 11
	}
	return t
}()

func decodeHexDigits(dst []byte, text string) bool {
	_ = text[2*len(dst)-1]
	valid := byte(1)
	for i := range dst {
		hi, lo := hexValues[text[2*i]], hexValues[text[2*i+1]]
		valid &= min(hi, 1) & min(lo, 1)
		dst[i] = (hi-1)<<4 | (lo - 1)
	}
	return valid == 1
}

// checkTime compares now with the policy's bounds, widened by the leeway.
// The request is valid in the millisecond of DateLessThan itself and from
// the millisecond of DateGreaterThan on.
func (v *Verifier) checkTime(pol *policy.Policy, now int64) (int, Reason) {
	if now > addSaturated(pol.DateLessThan, v.leeway) {
		return 410, ReasonExpired
	}
	if pol.HasDateGreaterThan && now < addSaturated(pol.DateGreaterThan, -v.leeway) {
		return 410, ReasonNotYetValid
	}
	return 200, ReasonOK
}

func addSaturated(a, b int64) int64 {
	switch {
	case b > 0 && a > math.MaxInt64-b:
		return math.MaxInt64
	case b < 0 && a < math.MinInt64-b:
		return math.MinInt64
	}
	return a + b
}
