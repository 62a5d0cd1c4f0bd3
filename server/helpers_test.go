package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/signet-media/signet/config"
	"github.com/signet-media/signet/core"
)

// Test credentials and secrets. The tests check that none reaches a log.
const (
	secretMain  = "main-secret-6EDB5EDDCF994B74"
	secretWide  = "wide-secret-32C371D7C274F"
	secretOther = "other-secret-9A1B2C3D"
	alicePass   = "alice-password-1"
	bobPass     = "bob-password-2"
	tokenText   = "token-text-3f1e9d"
	fileContent = "hello, signed world\n"
)

// start is the fixed time of the test clock.
var start = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// clock is a settable test clock, safe for concurrent use.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// logBuffer collects log output, safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// fixture is a Server on a loopback listener with a media directory, keys,
// users and a token.
type fixture struct {
	t       *testing.T
	base    string // http://127.0.0.1:port
	ts      *httptest.Server
	srv     *Server
	clock   *clock
	logs    *logBuffer
	signer  *core.Signer // signs with the server's keys, for crafted URLs
	dir     string       // the media directory
	bcrypts atomic.Int64 // calls of bcrypt comparison
}

// newFixture starts a server. The mutators change the configuration
// before New.
func newFixture(t *testing.T, mutators ...func(*config.Config)) *fixture {
	t.Helper()
	f := &fixture{t: t, clock: &clock{now: start}, logs: &logBuffer{}}
	f.ts = httptest.NewUnstartedServer(nil)
	f.base = "http://" + f.ts.Listener.Addr().String()
	cfg := f.config()
	for _, m := range mutators {
		m(cfg)
	}
	logger := slog.New(slog.NewJSONHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, err := New(cfg, logger, WithClock(f.clock.Now))
	if err != nil {
		f.ts.Close()
		t.Fatalf("New: %v", err)
	}
	srv.auth.compareHash = func(hash, password []byte) error {
		f.bcrypts.Add(1)
		return bcrypt.CompareHashAndPassword(hash, password)
	}
	f.srv = srv
	f.signer, err = core.NewSigner(core.SignerConfig{Keys: cfg.Keys})
	if err != nil {
		t.Fatalf("core.NewSigner: %v", err)
	}
	f.ts.Config.Handler = srv.Handler()
	f.ts.Start()
	t.Cleanup(f.ts.Close)
	return f
}

func (f *fixture) config() *config.Config {
	return &config.Config{
		Keys: []core.Key{
			{ID: "main", Secret: secretMain, URLs: []string{f.base + "/media"}},
			{ID: "wide", Secret: secretWide, URLs: []string{"/"}},
			{ID: "other", Secret: secretOther, URLs: []string{f.base + "/other"}, Organization: "other-org"},
		},
		Users: []config.User{
			{Name: "alice", PasswordHash: hash(f.t, alicePass), Roles: []string{config.RoleAPISecurityEdit}},
			{Name: "bob", PasswordHash: hash(f.t, bobPass), Roles: []string{"ROLE_USER"}},
		},
		Tokens: []config.Token{
			{Name: "ci", SHA256: sha(tokenText), Roles: []string{config.RoleAdmin}},
		},
		CORS:         config.CORS{AllowedOrigins: []string{"https://player.example.org"}, AllowCredentials: true},
		MediaDir:     f.mediaDir(),
		MaxBodyBytes: 4 << 10,
	}
}

// mediaDir creates dir/media with a.txt, sub/b.txt and an empty
// directory, plus dir/outside.txt and a symbolic link media/escape that
// points to it.
func (f *fixture) mediaDir() string {
	root := f.t.TempDir()
	f.dir = filepath.Join(root, "media")
	write := func(name, content string) {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			f.t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			f.t.Fatal(err)
		}
	}
	write("media/a.txt", fileContent)
	write("media/sub/b.txt", "second file\n")
	write("outside.txt", "outside the media directory\n")
	if err := os.Mkdir(filepath.Join(f.dir, "empty"), 0o755); err != nil {
		f.t.Fatal(err)
	}
	if err := os.Symlink("../outside.txt", filepath.Join(f.dir, "escape")); err != nil {
		f.t.Fatal(err)
	}
	return f.dir
}

