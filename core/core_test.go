package core_test

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/signet-media/signet/core"
)

var (
	testKeys = []core.Key{
		{ID: "k1", Secret: "first secret", URLs: []string{"https://media.example.org/engage", "/engage"}},
		{ID: "k2 & co", Secret: "second secret", URLs: []string{"https://media.example.org/engage/special"}},
	}
	testNow    = time.UnixMilli(1767225600000)
	testClient = netip.MustParseAddr("192.0.2.10")
)

func newPair(t testing.TB, cfg core.VerifierConfig) (*core.Signer, *core.Verifier) {
	t.Helper()
	signer, err := core.NewSigner(core.SignerConfig{Keys: testKeys})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Keys = testKeys
	verifier, err := core.NewVerifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return signer, verifier
}

func sign(t testing.TB, s *core.Signer, req core.SignRequest) core.Signed {
	t.Helper()
	if req.ValidUntil.IsZero() {
		req.ValidUntil = testNow.Add(time.Hour)
	}
	signed, err := s.Sign(req)
	if err != nil {
		t.Fatalf("Sign(%q): %v", req.URL, err)
	}
	return signed
}

func TestRoundTrip(t *testing.T) {
	signer, verifier := newPair(t, core.VerifierConfig{})
	tests := []struct {
		name    string
		req     core.SignRequest
		request string // URL as the client sends it; default: the signed URL
		keyID   string
	}{
		{name: "plain", req: core.SignRequest{URL: "https://media.example.org/engage/a.mp4"}, keyID: "k1"},
		{name: "longest prefix", req: core.SignRequest{URL: "https://media.example.org/engage/special/a.mp4"}, keyID: "k2 & co"},
		{name: "query kept", req: core.SignRequest{URL: "https://media.example.org/engage/a.mp4?lang=de&x=%2F"}, keyID: "k1"},
		{name: "fragment", req: core.SignRequest{URL: "https://media.example.org/engage/a.mp4#t=10"}, keyID: "k1"},
		{name: "path only", req: core.SignRequest{URL: "/engage/a.mp4"}, request: "http://any.example.net/engage/a.mp4", keyID: "k1"},
		{name: "ip bound", req: core.SignRequest{URL: "https://media.example.org/engage/a.mp4", IP: "192.0.2.10"}, keyID: "k1"},
		{name: "cidr", req: core.SignRequest{URL: "https://media.example.org/engage/a.mp4", IP: "192.0.2.0/24"}, keyID: "k1"},
		{name: "valid from", req: core.SignRequest{URL: "https://media.example.org/engage/a.mp4", ValidFrom: testNow}, keyID: "k1"},
		{name: "prefix scope", req: core.SignRequest{URL: "https://media.example.org/engage/hls/master.m3u8", Resource: "https://media.example.org/engage/hls/*"},
			request: "https://media.example.org/engage/hls/720p/seg1.ts", keyID: "k1"},
		{name: "unicode path", req: core.SignRequest{URL: "https://media.example.org/engage/vidéo.mp4"}, keyID: "k1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			signed := sign(t, signer, tc.req)
			if signed.KeyID != tc.keyID {
				t.Errorf("KeyID = %q, want %q", signed.KeyID, tc.keyID)
			}
			request := signed.URL
			if tc.request != "" {
				_, query, _ := strings.Cut(signed.URL, "?")
				request = tc.request + "?" + query
			}
			request, _, _ = strings.Cut(request, "#")
			r := verifier.Verify(request, testClient, testNow)
			if r.Status != 200 || r.Reason != core.ReasonOK {
				t.Fatalf("Verify(%q) = %d %s, want 200 ok", request, r.Status, r.Reason)
			}
			if r.KeyID != tc.keyID {
				t.Errorf("Result.KeyID = %q, want %q", r.KeyID, tc.keyID)
			}
			if !r.ValidUntil.Equal(signed.ValidUntil) {
				t.Errorf("Result.ValidUntil = %v, want %v", r.ValidUntil, signed.ValidUntil)
			}
		})
	}
}

