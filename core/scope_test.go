package core_test

import (
	"testing"
	"time"

	"github.com/signet-media/signet/core"
)

func TestScopeCovers(t *testing.T) {
	signer, verifier := newPair(t, core.VerifierConfig{})
	signed := sign(t, signer, core.SignRequest{
		URL:      "https://media.example.org/engage/hls/master.m3u8",
		Resource: "https://media.example.org/engage/hls/*",
	})
	res, scope, ok := verifier.VerifyScope(signed.URL, testClient, testNow)
	if !res.OK() || !ok {
		t.Fatalf("VerifyScope = %d %s, %v; want 200 ok, true", res.Status, res.Reason, ok)
	}
	tests := []struct {
		name string
		url  string
		want bool
	}{
		{name: "segment", url: "https://media.example.org/engage/hls/v1/seg0.m4s", want: true},
		{name: "query kept", url: "https://media.example.org/engage/hls/v1/index.m3u8?_HLS_msn=4", want: true},
		{name: "case of host", url: "HTTPS://Media.Example.ORG:443/engage/hls/a.ts", want: true},
		{name: "encoded unreserved", url: "https://media.example.org/engage/%68ls/a.ts", want: true},
		{name: "dot segments inside", url: "https://media.example.org/engage/hls/v1/../v2/a.ts", want: true},
		{name: "dot segments outside", url: "https://media.example.org/engage/hls/../other/a.ts", want: false},
		{name: "encoded dot segments", url: "https://media.example.org/engage/hls/%2e%2e/other/a.ts", want: false},
		{name: "sibling directory", url: "https://media.example.org/engage/hls2/a.ts", want: false},
		{name: "other host", url: "https://cdn.example.org/engage/hls/a.ts", want: false},
		{name: "other scheme", url: "http://media.example.org/engage/hls/a.ts", want: false},
		{name: "other port", url: "https://media.example.org:8443/engage/hls/a.ts", want: false},
		{name: "path only", url: "/engage/hls/a.ts", want: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := scope.Covers(tc.url); got != tc.want {
				t.Errorf("Covers(%q) = %v, want %v", tc.url, got, tc.want)
			}
			// Covers must agree with Verify on the same URL signed with the
			// same policy.
			query := signed.URL[len("https://media.example.org/engage/hls/master.m3u8"):]
			granted := verifier.Verify(withQuery(tc.url, query[1:]), testClient, testNow).OK()
			if tc.url[0] != '/' && granted != tc.want {
				t.Errorf("Verify(%q).OK() = %v, want %v", tc.url, granted, tc.want)
			}
		})
	}
}

// withQuery appends query to rawURL, after its own query if it has one.
func withQuery(rawURL, query string) string {
	for i := 0; i < len(rawURL); i++ {
		if rawURL[i] == '?' {
			return rawURL + "&" + query
		}
	}
	return rawURL + "?" + query
}

func TestScopeNonStrict(t *testing.T) {
	signer, verifier := newPair(t, core.VerifierConfig{NonStrict: true})
	signed := sign(t, signer, core.SignRequest{
		URL:      "https://media.example.org/engage/hls/master.m3u8",
		Resource: "https://media.example.org/engage/hls/*",
	})
	_, scope, ok := verifier.VerifyScope(signed.URL, testClient, testNow)
	if !ok {
		t.Fatal("VerifyScope returned no scope")
	}
	if !scope.Covers("http://other.example.net/engage/hls/a.ts") {
		t.Error("non-strict scope does not cover another host's path inside the scope")
	}
	if scope.Covers("http://other.example.net/engage/a.ts") {
		t.Error("non-strict scope covers a path outside the scope")
	}
}

func TestScopeOnlyWhenGranted(t *testing.T) {
	signer, verifier := newPair(t, core.VerifierConfig{})
	exact := sign(t, signer, core.SignRequest{URL: "https://media.example.org/engage/a.mp4"})
	if _, _, ok := verifier.VerifyScope(exact.URL, testClient, testNow); ok {
		t.Error("VerifyScope returned a scope for an exact Resource")
	}
	prefix := sign(t, signer, core.SignRequest{
		URL:      "https://media.example.org/engage/hls/master.m3u8",
		Resource: "https://media.example.org/engage/hls/*",
	})
	res, scope, ok := verifier.VerifyScope(prefix.URL, testClient, testNow.Add(2*time.Hour))
	if res.Reason != core.ReasonExpired {
		t.Errorf("VerifyScope after expiry: reason %s, want expired", res.Reason)
	}
	if ok || scope.Covers("https://media.example.org/engage/hls/a.ts") {
		t.Error("VerifyScope returned a scope for an expired URL")
	}
	last := prefix.URL[len(prefix.URL)-1]
	tampered := prefix.URL[:len(prefix.URL)-1] + map[bool]string{true: "1", false: "0"}[last == '0']
	if _, _, ok := verifier.VerifyScope(tampered, testClient, testNow); ok {
		t.Error("VerifyScope returned a scope for a tampered signature")
	}
	var zero core.Scope
	if zero.Covers("https://media.example.org/engage/hls/a.ts") {
		t.Error("the zero Scope covers a URL")
	}
}
