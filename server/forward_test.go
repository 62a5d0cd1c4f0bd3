package server

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/signet-media/signet/config"
	"github.com/signet-media/signet/core"
)

// trustLoopback makes the test client, on 127.0.0.1, a trusted proxy.
func trustLoopback(cfg *config.Config) {
	cfg.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
}

// signAt signs a URL of another origin with a key for it.
func (f *fixture) signAt(rawURL, ip string, validUntil time.Time) string {
	f.t.Helper()
	signer, err := core.NewSigner(core.SignerConfig{Keys: []core.Key{
		{ID: "main", Secret: secretMain, URLs: []string{"https://cdn.example.org/media"}},
	}})
	if err != nil {
		f.t.Fatal(err)
	}
	signed, err := signer.Sign(core.SignRequest{URL: rawURL, IP: ip, ValidUntil: validUntil})
	if err != nil {
		f.t.Fatalf("signing %s: %v", rawURL, err)
	}
	return signed.URL
}

// authHeaders returns the headers of a forward authentication request for
// the original URL https://cdn.example.org<target>.
func authHeaders(target string, more ...string) []string {
	return append([]string{
		"X-Original-URI", target,
		"X-Forwarded-Host", "cdn.example.org",
		"X-Forwarded-Proto", "https",
		"X-Forwarded-For", "198.51.100.7",
	}, more...)
}

func TestForwardAuth(t *testing.T) {
	f := newFixture(t, trustLoopback)
	valid := strings.TrimPrefix(f.signAt("https://cdn.example.org/media/a.mp4", "198.51.100.7", start.Add(time.Hour)), "https://cdn.example.org")
	expired := strings.TrimPrefix(f.signAt("https://cdn.example.org/media/a.mp4", "", start.Add(-time.Minute)), "https://cdn.example.org")
	tampered := valid[:len(valid)-1] + flipLastHex(valid)
	// Signed for /media/sub/a.mp4, which the verifier reads in
	// /media/sub//../a.mp4, while nginx would serve /media/a.mp4.
	sub := strings.TrimPrefix(f.signAt("https://cdn.example.org/media/sub/a.mp4", "198.51.100.7", start.Add(time.Hour)), "https://cdn.example.org")
	escape := strings.Replace(sub, "/media/sub/a.mp4", "/media/sub//../a.mp4", 1)
	tests := []struct {
		name       string
		target     string // of the auth request
		headers    []string
		wantStatus int
		wantReal   string // X-Signet-Status
		wantReason string
	}{
		{"signed", "/auth", authHeaders(valid), 200, "200", "ok"},
		{"signed via X-Forwarded-Uri", "/auth", []string{"X-Forwarded-Uri", valid, "X-Forwarded-Host", "cdn.example.org",
			"X-Forwarded-Proto", "https", "X-Forwarded-For", "198.51.100.7"}, 200, "200", "ok"},
		{"both URI headers equal", "/auth", authHeaders(valid, "X-Forwarded-Uri", valid), 200, "200", "ok"},
		{"unsigned", "/auth", authHeaders("/media/a.mp4"), 401, "401", "unsigned"},
		{"tampered", "/auth", authHeaders(tampered), 403, "403", "invalid-signature"},
		{"other client", "/auth", authHeaders(valid, "X-Forwarded-For", "203.0.113.1"), 403, "403", "ip-mismatch"},
		{"other host", "/auth", authHeaders(valid, "X-Forwarded-Host", "other.example.org"), 403, "403", "resource-mismatch"},
		{"plain http", "/auth", authHeaders(valid, "X-Forwarded-Proto", "http"), 403, "403", "resource-mismatch"},
		{"expired", "/auth", authHeaders(expired), 410, "410", "expired"},
		{"expired for nginx", "/auth?nginx=1", authHeaders(expired), 403, "410", "expired"},
		{"expired for nginx=true", "/auth?nginx=true", authHeaders(expired), 403, "410", "expired"},
		{"nginx=false", "/auth?nginx=false", authHeaders(expired), 410, "410", "expired"},
		{"nginx=yes", "/auth?nginx=yes", authHeaders(expired), 403, "400", "invalid-forwarded-header"},
		{"nginx twice", "/auth?nginx=1&nginx=0", authHeaders(expired), 403, "400", "invalid-forwarded-header"},
		{"malformed for nginx", "/auth?nginx=1", authHeaders("/media/a.mp4?policy=x&keyId=main&signature=00"), 403, "400", "malformed-policy"},
		{"unsigned for nginx", "/auth?nginx=1", authHeaders("/media/a.mp4"), 401, "401", "unsigned"},
		{"no original URI", "/auth", []string{"X-Forwarded-Host", "cdn.example.org"}, 400, "400", "missing-original-uri"},
		{"URI headers differ", "/auth", authHeaders(valid, "X-Forwarded-Uri", "/media/public.mp4"), 400, "400", "invalid-forwarded-header"},
		{"URI not a path", "/auth", authHeaders("https://cdn.example.org" + valid), 400, "400", "invalid-forwarded-header"},
		{"garbage client", "/auth?nginx=1", authHeaders(valid, "X-Forwarded-For", "nonsense"), 403, "400", "invalid-forwarded-header"},
		{"empty segment and dot dot", "/auth", authHeaders(escape), 400, "400", "ambiguous-path"},
		{"empty segment and dot dot for nginx", "/auth?nginx=1", authHeaders(escape), 403, "400", "ambiguous-path"},
		{"encoded dot dot", "/auth", authHeaders(strings.Replace(valid, "/media/", "/media/x/%2E%2E/", 1)), 400, "400", "ambiguous-path"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := f.get(tc.target, tc.headers...)
			if r.status != tc.wantStatus {
				t.Errorf("status %d, expected %d; body %s", r.status, tc.wantStatus, r.body)
			}
			if got := r.header.Get(statusHeader); got != tc.wantReal {
				t.Errorf("%s %q, expected %q", statusHeader, got, tc.wantReal)
			}
			if got := r.header.Get(reasonHeader); got != tc.wantReason {
				t.Errorf("%s %q, expected %q", reasonHeader, got, tc.wantReason)
			}
			if tc.wantStatus != 200 {
				checkError(t, r, tc.wantStatus)
			}
		})
	}
	if logs := f.logs.String(); strings.Contains(logs, queryValue(valid, "signature")) {
		t.Errorf("the log contains a signature:\n%s", logs)
	}
}

