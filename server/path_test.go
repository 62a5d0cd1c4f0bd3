package server

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/signet-media/signet/core"
)

func TestAmbiguousPath(t *testing.T) {
	for path, want := range map[string]bool{
		"/media/a.mp4":            false,
		"/media/sub/":             false,
		"/":                       false,
		"":                        false,
		"/media/a..b/c.mp4":       false,
		"/media/...":              false,
		"/media/.hidden":          false,
		"/media/%2e%2e%2e/a":      false,
		"/media/a%20b.mp4":        false,
		"/media//a.mp4":           true,
		"//media/a.mp4":           true,
		"/media/sub//../a.mp4":    true,
		"/media/./a.mp4":          true,
		"/media/../a.mp4":         true,
		"/media/..":               true,
		"/media/.":                true,
		"/media/%2e%2e/a.mp4":     true,
		"/media/%2E./a.mp4":       true,
		"/media/.%2e/a.mp4":       true,
		"/media/%2e/a.mp4":        true,
		"/media/sub%2f..%2fa":     true,
		"/media/sub%2F/a":         true,
		"/media/sub%5c..%5ca":     true,
		"/media/sub\\..\\a.mp4":   true,
		"/media/a.mp4/..":         true,
		"/media/a.mp4/%2e%2e/b":   true,
		"/media/%2e%2e%2fa.mp4":   true,
		"/media/%252e%252e/a.mp4": false,
		"/media/sub/..;/a.mp4":    true,
		"/media/sub/..;x/a.mp4":   true,
		"/media/sub/.;x/a.mp4":    true,
		"/media/sub/..%3b/a.mp4":  true,
		"/media/sub/%2e%2e%3Bx/a": true,
		"/media/sub/;x/a.mp4":     true,
		"/media/a.mp4;x":          false,
		"/media/sub;v=1/a.mp4":    false,
		"/media/a%3bb.mp4":        false,
	} {
		if got := ambiguousPath(path); got != want {
			t.Errorf("ambiguousPath(%q) = %v; expected %v", path, got, want)
		}
	}
}

// FuzzSignedScopeHoldsFiles checks the property that ambiguousPath
// protects: when a URL signed for the prefix /media/sub/* verifies for a
// request path, and the media route accepts that path, the file it maps
// to lies under /media/sub/. The seed with "//.." broke it before paths
// with empty or dot segments were rejected.
func FuzzSignedScopeHoldsFiles(f *testing.F) {
	keys := []core.Key{{ID: "wide", Secret: secretWide, URLs: []string{"http://media.example.org/"}}}
	signer, err := core.NewSigner(core.SignerConfig{Keys: keys})
	if err != nil {
		f.Fatal(err)
	}
	verifier, err := core.NewVerifier(core.VerifierConfig{Keys: keys})
	if err != nil {
		f.Fatal(err)
	}
	now := time.Now()
	signed, err := signer.Sign(core.SignRequest{
		URL:        "http://media.example.org/media/sub/a.bin",
		Resource:   "http://media.example.org/media/sub/*",
		ValidUntil: now.Add(time.Hour),
	})
	if err != nil {
		f.Fatal(err)
	}
	_, query, _ := strings.Cut(signed.URL, "?")
	for _, seed := range []string{"media/sub/a.bin", "media/sub//../a.bin", "media/sub/%2e%2e/a.bin",
		"media/sub/x/../../a.bin", "media/sub%2F..%2Fa.bin", "media/sub/./a.bin", "media/sub/%2E%2E%2F/a"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, rest string) {
		raw := "/" + rest
		if strings.ContainsAny(raw, "?#") {
			return
		}
		res := verifier.Verify("http://media.example.org"+raw+"?"+query, netip.Addr{}, now)
		if !res.OK() || ambiguousPath(raw) {
			return
		}
		// The scope's directory itself maps to "sub", which is no file.
		name, ok := fileName(raw, "/media/")
		if ok && name != "sub" && !strings.HasPrefix("/media/"+name, "/media/sub/") {
			t.Fatalf("a signature for /media/sub/* verifies for %q, which the media route maps to %q", raw, name)
		}
	})
}

func TestValidTargetForm(t *testing.T) {
	for target, want := range map[string]bool{
		"/media/a.mp4?x=1":                      true,
		"/":                                     true,
		"http://h/media/a.mp4":                  true,
		"HTTPS://h:8443/a?b=c":                  true,
		"http://h":                              true,
		"x:/media/secret.bin?x=://h/media/a":    false,
		"http:/media/secret.bin?x=://h/media/a": false,
		"ftp://h/a":                             false,
		"http:///a":                             false,
		"*":                                     false,
		"h:80":                                  false,
		"":                                      false,
	} {
		if got := validTargetForm(target); got != want {
			t.Errorf("validTargetForm(%q) = %v; expected %v", target, got, want)
		}
	}
}

// TestMediaTargetForm checks that the media route rejects a target whose
// path net/http and originForm would read differently, before routing.
func TestMediaTargetForm(t *testing.T) {
	f := newFixture(t)
	signed := f.signPath("/media/sub/b.txt", start.Add(time.Hour))
	_, query, _ := strings.Cut(signed, "?")
	addr := f.ts.Listener.Addr().String()
	for _, target := range []string{
		"x:/media/a.txt?x=://" + addr + "/media/sub/b.txt?" + query,
		"*",
	} {
		if status := rawRequest(t, addr, http.MethodGet, target); status != http.StatusBadRequest {
			t.Errorf("GET %s: status %d; expected 400", target, status)
		}
	}
	if status := rawRequest(t, addr, http.MethodGet, "http://"+addr+"/media/sub/b.txt?"+query); status != http.StatusOK {
		t.Errorf("absolute form: status %d; expected 200", status)
	}
}
