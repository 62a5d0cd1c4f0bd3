package edge

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signet-media/signet/config"
	"github.com/signet-media/signet/core"
	"github.com/signet-media/signet/server"
)

// mediaContent is the content of media/a.txt in newParityServers.
const mediaContent = "hello, signed world\n"

// mediaPlaylist is media/hls/list.m3u8 in newParityServers.
const mediaPlaylist = "#EXTM3U\n#EXTINF:2,\nseg1.m4s\n#EXTINF:2,\nseg2.m4s\n"

// parityServers are signet serve's media route and a gateway that serves
// the parent of its media directory, as signet edge --root does, with the
// same keys and the same fixed clock.
type parityServers struct {
	serve, edge         string        // base URLs
	serveLogs, edgeLogs *lockedBuffer // JSON log lines
	now                 time.Time
}

func newParityServers(t *testing.T) *parityServers {
	t.Helper()
	dir := t.TempDir()
	media := filepath.Join(dir, "media")
	if err := os.MkdirAll(filepath.Join(media, "hls"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{"a.txt": mediaContent, "hls/list.m3u8": mediaPlaylist} {
		if err := os.WriteFile(filepath.Join(media, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p := &parityServers{now: time.Now().Truncate(time.Second), serveLogs: &lockedBuffer{}, edgeLogs: &lockedBuffer{}}
	clock := func() time.Time { return p.now }

	serveLogger := slog.New(slog.NewJSONHandler(p.serveLogs, nil))
	srv, err := server.New(&config.Config{Keys: testKeys, NonStrict: true, MediaDir: media}, serveLogger, server.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	serveTS := httptest.NewServer(srv.Handler())
	t.Cleanup(serveTS.Close)

	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	verifier, err := core.NewVerifier(core.VerifierConfig{Keys: testKeys, NonStrict: true})
	if err != nil {
		t.Fatal(err)
	}
	gw, err := New(Config{
		Settings: Settings{Pool: newTestPool(t), Verifier: verifier},
		Files:    server.RootFS(root),
		Logger:   slog.New(slog.NewJSONHandler(p.edgeLogs, nil)),
		Now:      clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	edgeTS := httptest.NewServer(gw)
	t.Cleanup(edgeTS.Close)

	p.serve, p.edge = serveTS.URL, edgeTS.URL
	return p
}

// response is what a parity test compares of a response.
type response struct {
	status int
	header http.Header
	body   string
}

// do sends a request with header pairs name, value, ... to target, a
// path and query, on base.
func do(t *testing.T, method, base, target string, header ...string) response {
	t.Helper()
	req, err := http.NewRequest(method, base+target, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(body)}
}

// comparedHeaders are the response headers that must be equal from signet
// serve and signet edge. Date differs, and the media route's CORS and
// Vary headers are not the gateway's business.
var comparedHeaders = []string{
	"Accept-Ranges", "Cache-Control", "Content-Length", "Content-Range", "Content-Type",
	"ETag", "Last-Modified", "X-Content-Type-Options", "X-Signet-Reason",
}

// checkSame checks that edge has the status, the compared headers and
// the body of serve.
func checkSame(t *testing.T, serve, edge response) {
	t.Helper()
	if edge.status != serve.status {
		t.Errorf("status %d from edge, %d from serve", edge.status, serve.status)
	}
	for _, name := range comparedHeaders {
		if got, want := edge.header.Values(name), serve.header.Values(name); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s %q from edge, %q from serve", name, got, want)
		}
	}
	if edge.body != serve.body {
		t.Errorf("body %q from edge, %q from serve", edge.body, serve.body)
	}
}

// checkJSONError checks that r is a JSON error with a message, as the
// media route sends, and returns the message.
func checkJSONError(t *testing.T, method string, r response) string {
	t.Helper()
	if got := r.header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type %q, expected application/json", got)
	}
	if got := r.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q, expected no-store", got)
	}
	if method == http.MethodHead {
		return ""
	}
	var p problem
	if err := json.Unmarshal([]byte(r.body), &p); err != nil || p.Error == "" {
		t.Errorf("body %q, expected a JSON error with a message", r.body)
	}
	return p.Error
}

// TestGatewayFilesLikeMediaRoute sends the same Range and conditional
// requests to signet serve's media route and to the gateway serving the
// same file, and checks each response against the expected status and
// against the media route's response.
func TestGatewayFilesLikeMediaRoute(t *testing.T) {
	p := newParityServers(t)
	target := sign(t, "", "/media/a.txt", p.now.Add(time.Hour))
	first := do(t, http.MethodGet, p.serve, target)
	etag, lastModified := first.header.Get("ETag"), first.header.Get("Last-Modified")
	if etag == "" || lastModified == "" {
		t.Fatalf("the media route sent ETag %q and Last-Modified %q, expected both", etag, lastModified)
	}
	size := strconv.Itoa(len(mediaContent))

	tests := []struct {
		name   string
		method string
		header []string
		status int
	}{
		{"whole file", http.MethodGet, nil, http.StatusOK},
		{"head", http.MethodHead, nil, http.StatusOK},
		{"range", http.MethodGet, []string{"Range", "bytes=0-4"}, http.StatusPartialContent},
		{"upper-case unit", http.MethodGet, []string{"Range", "Bytes=0-4"}, http.StatusPartialContent},
		{"range past end", http.MethodGet, []string{"Range", "bytes=100-200"}, http.StatusRequestedRangeNotSatisfiable},
		{"range from size", http.MethodGet, []string{"Range", "bytes=" + size + "-"}, http.StatusRequestedRangeNotSatisfiable},
		{"head range past end", http.MethodHead, []string{"Range", "bytes=100-200"}, http.StatusRequestedRangeNotSatisfiable},
		{"malformed range", http.MethodGet, []string{"Range", "bytes=x"}, http.StatusRequestedRangeNotSatisfiable},
		{"unknown unit", http.MethodGet, []string{"Range", "items=0-1"}, http.StatusOK},
		{"zero suffix", http.MethodGet, []string{"Range", "bytes=-0"}, http.StatusRequestedRangeNotSatisfiable},
		{"zero suffix and a range", http.MethodGet, []string{"Range", "bytes=-0, 7-12"}, http.StatusPartialContent},
		{"if-none-match", http.MethodGet, []string{"If-None-Match", etag}, http.StatusNotModified},
		{"if-none-match other", http.MethodGet, []string{"If-None-Match", `"other"`}, http.StatusOK},
		{"if-modified-since", http.MethodGet, []string{"If-Modified-Since", lastModified}, http.StatusNotModified},
		{"if-match failed", http.MethodGet, []string{"If-Match", `"other"`}, http.StatusPreconditionFailed},
		{"if-range", http.MethodGet, []string{"Range", "bytes=7-12", "If-Range", etag}, http.StatusPartialContent},
		{"if-range stale", http.MethodGet, []string{"Range", "bytes=7-12", "If-Range", `"other"`}, http.StatusOK},
		{"if-none-match and range past end", http.MethodGet, []string{"If-None-Match", etag, "Range", "bytes=100-"}, http.StatusNotModified},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			edge := do(t, tc.method, p.edge, target, tc.header...)
			if edge.status != tc.status {
				t.Errorf("status %d, expected %d; body %q", edge.status, tc.status, edge.body)
			}
			checkSame(t, do(t, tc.method, p.serve, target, tc.header...), edge)

			switch tc.status {
			case http.StatusRequestedRangeNotSatisfiable:
				if got := edge.header.Get("Content-Range"); got != "bytes */"+size {
					t.Errorf("Content-Range %q, expected %q", got, "bytes */"+size)
				}
				message := checkJSONError(t, tc.method, edge)
				if tc.method == http.MethodGet && !strings.Contains(message, size+" bytes") {
					t.Errorf("error %q does not give the length %s", message, size)
				}
			case http.StatusPreconditionFailed:
				checkJSONError(t, tc.method, edge)
			case http.StatusOK:
				if got := edge.header.Get("ETag"); got != etag {
					t.Errorf("ETag %q, expected %q", got, etag)
				}
			}
		})
	}
}

// TestGatewayFilesErrorsLikeMediaRoute checks the gateway's responses to
// verified requests for files that it cannot serve.
func TestGatewayFilesErrorsLikeMediaRoute(t *testing.T) {
	p := newParityServers(t)
	until := p.now.Add(time.Hour)
	for _, name := range []string{"/media/missing.txt", "/media/hls/", "/media/hls"} {
		t.Run(name, func(t *testing.T) {
			target := sign(t, "", name, until)
			edge := do(t, http.MethodGet, p.edge, target)
			if edge.status != http.StatusNotFound {
				t.Errorf("status %d, expected 404", edge.status)
			}
			checkSame(t, do(t, http.MethodGet, p.serve, target), edge)
			checkJSONError(t, http.MethodGet, edge)
		})
	}
}

// TestGatewayPlaylistRangeLikeMediaRoute checks Range requests for a
// playlist rewritten for a prefix-scoped signature.
func TestGatewayPlaylistRangeLikeMediaRoute(t *testing.T) {
	p := newParityServers(t)
	target := signRequest(t, "", core.SignRequest{
		URL: "/media/hls/list.m3u8", Resource: "/media/hls/*", ValidUntil: p.now.Add(time.Hour),
	})
	tests := []struct {
		name   string
		header []string
		status int
	}{
		{"whole playlist", nil, http.StatusOK},
		{"range", []string{"Range", "bytes=0-6"}, http.StatusPartialContent},
		{"unknown unit", []string{"Range", "items=0-1"}, http.StatusOK},
		{"zero suffix", []string{"Range", "bytes=-0"}, http.StatusRequestedRangeNotSatisfiable},
		{"range past end", []string{"Range", "bytes=100000-"}, http.StatusRequestedRangeNotSatisfiable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			edge := do(t, http.MethodGet, p.edge, target, tc.header...)
			if edge.status != tc.status {
				t.Errorf("status %d, expected %d; body %q", edge.status, tc.status, edge.body)
			}
			checkSame(t, do(t, http.MethodGet, p.serve, target, tc.header...), edge)
			if tc.status == http.StatusRequestedRangeNotSatisfiable {
				checkJSONError(t, http.MethodGet, edge)
			}
			if tc.status == http.StatusOK && !strings.Contains(edge.body, "seg1.m4s?policy=") {
				t.Errorf("the playlist is not rewritten:\n%s", edge.body)
			}
		})
	}
}

// sendfileWriter counts the bytes that pass through its ReadFrom, the
// method through which net/http sends a file with sendfile, and whether
// each reader was an *os.File, alone or under an io.LimitedReader, which
// is what sendfile needs.
type sendfileWriter struct {
	http.ResponseWriter
	bytes    *atomic.Int64
	notFiles *atomic.Int64 // readers that sendfile cannot send
}

func (w sendfileWriter) ReadFrom(r io.Reader) (int64, error) {
	src := r
	if lr, ok := r.(*io.LimitedReader); ok {
		src = lr.R
	}
	if _, ok := src.(*os.File); !ok {
		w.notFiles.Add(1)
	}
	n, err := w.ResponseWriter.(io.ReaderFrom).ReadFrom(r)
	w.bytes.Add(n)
	return n, err
}

// TestGatewayFilesSentWithSendfile checks that files reach the
// connection's ReadFrom as *os.File, as the media route sends them.
func TestGatewayFilesSentWithSendfile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte(mediaContent), 0o644); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	gw, err := New(Config{Settings: Settings{Pool: newTestPool(t)}, Files: server.RootFS(root), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	var copied, notFiles atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gw.ServeHTTP(sendfileWriter{w, &copied, &notFiles}, r)
	}))
	defer ts.Close()
	target := sign(t, "", "/a.txt", time.Now().Add(time.Hour))

	tests := []struct {
		name   string
		header []string
		status int
		copied int
	}{
		{"whole file", nil, http.StatusOK, len(mediaContent)},
		{"range", []string{"Range", "bytes=7-12"}, http.StatusPartialContent, 6},
		{"range past end", []string{"Range", "bytes=100-"}, http.StatusRequestedRangeNotSatisfiable, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			copied.Store(0)
			notFiles.Store(0)
			r := do(t, http.MethodGet, ts.URL, target, tc.header...)
			if r.status != tc.status {
				t.Fatalf("status %d, expected %d", r.status, tc.status)
			}
			if got := copied.Load(); got != int64(tc.copied) {
				t.Errorf("%d bytes sent through ReadFrom, expected %d", got, tc.copied)
			}
			if got := notFiles.Load(); got != 0 {
				t.Errorf("%d readers passed to ReadFrom are no *os.File, so sendfile cannot send them", got)
			}
		})
	}
}

