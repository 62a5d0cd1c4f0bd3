package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

const (
	e2eSecret   = "e2e-secret-0123456789abcdef"
	e2ePassword = "e2e password"
)

// buildBinary compiles the signet command once per test binary.
var buildBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "signet-e2e")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "signet")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// writeE2EConfig writes a media directory and a signet configuration with
// one key for path-only URLs under /media/ and one signing user.
func writeE2EConfig(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	media := filepath.Join(dir, "media")
	if err := os.Mkdir(media, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(media, "lecture.mp4"), bytes.Repeat([]byte("0123456789"), 1000), 0o644); err != nil {
		t.Fatal(err)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(e2ePassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`# signet end-to-end test
key.e2e.secret = %s
key.e2e.url = /media/
user.alice.password-hash = %s
user.alice.roles = ROLE_API_SECURITY_EDIT
media.path = /media/
media.dir = media
`, e2eSecret, hash)
	path := filepath.Join(dir, "signet.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

type runningServer struct {
	base string
	cmd  *exec.Cmd
	logs *syncBuffer
	done chan error
}

// syncBuffer is a bytes.Buffer safe for one writer and many readers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServer runs `signet serve` on a free loopback port and waits until
// /healthz responds with 200.
func startServer(t *testing.T, args ...string) *runningServer {
	t.Helper()
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	logs := &syncBuffer{}
	cmd := exec.Command(bin, append([]string{"serve", "--listen", addr, "--log-format", "json"}, args...)...)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &runningServer{base: "http://" + addr, cmd: cmd, logs: logs, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-s.done
		if t.Failed() {
			t.Logf("server output:\n%s", logs.String())
		}
	})
	s.waitHealthy(t)
	return s
}

func (s *runningServer) waitHealthy(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(s.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		select {
		case err := <-s.done:
			t.Fatalf("signet serve exited: %v\n%s", err, s.logs.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("signet serve did not become healthy\n%s", s.logs.String())
}

// signURL requests a signed URL from the server's sign API.
func (s *runningServer) signURL(t *testing.T, form url.Values) (int, map[string]string) {
	t.Helper()
	req, _ := http.NewRequest("POST", s.base+"/api/security/sign", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("alice", e2ePassword)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("sign response is not JSON: %v", err)
	}
	return resp.StatusCode, body
}

func fetch(t *testing.T, rawURL string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

func TestServeEndToEnd(t *testing.T) {
	s := startServer(t, "--config", writeE2EConfig(t))

	status, body := s.signURL(t, url.Values{"url": {"/media/lecture.mp4"}})
	if status != 200 || body["url"] == "" {
		t.Fatalf("sign: %d %v", status, body)
	}
	signed := s.base + body["url"]

	t.Run("signed", func(t *testing.T) {
		resp, data := fetch(t, signed)
		if resp.StatusCode != 200 || len(data) != 10000 {
			t.Errorf("GET signed = %d with %d bytes, want 200 with 10000", resp.StatusCode, len(data))
		}
	})
	t.Run("unsigned", func(t *testing.T) {
		resp, _ := fetch(t, s.base+"/media/lecture.mp4")
		checkRefused(t, resp, 401, "unsigned")
	})
	t.Run("tampered", func(t *testing.T) {
		tampered := signed[:len(signed)-1] + flipHex(signed[len(signed)-1:])
		resp, _ := fetch(t, tampered)
		checkRefused(t, resp, 403, "invalid-signature")
	})
	t.Run("other file", func(t *testing.T) {
		resp, _ := fetch(t, strings.Replace(signed, "lecture.mp4", "other.mp4", 1))
		checkRefused(t, resp, 403, "resource-mismatch")
	})
	t.Run("not signable", func(t *testing.T) {
		status, body := s.signURL(t, url.Values{"url": {"/private/a.mp4"}})
		if status != 200 || body["error"] != "Given URL cannot be signed" {
			t.Errorf("sign outside the prefix: %d %v", status, body)
		}
	})
	t.Run("expired", func(t *testing.T) {
		until := time.Now().Add(1500 * time.Millisecond).UTC().Format(time.RFC3339Nano)
		status, body := s.signURL(t, url.Values{"url": {"/media/lecture.mp4"}, "valid-until": {until}})
		if status != 200 {
			t.Fatalf("sign: %d %v", status, body)
		}
		time.Sleep(1600 * time.Millisecond)
		resp, _ := fetch(t, s.base+body["url"])
		checkRefused(t, resp, 410, "expired")
	})

	if logs := s.logs.String(); strings.Contains(logs, e2eSecret) || strings.Contains(logs, signed[strings.Index(signed, "signature=")+10:]) {
		t.Errorf("the log contains the secret or a signature:\n%s", logs)
	}
}

func flipHex(c string) string {
	if c == "0" {
		return "1"
	}
	return "0"
}

func checkRefused(t *testing.T, resp *http.Response, status int, reason string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Errorf("status = %d, want %d", resp.StatusCode, status)
	}
	if got := resp.Header.Get("X-Signet-Reason"); got != reason {
		t.Errorf("X-Signet-Reason = %q, want %q", got, reason)
	}
	if got := resp.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}
}

func TestServeStopsOnSIGTERM(t *testing.T) {
	s := startServer(t, "--config", writeE2EConfig(t))
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("signet serve exited with %v after SIGTERM, want status 0", err)
		}
		s.done <- err // for the cleanup
	case <-time.After(15 * time.Second):
		t.Fatal("signet serve did not stop within 15 s of SIGTERM")
	}
}

func TestServeDemo(t *testing.T) {
	s := startServer(t)
	var password string
	sc := bufio.NewScanner(strings.NewReader(s.logs.String()))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) >= 2 && f[0] == "password:" {
			password = f[1]
		}
	}
	if password == "" {
		t.Fatalf("the demo printed no password:\n%s", s.logs.String())
	}
	form := url.Values{"url": {s.base + "/media/sample.mp4"}}
	req, _ := http.NewRequest("POST", s.base+"/api/security/sign", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("demo", password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]string
	json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != 200 || body["url"] == "" {
		t.Fatalf("demo sign: %d %v", resp.StatusCode, body)
	}
	media, data := fetch(t, body["url"])
	if media.StatusCode != 200 || len(data) < 1000 || media.Header.Get("Content-Type") != "video/mp4" {
		t.Errorf("demo sample: %d, %d bytes, %s", media.StatusCode, len(data), media.Header.Get("Content-Type"))
	}
}
