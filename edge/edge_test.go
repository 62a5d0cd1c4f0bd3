package edge

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signet-media/signet/core"
	"github.com/signet-media/signet/server"
	"github.com/signet-media/signet/wasm"
)

var testKeys = []core.Key{{ID: "edge", Secret: "edge-secret-0123456789", URLs: []string{"http://127.0.0.1/"}}}

// testRuntime is the module, built and compiled once for all tests. It
// stays open until the test binary exits.
var testRuntime = sync.OnceValues(func() (*wasm.Runtime, error) {
	dir, err := os.MkdirTemp("", "signet-edge-test")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "signet.wasm")
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", out, "../wasm/guest")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build: %v\n%s", err, b)
	}
	module, err := wasm.ReadModule(out)
	if err != nil {
		return nil, err
	}
	return wasm.Compile(context.Background(), module, wasm.Options{})
})

// newTestPool returns a pool of the module with the test key.
func newTestPool(t *testing.T) *wasm.Pool {
	t.Helper()
	rt, err := testRuntime()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	pool, err := rt.NewPool(ctx, core.VerifierConfig{Keys: testKeys, NonStrict: true}, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pool.Close(ctx) })
	return pool
}

// sign signs a path on base for the test key, valid until validUntil.
func sign(t *testing.T, base, path string, validUntil time.Time) string {
	t.Helper()
	return signRequest(t, base, core.SignRequest{URL: path, ValidUntil: validUntil})
}

// signRequest signs req, whose URL and Resource are paths, for the test
// key, and returns the signed URL on base.
func signRequest(t *testing.T, base string, req core.SignRequest) string {
	t.Helper()
	signer, err := core.NewSigner(core.SignerConfig{Keys: testKeys})
	if err != nil {
		t.Fatal(err)
	}
	req.URL = "http://127.0.0.1" + req.URL
	if req.Resource != "" {
		req.Resource = "http://127.0.0.1" + req.Resource
	}
	signed, err := signer.Sign(req)
	if err != nil {
		t.Fatal(err)
	}
	return base + strings.TrimPrefix(signed.URL, "http://127.0.0.1")
}

// movieFiles returns a directory with the file a.mp4, closed when the test
// ends.
func movieFiles(t *testing.T) fs.FS {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.mp4"), []byte("movie"), 0o644); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	return root.FS()
}

