package server

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/signet-media/signet/config"
	"github.com/signet-media/signet/core"
)

var loopback = netip.MustParseAddr("127.0.0.1")

func TestSignDefaultLifetime(t *testing.T) {
	f := newFixture(t)
	r := f.signForm(url.Values{"url": {f.base + "/media/a.txt"}})

	if r.status != http.StatusOK {
		t.Fatalf("status %d, expected 200; body %s", r.status, r.body)
	}
	if got := r.header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type %q, expected application/json", got)
	}
	if got := r.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q, expected no-store", got)
	}
	if bytes.Contains(r.body, []byte(`\u0026`)) {
		t.Errorf("body %s escapes '&'", r.body)
	}
	body := r.json(t)
	if len(body) != 2 {
		t.Errorf("body %s, expected exactly url and valid-until", r.body)
	}
	if want := "2026-03-01T14:00:00Z"; body["valid-until"] != want {
		t.Errorf("valid-until %q, expected %q", body["valid-until"], want)
	}

	verifier, err := core.NewVerifier(core.VerifierConfig{Keys: []core.Key{{ID: "main", Secret: secretMain}}})
	if err != nil {
		t.Fatal(err)
	}
	res := verifier.Verify(body["url"], loopback, start)
	if !res.OK() || res.KeyID != "main" {
		t.Errorf("Verify(%s) = %+v, expected ok with key main", body["url"], res)
	}
	if want := start.Add(2 * time.Hour); !res.ValidUntil.Equal(want) {
		t.Errorf("policy valid until %v, expected %v", res.ValidUntil, want)
	}

	media := f.get(strings.TrimPrefix(body["url"], f.base))
	if media.status != http.StatusOK || string(media.body) != fileContent {
		t.Errorf("GET signed URL: status %d, body %q", media.status, media.body)
	}
}

func TestSignValidUntil(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name, validUntil, want string
	}{
		{"utc", "2026-03-01T13:00:00Z", "2026-03-01T13:00:00Z"},
		{"positive offset", "2026-03-01T15:00:00+02:00", "2026-03-01T13:00:00Z"},
		{"negative offset", "2026-03-01T08:00:00-05:00", "2026-03-01T13:00:00Z"},
		{"fractional seconds", "2026-03-01T13:00:00.750Z", "2026-03-01T13:00:00Z"},
		{"max lifetime", "2026-03-08T12:00:00Z", "2026-03-08T12:00:00Z"},
		{"lower-case t and z", "2026-03-01t13:00:00z", "2026-03-01T13:00:00Z"},
		{"lower-case t", "2026-03-01t13:00:00Z", "2026-03-01T13:00:00Z"},
		{"lower-case z", "2026-03-01T13:00:00z", "2026-03-01T13:00:00Z"},
		{"lower-case t with offset", "2026-03-01t15:00:00.5+02:00", "2026-03-01T13:00:00Z"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := f.signForm(url.Values{"url": {f.base + "/media/a.txt"}, "valid-until": {tc.validUntil}})
			if r.status != http.StatusOK {
				t.Fatalf("status %d, expected 200; body %s", r.status, r.body)
			}
			body := r.json(t)
			if body["valid-until"] != tc.want {
				t.Errorf("valid-until %q, expected %q", body["valid-until"], tc.want)
			}
			policyEnd := f.verify(body["url"]).ValidUntil
			if want, _ := time.Parse(time.RFC3339, tc.want); !policyEnd.Equal(want) {
				t.Errorf("policy valid until %v, expected %v", policyEnd, want)
			}
		})
	}
}

// verify checks a signed URL with the fixture's main key at the start
// time.
func (f *fixture) verify(signedURL string) core.Result {
	f.t.Helper()
	verifier, err := core.NewVerifier(core.VerifierConfig{Keys: []core.Key{{ID: "main", Secret: secretMain}}})
	if err != nil {
		f.t.Fatal(err)
	}
	res := verifier.Verify(signedURL, loopback, start)
	if !res.OK() {
		f.t.Fatalf("Verify(%s) = %+v", signedURL, res)
	}
	return res
}

