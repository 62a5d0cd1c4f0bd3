package edge

import (
	"bufio"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/signet-media/signet/config"
	"github.com/signet-media/signet/server"
)

// newLoggedGateway starts a gateway that serves a.mp4 with the URL limit
// maxURLBytes, where 0 is the default, and logs JSON lines to the
// returned buffer. Its HTTP server reads as many header bytes as signet
// edge's, so that a request line or Host of about 1 MiB reaches it.
func newLoggedGateway(t *testing.T, maxURLBytes int) (*httptest.Server, *lockedBuffer) {
	t.Helper()
	files := movieFiles(t)
	logs := &lockedBuffer{}
	gw, err := New(Config{
		Settings: Settings{Pool: newTestPool(t), MaxURLBytes: maxURLBytes},
		Files:    files,
		Logger:   slog.New(slog.NewJSONHandler(logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(gw)
	srv.Config.MaxHeaderBytes = config.MaxURLBytesLimit + 32<<10 // as cmd/signet's edgeMaxHeaderBytes
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, logs
}

// sendRawHost sends one GET request with the target and the Host header
// exactly as given, over a new connection to base. It returns the
// response status and body.
func sendRawHost(t *testing.T, base, target, host string) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	request := "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n"
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("GET %s with a Host of %d bytes: %v", target, len(host), err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// checkNoErrorLogged waits for the request line of one request in logs,
// JSON lines, and fails if any line has the level ERROR.
func checkNoErrorLogged(t *testing.T, logs *lockedBuffer) {
	t.Helper()
	waitForTarget(t, logs)
	for line := range strings.Lines(logs.String()) {
		var entry struct{ Level, Msg string }
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("log line %q is no JSON: %v", line, err)
		}
		if entry.Level == slog.LevelError.String() {
			t.Errorf("ERROR logged for a client error: %s", line)
		}
	}
}

// TestGatewayLongHost checks that a Host header longer than server.MaxHostBytes
// gets 400 with a JSON error that names the limit, and no ERROR log line.
// A Host of about 1 MiB used to make the request URL longer than the
// module accepts, and the gateway responded with 503 and logged an
// ERROR.
func TestGatewayLongHost(t *testing.T) {
	target := sign(t, "", "/a.mp4", time.Now().Add(time.Hour))
	tests := []struct {
		name   string
		length int
		status int
	}{
		{"at the limit", server.MaxHostBytes, http.StatusOK},
		{"over the limit", server.MaxHostBytes + 1, http.StatusBadRequest},
		{"about 1 MiB", 1<<20 - 100, http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, logs := newLoggedGateway(t, 0)
			host := strings.Repeat("h", tc.length)
			status, body := sendRawHost(t, srv.URL, target, host)
			if status != tc.status {
				t.Fatalf("status %d for a Host of %d bytes, expected %d; body %.300s", status, tc.length, tc.status, body)
			}
			checkNoErrorLogged(t, logs)
			if tc.status == http.StatusOK {
				return
			}
			var p problem
			if err := json.Unmarshal([]byte(body), &p); err != nil {
				t.Fatalf("body %q is no JSON error: %v", body, err)
			}
			want := "Host header of " + strconv.Itoa(tc.length) + " bytes is longer than " + strconv.Itoa(server.MaxHostBytes) + " bytes"
			if !strings.HasPrefix(p.Error, want) {
				t.Errorf("error %q, expected it to start with %q", p.Error, want)
			}
		})
	}
}

// TestGatewayURLTooLongForModule checks that a target within a
// limits.max-url-bytes of 1 MiB, which the module rejects as too long
// once the scheme and host are added, gets 414 and no ERROR log line,
// not 503.
func TestGatewayURLTooLongForModule(t *testing.T) {
	srv, logs := newLoggedGateway(t, config.MaxURLBytesLimit)
	target := signPadded(t, "", config.MaxURLBytesLimit-16)
	status, body := sendRawHost(t, srv.URL, target, strings.TrimPrefix(srv.URL, "http://"))
	if status != http.StatusRequestURITooLong {
		t.Fatalf("status %d for a target of %d bytes, expected 414; body %.300s", status, len(target), body)
	}
	var p problem
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatalf("body %.300q is no JSON error: %v", body, err)
	}
	if !strings.Contains(p.Error, "longer than the WebAssembly module accepts") {
		t.Errorf("error %q does not say that the module rejects the URL", p.Error)
	}
	checkNoErrorLogged(t, logs)
}
