package hls_test

import (
	"bytes"
	"errors"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/signet-media/signet/core"
	"github.com/signet-media/signet/internal/hls"
)

const (
	testQuery  = "policy=eyJTdGF0ZW1lbnQiOnt9fQ&keyId=k1&signature=00ff"
	masterURL  = "https://media.example.org/engage/hls/master.m3u8?policy=p&keyId=k1&signature=s"
	variantURL = "https://media.example.org/engage/hls/v320x180/index.m3u8?policy=p&keyId=k1&signature=s"
)

// scopeOf returns a core.Scope for the pattern, from a URL that a real
// signer signed and a real verifier granted, so the tests use the
// verifier's normalization.
func scopeOf(t *testing.T, pattern string) func(string) bool {
	t.Helper()
	keys := []core.Key{{ID: "k1", Secret: "secret", URLs: []string{"https://media.example.org/engage", "/engage"}}}
	signer, err := core.NewSigner(core.SignerConfig{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := core.NewVerifier(core.VerifierConfig{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	now := time.UnixMilli(1767225600000)
	signed, err := signer.Sign(core.SignRequest{
		URL:        strings.TrimSuffix(pattern, "*") + "master.m3u8",
		Resource:   pattern,
		ValidUntil: now.Add(time.Hour),
	})
	if err != nil {
		t.Fatal(err)
	}
	// A path-only pattern signs a path-only URL; the request names a host.
	requestURL := signed.URL
	if strings.HasPrefix(requestURL, "/") {
		requestURL = "https://media.example.org" + requestURL
	}
	_, scope, ok := verifier.VerifyScope(requestURL, netip.Addr{}, now)
	if !ok {
		t.Fatalf("VerifyScope(%q) returned no scope", pattern)
	}
	return scope.Covers
}

func rewrite(t *testing.T, playlist, base, pattern string, limit int) (string, error) {
	t.Helper()
	baseURL, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err = hls.Rewrite(strings.NewReader(playlist), &out, baseURL, scopeOf(t, pattern), testQuery, limit)
	return out.String(), err
}

func readFixture(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile("../../demo/media/hls/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestRewriteFixtures rewrites the playlists that ffmpeg made for the
// demo: every URI line and the EXT-X-MAP URI get the query, and nothing
// else changes.
func TestRewriteFixtures(t *testing.T) {
	for _, tc := range []struct {
		name, file, base string
		uris             int
	}{
		{name: "master", file: "master.m3u8", base: masterURL, uris: 2},
		{name: "variant", file: "v320x180/index.m3u8", base: variantURL, uris: 9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := readFixture(t, tc.file)
			got, err := rewrite(t, in, tc.base, "https://media.example.org/engage/hls/*", 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(got, testQuery); n != tc.uris {
				t.Errorf("%d URIs carry the query, want %d:\n%s", n, tc.uris, got)
			}
			if restored := strings.ReplaceAll(got, "?"+testQuery, ""); restored != in {
				t.Errorf("the rewrite changed more than the URIs:\n%s", got)
			}
		})
	}
	t.Run("map attribute", func(t *testing.T) {
		got, err := rewrite(t, readFixture(t, "v160x90/index.m3u8"),
			"https://media.example.org/engage/hls/v160x90/index.m3u8", "https://media.example.org/engage/hls/*", 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if want := `#EXT-X-MAP:URI="init_1.mp4?` + testQuery + `"`; !strings.Contains(got, want) {
			t.Errorf("output lacks %s:\n%s", want, got)
		}
	})
}

func TestRewriteURILines(t *testing.T) {
	const base = "https://media.example.org/engage/hls/v1/index.m3u8?policy=p&keyId=k1&signature=s"
	const pattern = "https://media.example.org/engage/hls/*"
	tests := []struct {
		name, in, want string
	}{
		{name: "relative", in: "seg0.m4s\n", want: "seg0.m4s?" + testQuery + "\n"},
		{name: "subdirectory", in: "low/seg0.ts\n", want: "low/seg0.ts?" + testQuery + "\n"},
		{name: "parent inside scope", in: "../v2/seg0.ts\n", want: "../v2/seg0.ts?" + testQuery + "\n"},
		{name: "parent outside scope", in: "../../other/seg0.ts\n", want: "../../other/seg0.ts\n"},
		{name: "absolute path inside", in: "/engage/hls/v1/seg0.ts\n", want: "/engage/hls/v1/seg0.ts?" + testQuery + "\n"},
		{name: "absolute path outside", in: "/engage/seg0.ts\n", want: "/engage/seg0.ts\n"},
		{name: "absolute URL inside", in: "https://media.example.org/engage/hls/a.ts\n",
			want: "https://media.example.org/engage/hls/a.ts?" + testQuery + "\n"},
		{name: "other host", in: "https://cdn.example.org/engage/hls/a.ts\n", want: "https://cdn.example.org/engage/hls/a.ts\n"},
		{name: "sibling prefix", in: "https://media.example.org/engage/hls2/a.ts\n", want: "https://media.example.org/engage/hls2/a.ts\n"},
		{name: "encoded dot segments", in: "%2e%2e/%2e%2e/x/a.ts\n", want: "%2e%2e/%2e%2e/x/a.ts\n"},
		{name: "existing query", in: "seg0.ts?lang=de\n", want: "seg0.ts?lang=de&" + testQuery + "\n"},
		{name: "empty query", in: "seg0.ts?\n", want: "seg0.ts?" + testQuery + "\n"},
		{name: "fragment last", in: "seg0.ts#t=1\n", want: "seg0.ts?" + testQuery + "#t=1\n"},
		{name: "already signed", in: "seg0.ts?policy=x&keyId=k&signature=y\n", want: "seg0.ts?policy=x&keyId=k&signature=y\n"},
		{name: "crlf kept", in: "#EXTINF:2.0,\r\nseg0.ts\r\n", want: "#EXTINF:2.0,\r\nseg0.ts?" + testQuery + "\r\n"},
		{name: "no final newline", in: "seg0.ts", want: "seg0.ts?" + testQuery},
		{name: "unparsable", in: "%zz.ts\n", want: "%zz.ts\n"},
		{name: "blank and comment", in: "\n  \n# seg0.ts\n", want: "\n  \n# seg0.ts\n"},
		{name: "byte range", in: "#EXT-X-BYTERANGE:1000@0\n#EXTINF:2.0,\nall.ts\n#EXT-X-BYTERANGE:1000@1000\n#EXTINF:2.0,\nall.ts\n",
			want: "#EXT-X-BYTERANGE:1000@0\n#EXTINF:2.0,\nall.ts?" + testQuery + "\n#EXT-X-BYTERANGE:1000@1000\n#EXTINF:2.0,\nall.ts?" + testQuery + "\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := rewrite(t, tc.in, base, pattern, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("Rewrite(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestRewriteURIAttributes(t *testing.T) {
	const base = "https://media.example.org/engage/hls/index.m3u8"
	const pattern = "https://media.example.org/engage/hls/*"
	q := "?" + testQuery
	tests := []struct {
		name, in, want string
	}{
		{name: "key", in: `#EXT-X-KEY:METHOD=AES-128,URI="key.bin",IV=0x1`, want: `#EXT-X-KEY:METHOD=AES-128,URI="key.bin` + q + `",IV=0x1`},
		{name: "map", in: `#EXT-X-MAP:URI="init.mp4",BYTERANGE="720@0"`, want: `#EXT-X-MAP:URI="init.mp4` + q + `",BYTERANGE="720@0"`},
		{name: "media", in: `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="en, main",URI="audio/en.m3u8"`,
			want: `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="en, main",URI="audio/en.m3u8` + q + `"`},
		{name: "i-frame stream", in: `#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1000,URI="iframes.m3u8"`,
			want: `#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1000,URI="iframes.m3u8` + q + `"`},
		{name: "part", in: `#EXT-X-PART:DURATION=0.5,URI="part1.m4s?x=1"`, want: `#EXT-X-PART:DURATION=0.5,URI="part1.m4s?x=1&` + testQuery + `"`},
		{name: "preload hint", in: `#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part2.m4s"`, want: `#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part2.m4s` + q + `"`},
		{name: "rendition report", in: `#EXT-X-RENDITION-REPORT:URI="../hls/low.m3u8",LAST-MSN=4`,
			want: `#EXT-X-RENDITION-REPORT:URI="../hls/low.m3u8` + q + `",LAST-MSN=4`},
		{name: "session key", in: `#EXT-X-SESSION-KEY:METHOD=AES-128,URI="key.bin"`, want: `#EXT-X-SESSION-KEY:METHOD=AES-128,URI="key.bin` + q + `"`},
		{name: "out of scope", in: `#EXT-X-KEY:METHOD=AES-128,URI="https://keys.example.org/k"`, want: `#EXT-X-KEY:METHOD=AES-128,URI="https://keys.example.org/k"`},
		{name: "other attribute name", in: `#EXT-X-MAP:X-URI="a.mp4",URI="init.mp4"`, want: `#EXT-X-MAP:X-URI="a.mp4",URI="init.mp4` + q + `"`},
		{name: "uri text inside a quoted value", in: `#EXT-X-MEDIA:NAME="a,URI=x.ts",URI="a.m3u8"`,
			want: `#EXT-X-MEDIA:NAME="a,URI=x.ts",URI="a.m3u8` + q + `"`},
		{name: "other tag", in: `#EXT-X-DATERANGE:ID="1",X-URI="a.ts"`, want: `#EXT-X-DATERANGE:ID="1",X-URI="a.ts"`},
		{name: "unterminated quote", in: `#EXT-X-MAP:URI="init.mp4`, want: `#EXT-X-MAP:URI="init.mp4`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := rewrite(t, tc.in+"\n", base, pattern, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want+"\n" {
				t.Errorf("Rewrite(%q)\n got %q\nwant %q", tc.in, got, tc.want+"\n")
			}
		})
	}
}

func TestRewriteLimit(t *testing.T) {
	const base = "https://media.example.org/engage/hls/index.m3u8"
	const pattern = "https://media.example.org/engage/hls/*"
	playlist := readFixture(t, "v320x180/index.m3u8")
	rewritten, err := rewrite(t, playlist, base, pattern, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("output at the limit", func(t *testing.T) {
		if _, err := rewrite(t, playlist, base, pattern, len(rewritten)); err != nil {
			t.Errorf("Rewrite with limit %d = %v, want nil", len(rewritten), err)
		}
	})
	t.Run("output over the limit", func(t *testing.T) {
		_, err := rewrite(t, playlist, base, pattern, len(rewritten)-1)
		if !errors.Is(err, hls.ErrTooLarge) {
			t.Errorf("Rewrite = %v, want ErrTooLarge", err)
		}
	})
	t.Run("input over the limit", func(t *testing.T) {
		_, err := rewrite(t, playlist, base, pattern, len(playlist)-1)
		if !errors.Is(err, hls.ErrTooLarge) {
			t.Errorf("Rewrite = %v, want ErrTooLarge", err)
		}
	})
	t.Run("one long line", func(t *testing.T) {
		long := "#EXTM3U\n#" + strings.Repeat("x", 200<<10) + "\n"
		if _, err := rewrite(t, long, base, pattern, 100<<10); !errors.Is(err, hls.ErrTooLarge) {
			t.Errorf("Rewrite = %v, want ErrTooLarge", err)
		}
		got, err := rewrite(t, long, base, pattern, 1<<20)
		if err != nil || got != long {
			t.Errorf("Rewrite of a 200 KiB comment line = %d bytes, %v; want it unchanged", len(got), err)
		}
	})
}

func TestSigningQuery(t *testing.T) {
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{name: "order fixed", in: "signature=s&x=1&keyId=k&policy=p", want: "policy=p&keyId=k&signature=s", ok: true},
		{name: "values as received", in: "policy=a%2Bb-_&keyId=k%20co&signature=AB", want: "policy=a%2Bb-_&keyId=k%20co&signature=AB", ok: true},
		{name: "unsafe bytes encoded", in: "policy=p\"\n&keyId=k <>&signature=s#", want: "policy=p%22%0A&keyId=k%20%3C%3E&signature=s%23", ok: true},
		{name: "missing", in: "policy=p&keyId=k", ok: false},
		{name: "empty", in: "", ok: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := hls.SigningQuery(tc.in)
			if ok != tc.ok {
				t.Fatalf("SigningQuery(%q) ok = %v, want %v", tc.in, ok, tc.ok)
			}
			if got != tc.want {
				t.Errorf("SigningQuery(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func FuzzRewrite(f *testing.F) {
	f.Add("#EXTM3U\n#EXT-X-MAP:URI=\"init.mp4\"\nseg0.m4s\n../a.ts?x=1#f\r\n")
	f.Add(`#EXT-X-MEDIA:NAME="a,b",URI="x.m3u8",X="` + "\n")
	base, _ := url.Parse("https://media.example.org/engage/hls/index.m3u8")
	inScope := func(u string) bool { return strings.HasPrefix(u, "https://media.example.org/engage/hls/") }
	f.Fuzz(func(t *testing.T, playlist string) {
		var out bytes.Buffer
		if err := hls.Rewrite(strings.NewReader(playlist), &out, base, inScope, testQuery, 1<<20); err != nil {
			t.Fatal(err)
		}
		if restored := strings.ReplaceAll(out.String(), testQuery, ""); len(restored) > len(playlist)+strings.Count(playlist, "\n")+1 {
			t.Errorf("output grew by more than the queries and their separators")
		}
	})
}

// TestRewritePathScopeStaysOnOrigin checks that a scope with a path only,
// which covers that path on every host, signs no URI on another host,
// port or scheme: that host could use the signature.
func TestRewritePathScopeStaysOnOrigin(t *testing.T) {
	const base = "https://media.example.org/engage/hls/v1/index.m3u8?policy=p&keyId=k1&signature=s"
	const pattern = "/engage/hls/*"
	for _, tc := range []struct{ name, in, want string }{
		{"relative", "seg0.ts\n", "seg0.ts?" + testQuery + "\n"},
		{"same origin", "https://MEDIA.example.org:443/engage/hls/a.ts\n", "https://MEDIA.example.org:443/engage/hls/a.ts?" + testQuery + "\n"},
		{"other host", "https://evil.example/engage/hls/a.ts\n", "https://evil.example/engage/hls/a.ts\n"},
		{"scheme-relative other host", "//evil.example/engage/hls/a.ts\n", "//evil.example/engage/hls/a.ts\n"},
		{"other port", "https://media.example.org:8443/engage/hls/a.ts\n", "https://media.example.org:8443/engage/hls/a.ts\n"},
		{"other scheme", "http://media.example.org/engage/hls/a.ts\n", "http://media.example.org/engage/hls/a.ts\n"},
		{"key on other host", `#EXT-X-KEY:METHOD=AES-128,URI="https://evil.example/engage/hls/key"` + "\n",
			`#EXT-X-KEY:METHOD=AES-128,URI="https://evil.example/engage/hls/key"` + "\n"},
		// Browsers read a backslash as a slash, so these name evil.example.
		{"backslashes", "\\\\evil.example/seg.ts\n", "\\\\evil.example/seg.ts\n"},
		{"backslash after slash", "/\\evil.example/engage/hls/a.ts\n", "/\\evil.example/engage/hls/a.ts\n"},
		{"key with backslashes", `#EXT-X-KEY:METHOD=AES-128,URI="\\evil.example/k"` + "\n",
			`#EXT-X-KEY:METHOD=AES-128,URI="\\evil.example/k"` + "\n"},
		{"encoded backslash", "%5C%5cevil.example/seg.ts\n", "%5C%5cevil.example/seg.ts\n"},
		{"tab", "/\t/evil.example/engage/hls/a.ts\n", "/\t/evil.example/engage/hls/a.ts\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := rewrite(t, tc.in, base, pattern, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("Rewrite(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}