func TestSignBadRequest(t *testing.T) {
	f := newFixture(t)
	mediaURL := f.base + "/media/a.txt"
	withURL := func(name, value string) url.Values {
		return url.Values{"url": {mediaURL}, name: {value}}
	}
	tests := []struct {
		name      string
		form      url.Values
		parameter string
		detail    string // part of the error text
	}{
		{"missing url", url.Values{}, "url", "missing url"},
		{"empty url", url.Values{"url": {""}}, "url", "missing url"},
		{"url twice", url.Values{"url": {mediaURL, mediaURL}}, "url", "given 2 times"},
		{"url with space", url.Values{"url": {f.base + "/media/a b.txt"}}, "url", "invalid url"},
		{"date only", withURL("valid-until", "2026-03-02"), "valid-until", "ISO 8601"},
		{"space separator", withURL("valid-until", "2026-03-02 13:00:00Z"), "valid-until", "ISO 8601"},
		{"no offset", withURL("valid-until", "2026-03-02T13:00:00"), "valid-until", "ISO 8601"},
		{"basic format offset", withURL("valid-until", "2026-03-02T13:00:00+0200"), "valid-until", "ISO 8601"},
		{"epoch millis", withURL("valid-until", "1772452800000"), "valid-until", "ISO 8601"},
		{"words", withURL("valid-until", "tomorrow"), "valid-until", "ISO 8601"},
		{"lower-case without offset", withURL("valid-until", "2026-03-02t13:00:00"), "valid-until", "ISO 8601"},
		{"lower-case z twice", withURL("valid-until", "2026-03-02t13:00:00zz"), "valid-until", "ISO 8601"},
		{"lower-case t twice", withURL("valid-until", "2026-03-02tt13:00:00z"), "valid-until", "ISO 8601"},
		{"impossible date", withURL("valid-until", "2026-02-30T00:00:00Z"), "valid-until", "day out of range"},
		{"hour 25", withURL("valid-until", "2026-03-02T25:00:00Z"), "valid-until", "out of range"},
		{"past", withURL("valid-until", "2026-03-01T11:59:59Z"), "valid-until", "not in the future"},
		{"now", withURL("valid-until", "2026-03-01T12:00:00Z"), "valid-until", "not in the future"},
		{"beyond max lifetime", withURL("valid-until", "2026-03-08T12:00:01Z"), "valid-until", "maximum lifetime"},
		{"valid-until twice", url.Values{"url": {mediaURL}, "valid-until": {"2026-03-01T13:00:00Z", "2026-03-01T13:00:00Z"}}, "valid-until", "given 2 times"},
		{"source out of range", withURL("valid-source", "10.0.0.256"), "valid-source", "invalid valid-source"},
		{"source host name", withURL("valid-source", "media.example.org"), "valid-source", "invalid valid-source"},
		{"source prefix too long", withURL("valid-source", "10.0.0.1/33"), "valid-source", "invalid valid-source"},
		{"source with space", withURL("valid-source", " 10.0.0.1"), "valid-source", "invalid valid-source"},
		{"resource without star", withURL("resource", mediaURL), "resource", "invalid resource"},
		{"resource star inside", withURL("resource", f.base+"/me*dia/*"), "resource", "invalid resource"},
		{"resource not covering", withURL("resource", f.base+"/media/sub/*"), "resource", "does not cover"},
		{"resource outside key", withURL("resource", f.base+"/*"), "resource", "outside the prefixes"},
		{"url with empty segment", url.Values{"url": {f.base + "/media/sub//a.txt"}}, "url", "sign the normalized path"},
		{"url with dot segment", url.Values{"url": {f.base + "/media/sub/../a.txt"}}, "url", "refuses to serve"},
		{"url with encoded slash", url.Values{"url": {f.base + "/media/sub%2Fa.txt"}}, "url", "refuses to serve"},
		{"path-only url with dot segment", url.Values{"url": {"/media/./a.txt"}}, "url", "refuses to serve"},
		{"resource with empty segment", withURL("resource", f.base+"/media//*"), "resource", "refuses to serve"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := f.signForm(tc.form)
			body := checkError(t, r, http.StatusBadRequest)
			if body["parameter"] != tc.parameter {
				t.Errorf("parameter %q, expected %q", body["parameter"], tc.parameter)
			}
			if !strings.Contains(body["error"], tc.parameter) {
				t.Errorf("error %q does not name %s", body["error"], tc.parameter)
			}
			if !strings.Contains(body["error"], tc.detail) {
				t.Errorf("error %q does not contain %q", body["error"], tc.detail)
			}
		})
	}
}

func TestSignNotAccepted(t *testing.T) {
	f := newFixture(t, func(cfg *config.Config) {
		cfg.Users = append(cfg.Users, config.User{
			Name: "carol", PasswordHash: hash(t, "carol-pw"),
			Roles: []string{config.RoleAdmin}, Organization: "other-org",
		})
	})
	tests := []struct {
		name, user, password, url string
		accepted                  bool
	}{
		{"unknown host", "alice", alicePass, "http://elsewhere.example.org/media/a.txt", false},
		{"other port", "alice", alicePass, "http://127.0.0.1:1/media/a.txt", false},
		{"other organization", "alice", alicePass, f.base + "/other/a.txt", false},
		{"own organization", "carol", "carol-pw", f.base + "/other/a.txt", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			auth := "Basic " + basic(tc.user, tc.password)
			r := f.signForm(url.Values{"url": {tc.url}}, "Authorization", auth)
			if r.status != http.StatusOK {
				t.Fatalf("status %d, expected 200; body %s", r.status, r.body)
			}
			body := r.json(t)
			if tc.accepted {
				if !strings.HasPrefix(body["url"], tc.url+"?policy=") {
					t.Errorf("url %q, expected a signed %s", body["url"], tc.url)
				}
				return
			}
			if len(body) != 1 || body["error"] != "Given URL cannot be signed" {
				t.Errorf("body %s, expected {\"error\": \"Given URL cannot be signed\"}", r.body)
			}
		})
	}
}