func get(t *testing.T, u string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func TestGatewayFiles(t *testing.T) {
	files := movieFiles(t)
	now := time.Now().Truncate(time.Second)
	clock := func() time.Time { return now }
	gw, err := New(Config{Settings: Settings{Pool: newTestPool(t)}, Files: files, Now: clock, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	defer srv.Close()
	signed := sign(t, srv.URL, "/a.mp4", now.Add(time.Hour))
	signedX := sign(t, srv.URL, "/x/a.mp4", now.Add(time.Hour))

	tests := []struct {
		name, url, reason string
		status            int
	}{
		{"signed", signed, "", 200},
		{"unsigned", srv.URL + "/a.mp4", "unsigned", 401},
		{"tampered", strings.Replace(signed, "signature=", "signature=0", 1), "invalid-signature", 403},
		{"other file", strings.Replace(signed, "/a.mp4", "/b.mp4", 1), "resource-mismatch", 403},
		{"traversal", strings.Replace(signed, "/a.mp4", "/x/%2e%2e/a.mp4", 1), "ambiguous-path", 400},
		{"encoded slash", sign(t, srv.URL, "/x%2Fa.mp4", now.Add(time.Hour)), "ambiguous-path", 400},
		{"outside root", sign(t, srv.URL, "/../etc/passwd", now.Add(time.Hour)), "ambiguous-path", 400},
		// Signed for /x/a.mp4, which the verifier also reads here, while
		// the file system would open /a.mp4.
		{"empty segment and dot dot", strings.Replace(signedX, "/x/a.mp4", "/x//../a.mp4", 1), "ambiguous-path", 400},
		{"missing file", sign(t, srv.URL, "/b.mp4", now.Add(time.Hour)), "", 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := get(t, tc.url)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, expected %d; body %s", resp.StatusCode, tc.status, body)
			}
			if got := resp.Header.Get("X-Signet-Reason"); got != tc.reason {
				t.Errorf("X-Signet-Reason %q, expected %q", got, tc.reason)
			}
			cc := resp.Header.Get("Cache-Control")
			if tc.status != 200 && cc != "no-store" {
				t.Errorf("Cache-Control %q on an error, expected no-store", cc)
			}
			if tc.status == 200 && (cc != "private, max-age=3600" || body != "movie") {
				t.Errorf("Cache-Control %q, body %q; expected private, max-age=3600 and movie", cc, body)
			}
		})
	}

	now = now.Add(2 * time.Hour)
	resp, _ := get(t, signed)
	if resp.StatusCode != 410 || resp.Header.Get("X-Signet-Reason") != "expired" {
		t.Errorf("after expiry: %d %s, expected 410 expired", resp.StatusCode, resp.Header.Get("X-Signet-Reason"))
	}
}

func TestGatewayProxy(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=31536000")
		fmt.Fprintf(w, "origin %s %s", r.URL.Path, r.Header.Get("X-Forwarded-For"))
	}))
	defer origin.Close()
	u, _ := url.Parse(origin.URL)
	gw, err := New(Config{Settings: Settings{Pool: newTestPool(t)}, Origin: u, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	defer srv.Close()

	resp, body := get(t, sign(t, srv.URL, "/v/a.mp4", time.Now().Add(10*time.Minute)))
	if resp.StatusCode != 200 || body != "origin /v/a.mp4 127.0.0.1" {
		t.Fatalf("proxied: %d %q; expected 200 \"origin /v/a.mp4 127.0.0.1\"", resp.StatusCode, body)
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.HasPrefix(cc, "private, max-age=") || cc > "private, max-age=600" {
		t.Errorf("Cache-Control %q; expected private with max-age at most 600", cc)
	}
	resp, _ = get(t, srv.URL+"/v/a.mp4")
	if resp.StatusCode != 401 {
		t.Errorf("unsigned: %d, expected 401", resp.StatusCode)
	}
	if resp.Header.Get("WWW-Authenticate") != server.SignedURLChallenge {
		t.Errorf("unsigned: WWW-Authenticate %q, expected the media route's challenge", resp.Header.Get("WWW-Authenticate"))
	}
}

// TestGatewayProxyHiddenPath checks that the gateway passes no path with a
// segment starting with '.' to its origin, even under a prefix signature
// that covers it, as forward authentication refuses them.
func TestGatewayProxyHiddenPath(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "origin served %s", r.URL.Path)
	}))
	defer origin.Close()
	u, _ := url.Parse(origin.URL)
	gw, err := New(Config{Settings: Settings{Pool: newTestPool(t)}, Origin: u, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	defer srv.Close()

	signed := signRequest(t, srv.URL, core.SignRequest{URL: "/v/hls/a.ts", Resource: "/v/hls/*", ValidUntil: time.Now().Add(time.Hour)})
	query := signed[strings.Index(signed, "?"):]
	for _, path := range []string{"/v/hls/.git/config", "/v/hls/.htpasswd", "/v/hls/%2Eenv"} {
		resp, body := get(t, srv.URL+path+query)
		if resp.StatusCode != http.StatusNotFound || resp.Header.Get("X-Signet-Reason") != "hidden-path" {
			t.Errorf("%s: %d %s %q; expected 404 hidden-path", path, resp.StatusCode, resp.Header.Get("X-Signet-Reason"), body)
		}
	}
	if resp, body := get(t, srv.URL+"/v/hls/a.ts"+query); resp.StatusCode != http.StatusOK {
		t.Errorf("/v/hls/a.ts: %d %q; expected 200", resp.StatusCode, body)
	}
}

// TestGatewayLogsReasonOfMissingFile checks that the log line of a
// verified request for a missing file keeps the verification's reason
// code and key id beside the error, as signet serve's media route logs it.
func TestGatewayLogsReasonOfMissingFile(t *testing.T) {
	root, err := os.OpenRoot(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	gw, err := New(Config{Settings: Settings{Pool: newTestPool(t)}, Files: root.FS(), Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	defer srv.Close()

	resp, body := get(t, sign(t, srv.URL, "/missing.mp4", time.Now().Add(time.Hour)))
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("status %d, expected 404; body %s", resp.StatusCode, body)
	}
	// The gateway logs after it has sent the response, so wait for the line.
	var line string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if line = logs.String(); strings.Contains(line, `"status":404`) {
			break
		}
	}
	for _, want := range []string{`"status":404`, `"reason":"ok"`, `"key_id":"`, `"error":"not found"`} {
		if !strings.Contains(line, want) {
			t.Errorf("log %s lacks %s", line, want)
		}
	}
}

// lockedBuffer is a log destination that the server writes while the test
// reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Reset()
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
