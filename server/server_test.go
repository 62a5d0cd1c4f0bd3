package server

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/signet-media/signet/config"
	"github.com/signet-media/signet/core"
)

func TestHealthz(t *testing.T) {
	f := newFixture(t)
	r := f.get("/healthz")
	if r.status != http.StatusOK {
		t.Fatalf("status %d, expected 200", r.status)
	}
	if got := r.json(t)["status"]; got != "ok" {
		t.Errorf("status field %q, expected ok", got)
	}
}

func TestUnknownRoute(t *testing.T) {
	f := newFixture(t)
	for _, target := range []string{"/nowhere", "/", "/media", "/api/security/sign/", "/api/security"} {
		t.Run(target, func(t *testing.T) {
			checkError(t, f.get(target), http.StatusNotFound)
		})
	}
}

func TestSignMethodNotAllowed(t *testing.T) {
	f := newFixture(t)
	r := f.get("/api/security/sign")
	checkError(t, r, http.StatusMethodNotAllowed)
	if got := r.header.Get("Allow"); got != "POST" {
		t.Errorf("Allow %q, expected POST", got)
	}
}

func TestTargetTooLong(t *testing.T) {
	f := newFixture(t)
	long := strings.Repeat("a", config.DefaultMaxURLBytes)
	tests := []struct {
		method, target string
	}{
		{http.MethodGet, "/media/" + long},
		{http.MethodGet, "/media/a.txt?x=" + long},
		{http.MethodGet, "/nowhere/" + long},
		{http.MethodPost, "/api/security/sign?x=" + long},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.target[:12], func(t *testing.T) {
			body := checkError(t, f.do(f.request(tc.method, tc.target, nil)), http.StatusRequestURITooLong)
			want := "request target of " + strconv.Itoa(len(tc.target)) + " bytes is longer than limits.max-url-bytes (8192 bytes)"
			if !strings.HasPrefix(body["error"], want) {
				t.Errorf("error %q; expected it to start with %q", body["error"], want)
			}
		})
	}
	ok := f.get("/healthz?x=" + long[:config.DefaultMaxURLBytes-len("/healthz?x=")])
	if ok.status != http.StatusOK {
		t.Errorf("target of exactly the maximum length: status %d, expected 200", ok.status)
	}
}

func TestBodyTooLarge(t *testing.T) {
	f := newFixture(t)
	large := url.Values{"url": {f.base + "/media/a.txt"}, "pad": {strings.Repeat("x", 8<<10)}}.Encode()
	tests := []struct {
		name        string
		body        io.Reader
		contentType string
	}{
		{"declared length", strings.NewReader(large), "application/x-www-form-urlencoded"},
		{"chunked", io.MultiReader(strings.NewReader(large)), "application/x-www-form-urlencoded"},
		{"multipart", strings.NewReader(multipartBody(large)), "multipart/form-data; boundary=XYZ"},
		{"multipart chunked", io.MultiReader(strings.NewReader(multipartBody(large))), "multipart/form-data; boundary=XYZ"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := f.request(http.MethodPost, "/api/security/sign", tc.body)
			req.Header.Set("Content-Type", tc.contentType)
			req.SetBasicAuth("alice", alicePass)
			checkError(t, f.do(req), http.StatusRequestEntityTooLarge)
		})
	}
}

func multipartBody(value string) string {
	return "--XYZ\r\nContent-Disposition: form-data; name=\"url\"\r\n\r\n" + value + "\r\n--XYZ--\r\n"
}

func TestLogRedaction(t *testing.T) {
	f := newFixture(t)
	target := f.signPath("/media/a.txt", start.Add(time.Hour))
	f.get(target)
	f.get(flipSignature(target))
	signedByAPI := f.signForm(url.Values{"url": {f.base + "/media/a.txt"}}).json(t)["url"]
	f.signForm(url.Values{"url": {f.base + "/media/a.txt"}}, "Authorization", "Bearer "+tokenText)
	f.get(strings.TrimPrefix(signedByAPI, f.base) + "&Signature=extra")
	f.get("/media/a.txt?polic%79=AAAA&signature=abcdef0123&keyId=main")
	logs := f.logs.String()

	secrets := map[string]string{
		"policy":               queryValue(target, "policy"),
		"signature":            queryValue(target, "signature"),
		"tampered signature":   queryValue(flipSignature(target), "signature"),
		"API policy":           queryValue(signedByAPI, "policy"),
		"API signature":        queryValue(signedByAPI, "signature"),
		"encoded policy name":  "AAAA",
		"short signature":      "abcdef0123",
		"main secret":          secretMain,
		"wide secret":          secretWide,
		"other secret":         secretOther,
		"password":             alicePass,
		"token":                tokenText,
		"basic credentials":    basic("alice", alicePass),
		"authorization header": "Authorization",
	}
	for name, secret := range secrets {
		if strings.Contains(logs, secret) {
			t.Errorf("the log contains the %s %q", name, secret)
		}
	}
	sum := sha256.Sum256([]byte(queryValue(target, "signature")))
	for _, want := range []string{
		"policy=REDACTED", "signature=REDACTED", `"key_id":"main"`, `"user":"alice"`,
		`"user":"ci"`, `"reason":"invalid-signature"`, `"signature_sha256":"` + hex.EncodeToString(sum[:4]) + `"`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log lacks %s", want)
		}
	}
}