// TestGatewayProxyRange checks that the gateway passes Range and
// conditional requests to the origin and returns the origin's response,
// whatever it is.
func TestGatewayProxyRange(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte(mediaContent), 0o644); err != nil {
		t.Fatal(err)
	}
	origin := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer origin.Close()
	u, err := url.Parse(origin.URL)
	if err != nil {
		t.Fatal(err)
	}
	gw, err := New(Config{Settings: Settings{Pool: newTestPool(t)}, Origin: u, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(gw)
	defer ts.Close()
	target := sign(t, "", "/a.txt", time.Now().Add(time.Hour))

	for _, tc := range []struct {
		name   string
		header []string
	}{
		{"range", []string{"Range", "bytes=0-4"}},
		{"range past end", []string{"Range", "bytes=100-"}},
		{"unknown unit", []string{"Range", "items=0-1"}},
		{"if-match failed", []string{"If-Match", `"other"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			direct := do(t, http.MethodGet, origin.URL, target, tc.header...)
			proxied := do(t, http.MethodGet, ts.URL, target, tc.header...)
			if proxied.status != direct.status || proxied.body != direct.body {
				t.Errorf("%d %q through the gateway, %d %q from the origin", proxied.status, proxied.body, direct.status, direct.body)
			}
			if got, want := proxied.header.Get("Content-Range"), direct.header.Get("Content-Range"); got != want {
				t.Errorf("Content-Range %q through the gateway, %q from the origin", got, want)
			}
		})
	}
}

// TestFileServerIgnoresURL checks that server.FileServer serves the name
// it is given whatever the request's URL path, which selects no route of
// its gin engine when it lacks a leading slash.
func TestFileServerIgnoresURL(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte(mediaContent), 0o644); err != nil {
		t.Fatal(err)
	}
	files := server.NewFileServer(os.DirFS(dir), slog.New(slog.DiscardHandler))
	for _, path := range []string{"/a.txt", "/other", "a.txt", ""} {
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			t.Run(method+" "+path, func(t *testing.T) {
				req := httptest.NewRequest(method, "/", nil)
				req.URL.Path = path
				w := httptest.NewRecorder()
				if message := files.ServeFile(w, req, "a.txt", "private, max-age=60", ""); message != "" {
					t.Errorf("error %q", message)
				}
				if w.Code != http.StatusOK {
					t.Errorf("status %d, expected 200", w.Code)
				}
				if got := w.Header().Get("ETag"); got == "" {
					t.Error("no ETag")
				}
				if method == http.MethodGet && w.Body.String() != mediaContent {
					t.Errorf("body %q, expected %q", w.Body.String(), mediaContent)
				}
			})
		}
	}
}