// TestTamperedByte flips every byte of a signed URL, one at a time, and
// checks that no variant is granted unless the flip changed nothing the
// protocol protects.
func TestTamperedByte(t *testing.T) {
	signer, verifier := newPair(t, core.VerifierConfig{})
	signed := sign(t, signer, core.SignRequest{URL: "https://media.example.org/engage/a.mp4", IP: "192.0.2.10"})
	for i := 0; i < len(signed.URL); i++ {
		for _, flip := range []byte{0x01, 0x20} {
			b := []byte(signed.URL)
			b[i] ^= flip
			tampered := string(b)
			r := verifier.Verify(tampered, testClient, testNow)
			if r.OK() && !equivalentURL(signed.URL, tampered) {
				t.Errorf("byte %d flipped (%q): Verify = 200, want a rejection", i, tampered)
			}
		}
	}
}

// equivalentURL reports whether a tampered URL differs only where the
// protocol allows: the case of the scheme, the host and the hex digits of
// the signature.
func equivalentURL(orig, tampered string) bool {
	origBase, origSig, _ := strings.Cut(orig, "&signature=")
	tampBase, tampSig, ok := strings.Cut(tampered, "&signature=")
	if !ok || !strings.EqualFold(origSig, tampSig) {
		return false
	}
	const origin = len("https://media.example.org")
	return strings.EqualFold(origBase[:origin], tampBase[:origin]) && origBase[origin:] == tampBase[origin:]
}

func TestVerifyRejects(t *testing.T) {
	signer, verifier := newPair(t, core.VerifierConfig{})
	signed := sign(t, signer, core.SignRequest{URL: "https://media.example.org/engage/a.mp4", IP: "192.0.2.10"})
	tests := []struct {
		name   string
		url    string
		client netip.Addr
		now    time.Time
		status int
		reason core.Reason
	}{
		{"unsigned", "https://media.example.org/engage/a.mp4", testClient, testNow, 401, core.ReasonUnsigned},
		{"other client", signed.URL, netip.MustParseAddr("192.0.2.11"), testNow, 403, core.ReasonIPMismatch},
		{"no client address", signed.URL, netip.Addr{}, testNow, 403, core.ReasonIPMismatch},
		{"expired", signed.URL, testClient, testNow.Add(time.Hour + time.Millisecond), 410, core.ReasonExpired},
		{"last valid millisecond", signed.URL, testClient, testNow.Add(time.Hour), 200, core.ReasonOK},
		{"other file", strings.Replace(signed.URL, "a.mp4", "b.mp4", 1), testClient, testNow, 403, core.ReasonResourceMismatch},
		{"dot segments out", strings.Replace(signed.URL, "/engage/a.mp4", "/engage/x/../../a.mp4", 1), testClient, testNow, 403, core.ReasonResourceMismatch},
		{"empty signature", strings.Split(signed.URL, "&signature=")[0] + "&signature=", testClient, testNow, 400, core.ReasonMissingParameter},
		{"empty signature before the signed query", strings.Replace(signed.URL, "?", "?signature=&", 1), testClient, testNow, 400, core.ReasonMissingParameter},
		{"empty signature after the signed query", signed.URL + "&signature=", testClient, testNow, 400, core.ReasonMissingParameter},
		{"unknown key", strings.Replace(signed.URL, "keyId=k1", "keyId=k9", 1), testClient, testNow, 403, core.ReasonUnknownKey},
		{"key of another secret", strings.Replace(signed.URL, "keyId=k1", "keyId=k2+%26+co", 1), testClient, testNow, 403, core.ReasonInvalidSignature},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := verifier.Verify(tc.url, tc.client, tc.now)
			if r.Status != tc.status || r.Reason != tc.reason {
				t.Errorf("Verify = %d %s, want %d %s", r.Status, r.Reason, tc.status, tc.reason)
			}
		})
	}
}

func TestLeeway(t *testing.T) {
	signer, verifier := newPair(t, core.VerifierConfig{Leeway: 30 * time.Second})
	signed := sign(t, signer, core.SignRequest{
		URL:        "https://media.example.org/engage/a.mp4",
		ValidFrom:  testNow.Add(time.Minute),
		ValidUntil: testNow.Add(time.Hour),
	})
	tests := []struct {
		name   string
		now    time.Time
		reason core.Reason
	}{
		{"before leeway", testNow.Add(30*time.Second - time.Millisecond), core.ReasonNotYetValid},
		{"start of leeway", testNow.Add(30 * time.Second), core.ReasonOK},
		{"end of leeway", testNow.Add(time.Hour + 30*time.Second), core.ReasonOK},
		{"after leeway", testNow.Add(time.Hour + 30*time.Second + time.Millisecond), core.ReasonExpired},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if r := verifier.Verify(signed.URL, testClient, tc.now); r.Reason != tc.reason {
				t.Errorf("Verify = %d %s, want %s", r.Status, r.Reason, tc.reason)
			}
		})
	}
}