// TestForwardAuthHiddenPath checks that /auth refuses files whose name
// starts with '.', as the media route does, also under a prefix
// signature that covers them.
func TestForwardAuthHiddenPath(t *testing.T) {
	f := newFixture(t, trustLoopback)
	signer, err := core.NewSigner(core.SignerConfig{Keys: []core.Key{
		{ID: "main", Secret: secretMain, URLs: []string{"https://cdn.example.org/media"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	signed, err := signer.Sign(core.SignRequest{URL: "https://cdn.example.org/media/hls/a.ts",
		Resource: "https://cdn.example.org/media/hls/*", ValidUntil: start.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	query := signed.URL[strings.Index(signed.URL, "?"):]
	for _, tc := range []struct {
		path       string
		target     string
		wantStatus int
		wantReal   string
		wantReason string
	}{
		{"/media/hls/a.ts", "/auth", 200, "200", "ok"},
		{"/media/hls/.git/config", "/auth", 404, "404", "hidden-path"},
		{"/media/hls/.htpasswd", "/auth?nginx=1", 403, "404", "hidden-path"},
		{"/media/hls/%2Eenv", "/auth", 404, "404", "hidden-path"},
		{"/media/hls/a.b/c.ts", "/auth", 200, "200", "ok"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			r := f.get(tc.target, authHeaders(tc.path+query)...)
			if r.status != tc.wantStatus {
				t.Errorf("status %d, expected %d; body %s", r.status, tc.wantStatus, r.body)
			}
			if got := r.header.Get(statusHeader); got != tc.wantReal {
				t.Errorf("%s %q, expected %q", statusHeader, got, tc.wantReal)
			}
			if got := r.header.Get(reasonHeader); got != tc.wantReason {
				t.Errorf("%s %q, expected %q", reasonHeader, got, tc.wantReason)
			}
		})
	}
}

// TestForwardAuthCacheTime checks X-Accel-Expires, which lets nginx cache
// a grant of /auth?nginx=1: at most maxGrantCache, never past the URL's
// validity, and never on a rejection or without nginx=1.
func TestForwardAuthCacheTime(t *testing.T) {
	f := newFixture(t, trustLoopback)
	long := strings.TrimPrefix(f.signAt("https://cdn.example.org/media/a.mp4", "", start.Add(time.Hour)), "https://cdn.example.org")
	short := strings.TrimPrefix(f.signAt("https://cdn.example.org/media/a.mp4", "", start.Add(25*time.Second+500*time.Millisecond)), "https://cdn.example.org")
	for _, tc := range []struct {
		name, target, uri, want string
		media                   string // X-Signet-Cache-Control
	}{
		// The media's max-age counts from the end of nginx's cache time.
		{"long-lived", "/auth?nginx=1", long, "60", "private, max-age=3539"},
		{"expires in 25.5 s", "/auth?nginx=1", short, "24", "no-store"},
		{"without nginx=1", "/auth", long, "", "private, max-age=3600"},
		{"rejected", "/auth?nginx=1", long[:len(long)-1] + flipLastHex(long), "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := f.get(tc.target, authHeaders(tc.uri)...)
			if got := r.header.Get(accelExpiresHeader); got != tc.want {
				t.Errorf("%s %q, expected %q (status %d)", accelExpiresHeader, got, tc.want, r.status)
			}
			if got := r.header.Get(cacheControlHeader); got != tc.media {
				t.Errorf("%s %q, expected %q", cacheControlHeader, got, tc.media)
			}
			if got := r.header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control %q, expected no-store for every other cache", got)
			}
		})
	}
}

func TestForwardAuthGranted(t *testing.T) {
	f := newFixture(t, trustLoopback)
	valid := strings.TrimPrefix(f.signAt("https://cdn.example.org/media/a.mp4", "", start.Add(time.Hour)), "https://cdn.example.org")
	for _, method := range []string{http.MethodGet, http.MethodHead, http.MethodPost} {
		req := f.request(method, "/auth", nil)
		setHeaders(req, authHeaders(valid))
		r := f.do(req)
		if r.status != 200 {
			t.Fatalf("%s: status %d, expected 200", method, r.status)
		}
		if got := r.header.Get(keyIDHeader); got != "main" {
			t.Errorf("%s: %s %q, expected main", method, keyIDHeader, got)
		}
		if got := r.header.Get(cacheControlHeader); got != "private, max-age=3600" {
			t.Errorf("%s: %s %q, expected private, max-age=3600", method, cacheControlHeader, got)
		}
		if len(r.body) != 0 {
			t.Errorf("%s: body %q, expected none", method, r.body)
		}
	}
}

func TestForwardAuthUntrustedPeer(t *testing.T) {
	f := newFixture(t) // no trusted proxies
	valid := strings.TrimPrefix(f.signAt("https://cdn.example.org/media/a.mp4", "", start.Add(time.Hour)), "https://cdn.example.org")
	for _, target := range []string{"/auth", "/auth?nginx=1"} {
		r := f.get(target, authHeaders(valid)...)
		body := checkError(t, r, http.StatusForbidden)
		if body["reason"] != "untrusted-proxy" || r.header.Get(reasonHeader) != "untrusted-proxy" {
			t.Errorf("%s: reason %q, header %q; expected untrusted-proxy", target, body["reason"], r.header.Get(reasonHeader))
		}
	}
}

func TestForwardAuthPath(t *testing.T) {
	f := newFixture(t, trustLoopback, func(cfg *config.Config) { cfg.ForwardAuthPath = "/signet/verify" })
	valid := strings.TrimPrefix(f.signAt("https://cdn.example.org/media/a.mp4", "", start.Add(time.Hour)), "https://cdn.example.org")
	if r := f.get("/signet/verify", authHeaders(valid)...); r.status != 200 {
		t.Errorf("configured path: status %d, expected 200", r.status)
	}
	if r := f.get("/auth", authHeaders(valid)...); r.status != 404 {
		t.Errorf("default path: status %d, expected 404", r.status)
	}
}

func TestMediaBehindProxy(t *testing.T) {
	f := newFixture(t, trustLoopback)
	bound := f.signAt("https://cdn.example.org/media/a.txt", "198.51.100.7", start.Add(time.Hour))
	target := strings.TrimPrefix(bound, "https://cdn.example.org")
	proxied := []string{"X-Forwarded-Host", "cdn.example.org", "X-Forwarded-Proto", "https"}

	r := f.get(target, append(proxied, "X-Forwarded-For", "198.51.100.7")...)
	if r.status != 200 || string(r.body) != fileContent {
		t.Errorf("through the proxy: status %d, body %q; expected 200 with the file", r.status, r.body)
	}
	r = f.get(target, append(proxied, "X-Forwarded-For", "203.0.113.1")...)
	if r.status != 403 || r.header.Get(reasonHeader) != "ip-mismatch" {
		t.Errorf("other client: status %d, reason %q; expected 403 ip-mismatch", r.status, r.header.Get(reasonHeader))
	}
	r = f.get(target, append(proxied, "X-Forwarded-For", "198.51.100.7, <garbage>")...)
	if body := checkError(t, r, 400); body["reason"] != "invalid-forwarded-header" {
		t.Errorf("garbage: reason %q, expected invalid-forwarded-header", body["reason"])
	}
}

func TestMediaIgnoresUntrustedForwarding(t *testing.T) {
	f := newFixture(t) // no trusted proxies
	bound := f.signAt("https://cdn.example.org/media/a.txt", "198.51.100.7", start.Add(time.Hour))
	target := strings.TrimPrefix(bound, "https://cdn.example.org")
	r := f.get(target, "X-Forwarded-Host", "cdn.example.org", "X-Forwarded-Proto", "https",
		"X-Forwarded-For", "198.51.100.7")
	if r.status != 403 {
		t.Errorf("status %d, expected 403: forwarding headers of an untrusted peer must not count", r.status)
	}
	r = f.get(f.signPath("/media/a.txt", start.Add(time.Hour)), "X-Forwarded-For", "garbage")
	if r.status != 200 {
		t.Errorf("garbage from an untrusted peer: status %d, expected 200", r.status)
	}
}

func flipLastHex(s string) string {
	if s[len(s)-1] == '0' {
		return "1"
	}
	return "0"
}