func TestRequestLogLine(t *testing.T) {
	f := newFixture(t)
	f.signForm(url.Values{"url": {f.base + "/media/a.txt"}, "valid-until": {"yesterday"}})
	lines := strings.Split(strings.TrimSpace(f.logs.String()), "\n")
	last := lines[len(lines)-1]
	for _, want := range []string{
		`"msg":"request"`, `"method":"POST"`, `"target":"/api/security/sign"`, `"status":400`,
		`"bytes":`, `"duration_ms":`, `"client":"127.0.0.1:`, `"user":"alice"`, `"auth":"basic"`,
		`"error":"invalid valid-until`,
	} {
		if !strings.Contains(last, want) {
			t.Errorf("log line %s lacks %s", last, want)
		}
	}
}

// TestForwardedClientLogged checks that a media request's log line names
// the forwarded client only when a trusted proxy's header named one.
func TestForwardedClientLogged(t *testing.T) {
	f := newFixture(t, trustLoopback)
	target := f.signPathOnly("/media/a.txt", start.Add(time.Hour))
	tests := []struct {
		name    string
		headers []string
		want    string // the forwarded_client attribute; "" for none
	}{
		{"no header", nil, ""},
		{"X-Forwarded-For", []string{"X-Forwarded-For", "203.0.113.7"}, `"forwarded_client":"203.0.113.7"`},
		{"unknown client", []string{"X-Forwarded-For", "unknown"}, `"forwarded_client":"unknown"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(f.logs.String())
			f.get(target, tc.headers...)
			line := f.logs.String()[before:]
			if tc.want == "" {
				if strings.Contains(line, "forwarded_client") {
					t.Errorf("log line names a forwarded client: %s", line)
				}
			} else if !strings.Contains(line, tc.want) {
				t.Errorf("log line %s lacks %s", line, tc.want)
			}
		})
	}
}

func TestRedactTarget(t *testing.T) {
	tests := []struct {
		target, want string
	}{
		{"/a.mp4", "/a.mp4"},
		{"/a.mp4?t=1", "/a.mp4?t=1"},
		{"/a?policy=P&keyId=k&signature=S", "/a?policy=REDACTED&keyId=k&signature=REDACTED"},
		{"/a?Policy=P&SIGNATURE=S", "/a?Policy=REDACTED&SIGNATURE=REDACTED"},
		{"/a?polic%79=P&sig%6Eature=S", "/a?polic%79=REDACTED&sig%6Eature=REDACTED"},
		{"/a?signature", "/a?signature=REDACTED"},
		{"/a/signature=S/policy=P", "/a/signature=REDACTED"},
		{"/a?policy=P&policy=Q", "/a?policy=REDACTED&policy=REDACTED"},
		{"/a?signature=S&signature+=T", "/a?signature=REDACTED&signature+=REDACTED"},
		{"/a?sig%6Eature%20=T&x-policy=P", "/a?sig%6Eature%20=REDACTED&x-policy=REDACTED"},
		{"/signature/a.mp4?t=1", "/signature/a.mp4?t=1"},
	}
	for _, tc := range tests {
		t.Run(tc.target, func(t *testing.T) {
			if got, _ := redactTarget(tc.target); got != tc.want {
				t.Errorf("redactTarget(%q) = %q, expected %q", tc.target, got, tc.want)
			}
		})
	}
	for _, sig := range []string{"S", strings.Repeat("0123456789abcdef", 8), strings.Repeat("0123456789abcdef", 9)} {
		sum := sha256.Sum256([]byte(sig))
		if _, got := redactTarget("/a?x=1&signature=" + sig + "&signature=other"); got != hex.EncodeToString(sum[:4]) {
			t.Errorf("signature hash of a %d-byte signature = %q, expected %x", len(sig), got, sum[:4])
		}
	}
	long, _ := redactTarget("/a?signature=S&x=" + strings.Repeat("y", 2*maxLoggedTarget))
	if len(long) > maxLoggedTarget+40 || !strings.HasPrefix(long, "/a?signature=REDACTED") {
		t.Errorf("long target logged as %d bytes: %.60q", len(long), long)
	}
}

func TestStartupLog(t *testing.T) {
	f := newFixture(t)
	logs := f.logs.String()
	for _, want := range []string{`"key_id":"main"`, `"key_id":"wide"`, `"key_id":"other"`, f.base + "/media"} {
		if !strings.Contains(logs, want) {
			t.Errorf("the startup log lacks %s", want)
		}
	}
	for _, secret := range []string{secretMain, secretWide, secretOther} {
		if strings.Contains(logs, secret) {
			t.Errorf("the startup log contains the secret %q", secret)
		}
	}
}

// TestGarbageNeverFails sends random request targets over raw TCP, so
// that no client cleans or escapes them, and checks that none gets a 5xx.
func TestGarbageNeverFails(t *testing.T) {
	f := newFixture(t)
	signed := f.signPath("/media/a.txt", start.Add(time.Hour))
	rng := rand.New(rand.NewPCG(1, 2))
	pieces := []string{
		"/", "..", ".", "%2e", "%2F", "%5c", "%00", "%", "%zz", "%C3%A9", "é", "?", "&", "=", "#",
		"policy=", "signature=", "keyId=", "main", "AAAA", "a.txt", "media", "sub", "escape",
		"*", "+", ";", ":", "@", "~", "[", "]", "\\", "\"", "'", "<", ">", "{", "}",
	}
	prefixes := []string{"/media/", "/api/security/sign", "/", "/healthz", "/player/", signed}
	methods := []string{"GET", "HEAD", "POST", "OPTIONS", "PUT"}
	for i := range 400 {
		var target strings.Builder
		target.WriteString(prefixes[rng.IntN(len(prefixes))])
		for range rng.IntN(12) {
			target.WriteString(pieces[rng.IntN(len(pieces))])
		}
		method := methods[rng.IntN(len(methods))]
		status := rawRequest(t, f.ts.Listener.Addr().String(), method, target.String())
		if status >= 500 {
			t.Errorf("request %d: %s %q: status %d", i, method, target.String(), status)
		}
	}
}

// rawRequest sends one request with the target as given and returns the
// response status.
func rawRequest(t *testing.T, addr, method, target string) int {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: %s\r\nOrigin: %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
		method, target, addr, playerOrigin)
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("%s %q: %v", method, target, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestRecovery(t *testing.T) {
	logs := &logBuffer{}
	s := &Server{logger: slog.New(slog.NewJSONHandler(logs, nil))}
	gin.SetMode(gin.ReleaseMode)
	engine := gin.New()
	engine.Use(s.recovery)
	engine.GET("/panic", func(*gin.Context) { panic("secret detail") })
	ts := httptest.NewServer(engine)
	defer ts.Close()

	resp, err := ts.Client().Get(ts.URL + "/panic")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	r := &response{status: resp.StatusCode, header: resp.Header, body: body}
	if got := checkError(t, r, http.StatusInternalServerError)["error"]; got != "internal server error" {
		t.Errorf("error %q, expected internal server error", got)
	}
	if strings.Contains(string(body), "secret detail") {
		t.Error("the response reveals the panic")
	}
	if !strings.Contains(logs.String(), "secret detail") {
		t.Error("the panic is not logged")
	}
}

func TestNewRejectsConfig(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*config.Config)
		detail string
	}{
		{"media path without slashes", func(c *config.Config) { c.MediaPath = "media" }, "MediaPath"},
		{"media path root", func(c *config.Config) { c.MediaPath = "/" }, "MediaPath"},
		{"media path with wildcard", func(c *config.Config) { c.MediaPath = "/*x/" }, "MediaPath"},
		{"media path on the API", func(c *config.Config) { c.MediaPath = "/api/" }, "overlaps"},
		{"media path on health", func(c *config.Config) { c.MediaPath = "/healthz/" }, "overlaps"},
		{"media path in the player", func(c *config.Config) { c.MediaPath = "/player/media/" }, "overlaps"},
		{"missing media directory", func(c *config.Config) { c.MediaDir = "/nonexistent/signet" }, "MediaDir"},
		{"missing player directory", func(c *config.Config) { c.PlayerDir = "/nonexistent/signet" }, "PlayerDir"},
		{"invalid password hash", func(c *config.Config) { c.Users[0].PasswordHash = "plain" }, "alice"},
		{"user twice", func(c *config.Config) { c.Users = append(c.Users, c.Users[0]) }, "twice"},
		{"user name with colon", func(c *config.Config) { c.Users[0].Name = "a:b" }, "a:b"},
		{"token twice", func(c *config.Config) { c.Tokens = append(c.Tokens, c.Tokens[0]) }, "twice"},
		{"default beyond max lifetime", func(c *config.Config) { c.MaxLifetime = time.Hour }, "MaxLifetime"},
		{"negative leeway", func(c *config.Config) { c.Leeway = -time.Second }, "leeway"},
		{"key without secret", func(c *config.Config) { c.Keys[0].Secret = "" }, "secret"},
		{"bad exclude pattern", func(c *config.Config) { c.Exclude = "(" }, "exclude"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := validConfig(t)
			tc.mutate(cfg)
			_, err := New(cfg, slog.New(slog.DiscardHandler))
			if err == nil {
				t.Fatal("New accepted the configuration")
			}
			if !strings.Contains(err.Error(), tc.detail) {
				t.Errorf("error %q does not contain %q", err, tc.detail)
			}
		})
	}
	if _, err := New(nil, nil); err == nil {
		t.Error("New accepted a nil configuration")
	}
}

func validConfig(t *testing.T) *config.Config {
	return &config.Config{
		Keys:     []core.Key{{ID: "main", Secret: secretMain, URLs: []string{"http://media.example.org/media"}}},
		Users:    []config.User{{Name: "alice", PasswordHash: hash(t, alicePass)}},
		Tokens:   []config.Token{{Name: "ci", SHA256: sha(tokenText)}},
		MediaDir: t.TempDir(),
	}
}

func TestMediaFS(t *testing.T) {
	f := newFixture(t, func(c *config.Config) {
		c.MediaDir = ""
		c.MediaFS = fstest.MapFS{"a.txt": {Data: []byte(fileContent), ModTime: start}}
	})
	r := f.get(f.signPath("/media/a.txt", start.Add(time.Hour)), "Range", "bytes=0-4")
	if r.status != http.StatusPartialContent || string(r.body) != "hello" {
		t.Errorf("status %d, body %q, expected 206 and hello", r.status, r.body)
	}
	checkError(t, f.get(f.signPath("/media/b.txt", start.Add(time.Hour))), http.StatusNotFound)
}

func TestServe(t *testing.T) {
	s, err := New(validConfig(t), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()

	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status %d, expected 200", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve returned %v after cancel, expected nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
}

func TestPlayer(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "index.html"), []byte("<p>player</p>"), 0o644)
	os.WriteFile(filepath.Join(dir, "app.js"), []byte("play()"), 0o644)
	os.Mkdir(filepath.Join(dir, "lib"), 0o755)
	os.WriteFile(filepath.Join(dir, "lib", "x.js"), []byte("x()"), 0o644)
	f := newFixture(t, func(c *config.Config) { c.PlayerDir = dir })

	client := f.ts.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for _, target := range []string{"/", "/player"} {
		resp, err := client.Get(f.base + target)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/player/" {
			t.Errorf("GET %s: status %d, Location %q, expected 302 to /player/",
				target, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	tests := []struct {
		target string
		status int
		body   string
	}{
		{"/player/", http.StatusOK, "<p>player</p>"},
		{"/player/index.html", http.StatusOK, "<p>player</p>"},
		{"/player/app.js", http.StatusOK, "play()"},
		{"/player/lib/x.js", http.StatusOK, "x()"},
		{"/player/lib/", http.StatusNotFound, ""},
		{"/player/../media/a.txt", http.StatusNotFound, ""},
		{"/player/%2e%2e/media/a.txt", http.StatusNotFound, ""},
	}
	for _, tc := range tests {
		t.Run(tc.target, func(t *testing.T) {
			r := f.get(tc.target)
			if r.status != tc.status {
				t.Fatalf("status %d, expected %d; body %s", r.status, tc.status, r.body)
			}
			if tc.body != "" && string(r.body) != tc.body {
				t.Errorf("body %q, expected %q", r.body, tc.body)
			}
		})
	}
}