func TestSignAccept(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name, accept string
		status       int
		contentType  string
	}{
		{"none", "", http.StatusOK, "application/json"},
		{"json", "application/json", http.StatusOK, "application/json"},
		{"any", "*/*", http.StatusOK, "application/json"},
		{"any application", "application/*", http.StatusOK, "application/json"},
		{"version 1.0.0", "application/v1.0.0+json", http.StatusOK, "application/v1.0.0+json"},
		{"version 1.11.0", "application/v1.11.0+json", http.StatusOK, "application/v1.11.0+json"},
		{"version among others", "text/html, application/v1.7.0+json;q=0.9", http.StatusOK, "application/v1.7.0+json"},
		{"higher quality wins", "application/json;q=0.5, application/v1.3.0+json", http.StatusOK, "application/v1.3.0+json"},
		{"html only", "text/html", http.StatusNotAcceptable, "application/json"},
		{"unknown version", "application/v1.12.0+json", http.StatusNotAcceptable, "application/json"},
		{"json refused", "application/json;q=0", http.StatusNotAcceptable, "application/json"},
		{"xml", "application/xml", http.StatusNotAcceptable, "application/json"},
		{"garbage", ";;;,", http.StatusNotAcceptable, "application/json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := f.signForm(url.Values{"url": {f.base + "/media/a.txt"}}, "Accept", tc.accept)
			if r.status != tc.status {
				t.Fatalf("status %d, expected %d; body %s", r.status, tc.status, r.body)
			}
			if got := r.header.Get("Content-Type"); got != tc.contentType {
				t.Errorf("Content-Type %q, expected %q", got, tc.contentType)
			}
			if tc.status != http.StatusOK {
				checkError(t, r, tc.status)
			}
		})
	}
}

func TestSignMultipart(t *testing.T) {
	f := newFixture(t)
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("url", f.base+"/media/a.txt")
	w.WriteField("valid-until", "2026-03-01T13:00:00Z")
	w.Close()
	req := f.request(http.MethodPost, "/api/security/sign", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.SetBasicAuth("alice", alicePass)

	r := f.do(req)
	if r.status != http.StatusOK {
		t.Fatalf("status %d, expected 200; body %s", r.status, r.body)
	}
	if got := r.json(t)["valid-until"]; got != "2026-03-01T13:00:00Z" {
		t.Errorf("valid-until %q, expected 2026-03-01T13:00:00Z", got)
	}
}

func TestSignUnsupportedContentType(t *testing.T) {
	f := newFixture(t)
	req := f.request(http.MethodPost, "/api/security/sign", strings.NewReader(`{"url":"x"}`))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth("alice", alicePass)
	checkError(t, f.do(req), http.StatusUnsupportedMediaType)
}

func TestSignValidSource(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name, source string
		status       int
		reason       string
	}{
		{"client address", "127.0.0.1", http.StatusOK, ""},
		{"client network", "127.0.0.0/8", http.StatusOK, ""},
		{"blank", "  ", http.StatusOK, ""},
		{"other address", "10.0.0.1", http.StatusForbidden, "ip-mismatch"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			form := url.Values{"url": {f.base + "/media/a.txt"}, "valid-source": {tc.source}}
			signed := f.signForm(form).json(t)["url"]
			r := f.get(strings.TrimPrefix(signed, f.base))
			if r.status != tc.status {
				t.Fatalf("GET status %d, expected %d; body %s", r.status, tc.status, r.body)
			}
			if got := r.header.Get(reasonHeader); got != tc.reason {
				t.Errorf("%s %q, expected %q", reasonHeader, got, tc.reason)
			}
		})
	}
}

func TestSignResourcePrefix(t *testing.T) {
	f := newFixture(t)
	form := url.Values{"url": {f.base + "/media/a.txt"}, "resource": {f.base + "/media/*"}}
	signed := f.signForm(form).json(t)["url"]
	_, query, _ := strings.Cut(signed, "?")

	r := f.get("/media/sub/b.txt?" + query)
	if r.status != http.StatusOK || string(r.body) != "second file\n" {
		t.Errorf("GET another file under the prefix: status %d, body %q", r.status, r.body)
	}
	r = f.get("/other/b.txt?" + query)
	if r.status != http.StatusNotFound {
		t.Errorf("GET outside the media path: status %d, expected 404", r.status)
	}
}