func hash(t *testing.T, password string) string {
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

// response is a response with its body read.
type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a map of strings, failing the test unless
// the body is such a JSON object.
func (r *response) json(t *testing.T) map[string]string {
	t.Helper()
	var m map[string]string
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q is not a JSON object of strings: %v", r.body, err)
	}
	return m
}

func (f *fixture) do(req *http.Request) *response {
	f.t.Helper()
	resp, err := f.ts.Client().Do(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatalf("reading body: %v", err)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: body}
}

// request returns a request for a target sent exactly as given, without
// the cleaning or escaping that url.Parse would apply.
func (f *fixture) request(method, target string, body io.Reader) *http.Request {
	f.t.Helper()
	req, err := http.NewRequest(method, f.base+"/", body)
	if err != nil {
		f.t.Fatal(err)
	}
	path, query, hasQuery := strings.Cut(target, "?")
	req.URL.Path, req.URL.RawPath = "", ""
	req.URL.Opaque = path
	req.URL.RawQuery = query
	req.URL.ForceQuery = hasQuery && query == ""
	return req
}

func (f *fixture) get(target string, headers ...string) *response {
	f.t.Helper()
	req := f.request(http.MethodGet, target, nil)
	setHeaders(req, headers)
	return f.do(req)
}

// signForm posts form to the sign API with the given headers, as name and
// value pairs. Without an Authorization header it authenticates as alice.
func (f *fixture) signForm(form url.Values, headers ...string) *response {
	f.t.Helper()
	req := f.request(http.MethodPost, "/api/security/sign", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("alice", alicePass)
	setHeaders(req, headers)
	return f.do(req)
}

func setHeaders(req *http.Request, headers []string) {
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
}

// signPath signs a target of the test server with the test keys, valid
// until the given time, and returns the signed target.
func (f *fixture) signPath(target string, validUntil time.Time) string {
	f.t.Helper()
	signed, err := f.signer.Sign(core.SignRequest{URL: f.base + target, ValidUntil: validUntil})
	if err != nil {
		f.t.Fatalf("signing %s: %v", target, err)
	}
	return strings.TrimPrefix(signed.URL, f.base)
}

// signPathOnly signs a path-only URL with the key "wide", so that the
// server's path mapping, not the verifier, must reject tricky paths.
func (f *fixture) signPathOnly(target string, validUntil time.Time) string {
	f.t.Helper()
	signed, err := f.signer.Sign(core.SignRequest{URL: target, ValidUntil: validUntil})
	if err != nil {
		f.t.Fatalf("signing %s: %v", target, err)
	}
	if signed.KeyID != "wide" {
		f.t.Fatalf("signing %s: key %q, expected wide", target, signed.KeyID)
	}
	return signed.URL
}

// queryValue returns the raw value of a query parameter of a target.
func queryValue(target, name string) string {
	_, query, _ := strings.Cut(target, "?")
	for _, param := range strings.Split(query, "&") {
		if k, v, _ := strings.Cut(param, "="); k == name {
			return v
		}
	}
	return ""
}

// checkError checks the headers and JSON body of an error response.
func checkError(t *testing.T, r *response, status int) map[string]string {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, expected %d; body %s", r.status, status, r.body)
	}
	if got := r.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q, expected no-store", got)
	}
	if got := r.header.Get("Content-Type"); !strings.HasPrefix(got, "application/") || !strings.HasSuffix(got, "json") {
		t.Errorf("Content-Type %q, expected JSON", got)
	}
	body := r.json(t)
	if body["error"] == "" {
		t.Errorf("body %s has no error", r.body)
	}
	return body
}

func sha(text string) [32]byte {
	return sha256.Sum256([]byte(text))
}
