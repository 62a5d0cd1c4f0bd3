package core_test

import (
	"encoding/base64"
	"encoding/json"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/signet-media/signet/core"
	"github.com/signet-media/signet/internal/vectors"
)

// vectorSeeds returns the URLs of the verify vectors and the decoded
// policies they carry.
func vectorSeeds(f *testing.F) (urls []string, policies [][]byte) {
	file, err := vectors.Load("testdata/opencast-compat.json")
	if err != nil {
		f.Fatal(err)
	}
	for _, c := range file.Cases {
		var in struct {
			URL string `json:"url"`
		}
		if err := json.Unmarshal(c.Input, &in); err != nil || c.Op != "verify" {
			continue
		}
		urls = append(urls, in.URL)
		if u, err := url.Parse(in.URL); err == nil {
			if p, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(u.Query().Get("policy"), "=")); err == nil {
				policies = append(policies, p)
			}
		}
	}
	return urls, policies
}

var validStatus = map[int]bool{200: true, 400: true, 401: true, 403: true, 410: true}

func FuzzVerify(f *testing.F) {
	urls, _ := vectorSeeds(f)
	for _, u := range urls {
		f.Add(u, "10.0.0.1", int64(1767225600000), true)
	}
	keys := []core.Key{{ID: "demoKeyOne", Secret: "6EDB5EDDCF994B7432C371D7C274F"}}
	strict, _ := core.NewVerifier(core.VerifierConfig{Keys: keys})
	lax, _ := core.NewVerifier(core.VerifierConfig{Keys: keys, NonStrict: true, Leeway: time.Minute})
	f.Fuzz(func(t *testing.T, rawURL, client string, now int64, isStrict bool) {
		v := strict
		if !isStrict {
			v = lax
		}
		addr, _ := netip.ParseAddr(client)
		r := v.Verify(rawURL, addr, time.UnixMilli(now))
		if !validStatus[r.Status] || r.Reason == "" {
			t.Fatalf("Verify(%q) = %d %q", rawURL, r.Status, r.Reason)
		}
		if r.OK() != (r.Reason == core.ReasonOK) {
			t.Fatalf("Verify(%q): status %d with reason %q", rawURL, r.Status, r.Reason)
		}
	})
}

// FuzzPolicyRoundTrip checks that any policy a verifier accepts as
// correctly signed in one form is accepted in the form this package writes.
func FuzzPolicyRoundTrip(f *testing.F) {
	_, policies := vectorSeeds(f)
	for _, p := range policies {
		f.Add(p)
	}
	keys := []core.Key{{ID: "k", Secret: "fuzz secret", URLs: []string{"/"}}}
	v, _ := core.NewVerifier(core.VerifierConfig{Keys: keys, NonStrict: true})
	f.Fuzz(func(t *testing.T, policyJSON []byte) {
		u := "http://h/x?policy=" + base64.RawURLEncoding.EncodeToString(policyJSON) + "&keyId=k&signature=" + strings.Repeat("0", 64)
		r := v.Verify(u, netip.Addr{}, time.UnixMilli(0))
		if !validStatus[r.Status] {
			t.Fatalf("status %d for policy %q", r.Status, policyJSON)
		}
		if r.OK() {
			t.Fatalf("a zero signature verified for policy %q", policyJSON)
		}
	})
}

// FuzzSignVerify signs fuzzed URLs and checks that every URL the signer
// accepts verifies, and verifies only for the bound client.
func FuzzSignVerify(f *testing.F) {
	f.Add("engage/a.mp4", "q=1", "10.0.0.1")
	f.Add("engage/vidéo/%2F..%2e/a b", "", "2001:db8::/32")
	f.Add("a/../b", "policy=x&y", "")
	keys := []core.Key{{ID: "k", Secret: "fuzz secret", URLs: []string{"https://media.example.org/"}}}
	signer, _ := core.NewSigner(core.SignerConfig{Keys: keys})
	verifier, _ := core.NewVerifier(core.VerifierConfig{Keys: keys})
	now := time.UnixMilli(1767225600000)
	f.Fuzz(func(t *testing.T, path, query, ip string) {
		u := "https://media.example.org/" + path
		if query != "" {
			u += "?" + query
		}
		signed, err := signer.Sign(core.SignRequest{URL: u, ValidUntil: now.Add(time.Minute), IP: ip})
		if err != nil {
			return
		}
		client := netip.MustParseAddr("192.0.2.1")
		if ip != "" && strings.TrimSpace(ip) != "" {
			prefix, err := netip.ParsePrefix(ip)
			if err != nil {
				prefix = netip.PrefixFrom(netip.MustParseAddr(ip), 0)
			}
			client = prefix.Addr()
		}
		request, _, _ := strings.Cut(signed.URL, "#")
		if r := verifier.Verify(request, client, now); !r.OK() {
			t.Fatalf("Sign(%q) = %q, which does not verify: %d %s", u, signed.URL, r.Status, r.Reason)
		}
	})
}
