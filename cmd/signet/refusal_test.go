package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/signet-media/signet/core"
)

// refusal is a request through a web server in front of signet that
// signet must reject, with the status and reason the client must get.
type refusal struct {
	name, url string
	headers   []string // name and value pairs
	status    int
	reason    string
}

// refusals returns the requests that a web server protected by signet's
// forward authentication must reject, with f's URLs. keyID is the key
// that signed them.
func (f *frontServer) refusals(keyID string) []refusal {
	base, signed := f.base, f.signed
	return []refusal{
		{"unsigned", base + "/media/lecture.mp4", nil, 401, "unsigned"},
		{"tampered", signed[:len(signed)-1] + flipHex(signed[len(signed)-1:]), nil, 403, "invalid-signature"},
		{"other file", strings.Replace(signed, "lecture.mp4", "other.mp4", 1), nil, 403, "resource-mismatch"},
		{"expired", f.expired, nil, 410, "expired"},
		{"malformed", base + "/media/lecture.mp4?policy=e30&keyId=" + keyID + "&signature=00", nil, 400, "malformed-policy"},
		{"bound to another client", f.other, nil, 403, "ip-mismatch"},
		{"spoofed client address", f.other, []string{"X-Forwarded-For", "192.0.2.1"}, 403, "ip-mismatch"},
		{"spoofed original URI", base + "/media/lecture.mp4", []string{"X-Original-URI", strings.TrimPrefix(signed, base)}, 401, "unsigned"},
		{"empty segment and dot dot", strings.Replace(signed, "/media/lecture.mp4", "/media/x//../lecture.mp4", 1), nil, 400, "ambiguous-path"},
		{"hidden file", f.hidden, nil, 404, "hidden-path"},
	}
}

// checkRefusals sends each request and checks its status, reason code and
// Cache-Control. extra, unless nil, checks more of each response.
func checkRefusals(t *testing.T, cases []refusal, extra func(*testing.T, *http.Response, refusal)) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", tc.url, nil)
			for i := 0; i+1 < len(tc.headers); i += 2 {
				req.Header.Set(tc.headers[i], tc.headers[i+1])
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			checkRefused(t, resp, tc.status, tc.reason)
			if extra != nil {
				extra(t, resp, tc)
			}
		})
	}
}

// frontServer is signet behind a web server, set up for the forward
// authentication tests: the media directory, and the URLs of lecture.mp4
// that signet signed for the web server's base URL.
type frontServer struct {
	base    string // the web server's URL
	content []byte // of lecture.mp4
	signet  *runningServer
	signed  string // valid for any client
	bound   string // bound to 127.0.0.1
	other   string // bound to another client
	expired string
	hidden  string // of media/.env, a file that must not be served
}

// newFrontServer writes dir/media/lecture.mp4, dir/media/.env and a
// signet configuration with the key keyID for base/media/, starts signet,
// then the web server with start(signet's host:port, dir), and signs the
// URLs of the tests.
func newFrontServer(t *testing.T, keyID, base string, start func(signetAddr, dir string)) *frontServer {
	t.Helper()
	dir := t.TempDir()
	f := &frontServer{base: base, content: bytes.Repeat([]byte(keyID+"+signet "), 100)}
	if err := os.Mkdir(filepath.Join(dir, "media"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "media", "lecture.mp4"), f.content, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "media", ".env"), []byte("hidden\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(e2ePassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "signet.conf")
	text := fmt.Sprintf("key.%[1]s.secret = %[2]s\nkey.%[1]s.url = %[3]s/media/\nproxy.trusted = 127.0.0.1/32\n"+
		"user.alice.password-hash = %[4]s\nuser.alice.roles = ROLE_API_SECURITY_EDIT\n", keyID, e2eSecret, base, hash)
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	f.signet = startServer(t, "--config", conf)
	start(strings.TrimPrefix(f.signet.base, "http://"), dir)

	lecture := base + "/media/lecture.mp4"
	f.signed = f.sign(t, url.Values{"url": {lecture}})
	f.bound = f.sign(t, url.Values{"url": {lecture}, "valid-source": {"127.0.0.1"}})
	f.other = f.sign(t, url.Values{"url": {lecture}, "valid-source": {"192.0.2.1"}})
	f.hidden = f.sign(t, url.Values{"url": {base + "/media/.env"}})
	signer, err := core.NewSigner(core.SignerConfig{Keys: []core.Key{{ID: keyID, Secret: e2eSecret, URLs: []string{base + "/media/"}}}})
	if err != nil {
		t.Fatal(err)
	}
	expired, err := signer.Sign(core.SignRequest{URL: lecture, ValidUntil: time.Now().Add(-time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	f.expired = expired.URL
	return f
}

// sign signs a URL with signet's sign API and returns it.
func (f *frontServer) sign(t *testing.T, form url.Values) string {
	t.Helper()
	status, body := f.signet.signURL(t, form)
	if status != 200 || body["url"] == "" {
		t.Fatalf("sign %v: %d %v", form, status, body)
	}
	return body["url"]
}
