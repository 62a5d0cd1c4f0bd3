package edge

import (
	"bufio"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signet-media/signet/config"
)

// TestGatewayMethodNotAllowedLikeMediaRoute checks that the gateway
// rejects other methods than GET and HEAD with the status, Allow header
// and body of the media route.
func TestGatewayMethodNotAllowedLikeMediaRoute(t *testing.T) {
	p := newParityServers(t)
	target := sign(t, "", "/media/a.txt", p.now.Add(time.Hour))
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, "PROPFIND"} {
		t.Run(method, func(t *testing.T) {
			edge := do(t, method, p.edge, target)
			if edge.status != http.StatusMethodNotAllowed {
				t.Errorf("status %d, expected 405", edge.status)
			}
			serve := do(t, method, p.serve, target)
			checkSame(t, serve, edge)
			if got, want := edge.header.Get("Allow"), serve.header.Get("Allow"); got != want {
				t.Errorf("Allow %q from edge, %q from serve", got, want)
			}
			want := `{"error":"method ` + method + ` not allowed; use GET, HEAD"}` + "\n"
			if edge.body != want {
				t.Errorf("body %q, expected %q", edge.body, want)
			}
		})
	}
}

// TestGatewayLongTargetLikeMediaRoute checks that a target longer than
// the default limit of limits.max-url-bytes gets 414 from both servers,
// whatever the method. The messages differ: the gateway's names the
// setting.
func TestGatewayLongTargetLikeMediaRoute(t *testing.T) {
	p := newParityServers(t)
	target := sign(t, "", "/media/a.txt", p.now.Add(time.Hour)) + "&pad=" + strings.Repeat("x", config.DefaultMaxURLBytes)
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		t.Run(method, func(t *testing.T) {
			serve := do(t, method, p.serve, target)
			edge := do(t, method, p.edge, target)
			if serve.status != http.StatusRequestURITooLong {
				t.Errorf("status %d from serve, expected 414", serve.status)
			}
			if edge.status != serve.status {
				t.Errorf("status %d from edge, %d from serve", edge.status, serve.status)
			}
			checkJSONError(t, method, edge)
		})
	}
}

// newLimitGateway starts a gateway that serves a.mp4 with the URL limit
// maxURLBytes, where 0 is the default.
func newLimitGateway(t *testing.T, maxURLBytes int) (*Gateway, *httptest.Server) {
	t.Helper()
	files := movieFiles(t)
	gw, err := New(Config{
		Settings: Settings{Pool: newTestPool(t), MaxURLBytes: maxURLBytes},
		Files:    files,
		Logger:   slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	return gw, srv
}

// signPadded signs /a.mp4 with a query parameter that makes the request
// target as long as possible up to maxLength bytes. The policy contains
// the padding too, so the length cannot be chosen to the byte.
func signPadded(t *testing.T, base string, maxLength int) string {
	t.Helper()
	until := time.Now().Add(time.Hour)
	target := func(pad int) string { return sign(t, "", "/a.mp4?pad="+strings.Repeat("x", pad), until) }
	low, high := 0, maxLength // the maximum padding that fits is in [low, high)
	if len(target(low)) > maxLength {
		t.Fatalf("a signed target without padding is longer than %d bytes", maxLength)
	}
	for high-low > 1 {
		mid := (low + high) / 2
		if len(target(mid)) <= maxLength {
			low = mid
		} else {
			high = mid
		}
	}
	return base + target(low)
}

// TestGatewayMaxURLBytes checks that the gateway applies the configured
// limit of the request target, and the default when none is set.
func TestGatewayMaxURLBytes(t *testing.T) {
	tests := []struct {
		name   string
		length int                  // the maximum length of the target
		limit  func(target int) int // the configured limit, given the target's length; 0 for the default
		status int
	}{
		{"default limit, target below it", config.DefaultMaxURLBytes, func(int) int { return 0 }, http.StatusOK},
		{"default limit, target over it", config.DefaultMaxURLBytes + 100, func(int) int { return 0 }, http.StatusRequestURITooLong},
		{"configured limit, target below it", 10103, func(int) int { return 20000 }, http.StatusOK},
		{"configured limit equal to target", 10103, func(n int) int { return n }, http.StatusOK},
		{"configured limit below target", 10103, func(n int) int { return n - 1 }, http.StatusRequestURITooLong},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			target := signPadded(t, "", tc.length)
			limit := tc.limit(len(target))
			_, srv := newLimitGateway(t, limit)
			resp, body := get(t, srv.URL+target)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d for a target of %d bytes, expected %d; body %s", resp.StatusCode, len(target), tc.status, body)
			}
			if tc.status != http.StatusRequestURITooLong {
				return
			}
			if limit == 0 {
				limit = config.DefaultMaxURLBytes
			}
			checkTooLongBody(t, body, len(target), limit)
		})
	}
}

// checkTooLongBody checks that the body of a 414 names the length of the
// target, the limit and the setting.
func checkTooLongBody(t *testing.T, body string, length, limit int) {
	t.Helper()
	var p problem
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatalf("body %q is no JSON error: %v", body, err)
	}
	want := "request target of " + strconv.Itoa(length) + " bytes is longer than limits.max-url-bytes (" +
		strconv.Itoa(limit) + " bytes)"
	if !strings.HasPrefix(p.Error, want) {
		t.Errorf("error %q, expected it to start with %q", p.Error, want)
	}
}