func TestNonStrict(t *testing.T) {
	signer, verifier := newPair(t, core.VerifierConfig{NonStrict: true})
	signed := sign(t, signer, core.SignRequest{URL: "https://media.example.org/engage/a.mp4"})
	_, query, _ := strings.Cut(signed.URL, "?")
	for request, want := range map[string]core.Reason{
		"http://cdn.example.net:8080/engage/a.mp4?" + query: core.ReasonOK,
		"https://media.example.org/a.mp4?" + query:          core.ReasonResourceMismatch,
		"https://media.example.org/engage/b.mp4?" + query:   core.ReasonResourceMismatch,
	} {
		if r := verifier.Verify(request, testClient, testNow); r.Reason != want {
			t.Errorf("Verify(%q) = %s, want %s", request, r.Reason, want)
		}
	}
}

func TestSignErrors(t *testing.T) {
	signer, _ := newPair(t, core.VerifierConfig{})
	tests := []struct {
		name string
		req  core.SignRequest
		want error
		text string // must appear in the message
	}{
		{"raw space", core.SignRequest{URL: "https://media.example.org/engage/a b.mp4"}, core.ErrInvalidURL, "byte 34"},
		{"broken escape", core.SignRequest{URL: "https://media.example.org/engage/a%zz.mp4"}, core.ErrInvalidURL, "%25"},
		{"other host", core.SignRequest{URL: "https://evil.example.org/engage/a.mp4"}, core.ErrNotAccepted, ""},
		{"prefix not a segment", core.SignRequest{URL: "https://media.example.org/engagement/a.mp4"}, core.ErrNotAccepted, ""},
		{"dot segments out", core.SignRequest{URL: "https://media.example.org/engage/../private/a.mp4"}, core.ErrNotAccepted, ""},
		{"host name as IP", core.SignRequest{URL: "https://media.example.org/engage/a.mp4", IP: "localhost"}, core.ErrInvalidIP, `"localhost"`},
		{"zone", core.SignRequest{URL: "https://media.example.org/engage/a.mp4", IP: "fe80::1%eth0"}, core.ErrInvalidIP, ""},
		{"two stars", core.SignRequest{URL: "https://media.example.org/engage/a.mp4", Resource: "https://media.example.org/*/*"}, core.ErrInvalidResource, "only '*'"},
		{"no star", core.SignRequest{URL: "https://media.example.org/engage/a.mp4", Resource: "https://media.example.org/engage/"}, core.ErrInvalidResource, ""},
		// The prefix is https://media.example.org/engage: a '*' right
		// after it would also cover /engagement/ and /engage-b/.
		{"pattern past the prefix", core.SignRequest{URL: "https://media.example.org/engage/a.mp4", Resource: "https://media.example.org/engage*"}, core.ErrInvalidResource, "reaches outside the prefixes"},
		{"path-only pattern past the prefix", core.SignRequest{URL: "/engage/a.mp4", Resource: "/engage*"}, core.ErrInvalidResource, "reaches outside the prefixes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.ValidUntil = testNow
			_, err := signer.Sign(tc.req)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Sign error = %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.text) {
				t.Errorf("error %q does not mention %q", err, tc.text)
			}
		})
	}
}

// TestResourceInsidePrefix checks which prefix patterns lie inside a key's
// prefix when that prefix does or does not end in '/', or has no path.
func TestResourceInsidePrefix(t *testing.T) {
	for _, tc := range []struct {
		prefix, url, pattern string
		ok                   bool
	}{
		{"https://h.example/engage", "https://h.example/engage/a.mp4", "https://h.example/engage/*", true},
		{"https://h.example/engage", "https://h.example/engage/a.mp4", "https://h.example/engage/a*", true},
		{"https://h.example/engage", "https://h.example/engage/a.mp4", "https://h.example/engage*", false},
		{"https://h.example/engage", "https://h.example/engage?id=1", "https://h.example/engage?id=*", true},
		{"https://h.example/engage", "https://h.example/engage?id=1", "https://h.example/engage?*", false},
		{"https://h.example/engage/", "https://h.example/engage/a.mp4", "https://h.example/engage/*", true},
		{"https://h.example/engage/", "https://h.example/engage/a.mp4", "https://h.example/engage/a*", true},
		{"https://h.example", "https://h.example/a.mp4", "https://h.example/*", true},
		{"https://h.example", "https://h.example/a.mp4", "https://h.example*", false},
	} {
		signer, err := core.NewSigner(core.SignerConfig{Keys: []core.Key{{ID: "k", Secret: "secret", URLs: []string{tc.prefix}}}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = signer.Sign(core.SignRequest{URL: tc.url, Resource: tc.pattern, ValidUntil: testNow})
		if ok := err == nil; ok != tc.ok {
			t.Errorf("key %s, pattern %s: error %v, expected accepted = %v", tc.prefix, tc.pattern, err, tc.ok)
		}
	}
}

func TestConfigErrorsHideSecrets(t *testing.T) {
	_, err := core.NewSigner(core.SignerConfig{Keys: []core.Key{{ID: "k", Secret: "s3cr3t-value", URLs: []string{"not a url"}}}})
	if err == nil {
		t.Fatal("NewSigner accepted an invalid prefix")
	}
	if strings.Contains(err.Error(), "s3cr3t-value") {
		t.Errorf("error %q contains the secret", err)
	}
	_, err = core.NewVerifier(core.VerifierConfig{Keys: []core.Key{
		{ID: "k", Secret: "s3cr3t-one"}, {ID: "k", Secret: "s3cr3t-two"},
	}})
	if err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("NewVerifier with conflicting secrets: error %v", err)
	}
}

func TestResignReplacesSignature(t *testing.T) {
	signer, verifier := newPair(t, core.VerifierConfig{})
	first := sign(t, signer, core.SignRequest{URL: "https://media.example.org/engage/a.mp4?lang=de"})
	second := sign(t, signer, core.SignRequest{URL: first.URL, ValidUntil: testNow.Add(2 * time.Hour)})
	if n := strings.Count(second.URL, "signature="); n != 1 {
		t.Fatalf("re-signed URL has %d signatures: %s", n, second.URL)
	}
	if r := verifier.Verify(second.URL, testClient, testNow.Add(90*time.Minute)); !r.OK() {
		t.Errorf("re-signed URL: Verify = %d %s", r.Status, r.Reason)
	}
}

func TestVerifyAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool allocate")
	}
	signer, verifier := newPair(t, core.VerifierConfig{})
	signed := sign(t, signer, core.SignRequest{URL: "https://media.example.org/engage/a.mp4", IP: "192.0.2.10"})
	verifier.Verify(signed.URL, testClient, testNow) // fill the pools
	allocs := testing.AllocsPerRun(100, func() {
		verifier.Verify(signed.URL, testClient, testNow)
	})
	if allocs != 0 {
		t.Errorf("Verify allocates %.1f times per call, want 0", allocs)
	}
}

// TestExcludeSpellings checks that the exclude pattern applies to every
// spelling of an excluded URL that the verifier reads as the same.
func TestExcludeSpellings(t *testing.T) {
	signer, err := core.NewSigner(core.SignerConfig{
		Keys:    []core.Key{{ID: "k", Secret: "secret", URLs: []string{"http://h.example/"}}},
		Exclude: "http://h.example/private/.*",
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, rawURL := range []string{
		"http://h.example/private/a.mp4",
		"HTTP://h.example/private/a.mp4",
		"http://H.EXAMPLE/private/a.mp4",
		"http://h.example:80/private/a.mp4",
		"http://h.example/public/../private/a.mp4",
		"http://h.example/%70rivate/a.mp4",
		"http://x@h.example/private/a.mp4",
	} {
		if _, err := signer.Sign(core.SignRequest{URL: rawURL, ValidUntil: testNow}); !errors.Is(err, core.ErrNotAccepted) {
			t.Errorf("Sign(%s): error %v, expected ErrNotAccepted", rawURL, err)
		}
	}
	if _, err := signer.Sign(core.SignRequest{URL: "http://h.example/public/a.mp4", ValidUntil: testNow}); err != nil {
		t.Errorf("Sign of a URL outside the exclusion: %v", err)
	}
}