func TestGatewayReloadMaxURLBytes(t *testing.T) {
	gw, srv := newLimitGateway(t, 20000)
	target := signPadded(t, "", 10103)
	if resp, body := get(t, srv.URL+target); resp.StatusCode != http.StatusOK {
		t.Fatalf("before the reload: status %d, expected 200; body %s", resp.StatusCode, body)
	}

	gw.Reload(Settings{Pool: newTestPool(t), MaxURLBytes: 10000})
	resp, body := get(t, srv.URL+target)
	if resp.StatusCode != http.StatusRequestURITooLong {
		t.Fatalf("after the reload: status %d, expected 414; body %s", resp.StatusCode, body)
	}
	checkTooLongBody(t, body, len(target), 10000)
}

// sendRaw sends one GET request with the target exactly as given, over a
// new connection to base with base's host and port as Host. It returns the
// response status.
func sendRaw(t *testing.T, base, target string) int {
	t.Helper()
	host := strings.TrimPrefix(base, "http://")
	conn, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, "GET "+target+" HTTP/1.1\r\nHost: "+host+"\r\nConnection: close\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// loggedTargets returns the target of each request line in JSON logs.
func loggedTargets(t *testing.T, logs string) []string {
	t.Helper()
	var targets []string
	for line := range strings.Lines(logs) {
		var entry struct{ Msg, Target string }
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("log line %q is no JSON: %v", line, err)
		}
		if entry.Msg == "request" {
			targets = append(targets, entry.Target)
		}
	}
	return targets
}

// TestGatewayLogsTargetLikeMediaRoute sends request targets in origin
// form and absolute form to both servers, and checks that both log the
// same target: the path and query, with the signing parameters redacted.
func TestGatewayLogsTargetLikeMediaRoute(t *testing.T) {
	p := newParityServers(t)
	signed := sign(t, "", "/media/a.txt", p.now.Add(time.Hour))
	_, signature, _ := strings.Cut(signed, "&signature=")
	tests := []struct {
		name, target, logged string
	}{
		{"origin form", signed, "/media/a.txt?policy=REDACTED"},
		{"absolute form", "http://127.0.0.1" + signed, "/media/a.txt?policy=REDACTED"},
		{"absolute form with a port", "http://127.0.0.1:8080" + signed, "/media/a.txt?policy=REDACTED"},
		{"absolute form without a path", "http://127.0.0.1", "/"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p.serveLogs.Reset()
			p.edgeLogs.Reset()
			sendRaw(t, p.serve, tc.target)
			sendRaw(t, p.edge, tc.target)
			serve := waitForTarget(t, p.serveLogs)
			edge := waitForTarget(t, p.edgeLogs)
			if edge != serve {
				t.Errorf("logged target %q from edge, %q from serve", edge, serve)
			}
			if !strings.HasPrefix(edge, tc.logged) {
				t.Errorf("logged target %q, expected it to start with %q", edge, tc.logged)
			}
			if strings.Contains(edge, signature) {
				t.Errorf("logged target %q contains the signature", edge)
			}
		})
	}
}

// waitForTarget waits for the log line of a request, which a server
// writes after it has sent the response, and returns its target.
func waitForTarget(t *testing.T, logs *lockedBuffer) string {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if targets := loggedTargets(t, logs.String()); len(targets) > 0 {
			return targets[0]
		}
	}
	t.Fatalf("no request line in the log:\n%s", logs.String())
	return ""
}

// TestGatewayProxyTargetForm checks that a request target in a form other
// than origin form or http(s) absolute form is rejected. net/http reads
// the path of "x:/media/secret.bin?x=://host/media/sub/a.bin?SIGNATURE" as
// /media/secret.bin, which the proxy forwarded, while the verifier read
// /media/sub/a.bin after the "://" in the query and granted it.
func TestGatewayProxyTargetForm(t *testing.T) {
	var reached atomic.Value
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Store(r.URL.Path)
		io.WriteString(w, "origin "+r.URL.Path)
	}))
	defer origin.Close()
	u, _ := url.Parse(origin.URL)
	gw, err := New(Config{Settings: Settings{Pool: newTestPool(t)}, Origin: u, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	defer srv.Close()

	signed := sign(t, srv.URL, "/media/sub/a.bin", time.Now().Add(10*time.Minute))
	_, query, _ := strings.Cut(signed, "?")
	host := strings.TrimPrefix(srv.URL, "http://")
	for _, target := range []string{
		"x:/media/secret.bin?x=://" + host + "/media/sub/a.bin?" + query,
		"http:/media/secret.bin?x=://" + host + "/media/sub/a.bin?" + query,
		"*",
		host,
	} {
		status := sendRaw(t, srv.URL, target)
		if status != http.StatusBadRequest {
			t.Errorf("GET %s: status %d; expected 400", target, status)
		}
	}
	if path, _ := reached.Load().(string); path != "" {
		t.Errorf("the origin received a request for %s", path)
	}
	if status := sendRaw(t, srv.URL, "http://"+host+"/media/sub/a.bin?"+query); status != http.StatusOK {
		t.Errorf("absolute form: status %d; expected 200", status)
	}
}
