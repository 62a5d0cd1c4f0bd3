package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/signet-media/signet/config"
	"github.com/signet-media/signet/core"
	"github.com/signet-media/signet/wasm"
)

// buildModule builds the WebAssembly module once per test binary, as
// "make wasm" builds bin/signet.wasm.
var buildModule = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "signet-edge-module")
	if err != nil {
		return "", err
	}
	module := filepath.Join(dir, "signet.wasm")
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", module, "../../wasm/guest")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build of the module: %v\n%s", err, out)
	}
	return module, nil
})

func testModule(t *testing.T) string {
	t.Helper()
	module, err := buildModule()
	if err != nil {
		t.Fatal(err)
	}
	return module
}

// writeEdgeConfig writes a media directory with a.mp4 and a configuration
// with one key and the extra lines, and returns both paths.
func writeEdgeConfig(t *testing.T, extra string) (conf, root string) {
	t.Helper()
	dir := t.TempDir()
	root = filepath.Join(dir, "root")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "a.mp4"), []byte("movie"), 0o644); err != nil {
		t.Fatal(err)
	}
	conf = filepath.Join(dir, "signet.conf")
	text := "key.edge.secret = " + e2eSecret + "\nkey.edge.url = /\n" + extra
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return conf, root
}

// runEdgeFailure runs signet edge in process with options that make it
// fail before it listens, and returns its exit status and stderr.
func runEdgeFailure(t *testing.T, options ...string) (int, string) {
	t.Helper()
	conf, root := writeEdgeConfig(t, "")
	args := append([]string{"edge", "--config", conf, "--root", root, "--module", testModule(t), "--cache-dir", ""}, options...)
	code, _, stderr := runCLI(args...)
	return code, stderr
}

func TestEdgeMemoryLimitBelowModule(t *testing.T) {
	code, stderr := runEdgeFailure(t, "--memory-limit", "70000")
	if code != 1 {
		t.Errorf("exit status %d, expected 1", code)
	}
	if !strings.Contains(stderr, "--memory-limit 70000 bytes is less than the") {
		t.Errorf("stderr %q does not name --memory-limit as the cause", stderr)
	}
	if !strings.Contains(stderr, "raise --memory-limit") {
		t.Errorf("stderr %q does not advise a higher --memory-limit", stderr)
	}
	if strings.Contains(stderr, "make wasm") {
		t.Errorf("stderr %q advises rebuilding the module", stderr)
	}
}

// TestEdgeMemoryLimitOutOfMemory gives the module too little memory for
// the Go runtime to initialize: exactly the memory it starts with, and a
// few pages more. With a few pages more, the Go runtime prints so many
// stacks that the wasm package's tail of its stderr lacks the words "out
// of memory".
func TestEdgeMemoryLimitOutOfMemory(t *testing.T) {
	pages, ok := moduleMemoryPages(context.Background(), testModule(t))
	if !ok {
		t.Fatal("moduleMemoryPages found no memory in the module")
	}
	for _, extra := range []int64{0, 8} {
		limit := strconv.FormatInt((int64(pages)+extra)*wasmPageSize, 10)
		t.Run(limit, func(t *testing.T) {
			code, stderr := runEdgeFailure(t, "--memory-limit", limit)
			if code != 1 {
				t.Errorf("exit status %d, expected 1", code)
			}
			want := "signet: the module ran out of memory under --memory-limit " + limit + " bytes; raise --memory-limit, " +
				"for example to the default " + strconv.Itoa(wasm.DefaultMemoryLimit) + "\n"
			if !strings.HasSuffix(stderr, want) {
				t.Errorf("stderr does not end with %q:\n%s", want, stderr)
			}
			if n := strings.Count(stderr, "\n"); n != 1 {
				t.Errorf("stderr has %d lines, expected only the error:\n%s", n, stderr)
			}
		})
	}
}

// TestEdgeMemoryLimitInvalid gives --origin an invalid URL, which signet
// edge checks only after it has started the module, so that it stops
// before it listens even when it accepts the memory limit.
func TestEdgeMemoryLimitInvalid(t *testing.T) {
	conf, _ := writeEdgeConfig(t, "")
	tests := []struct {
		limit, want string
	}{
		{"-5", "usage error: --memory-limit -5 is not a positive number of bytes; give the memory limit of each instance in bytes"},
		{"0", "usage error: --memory-limit 0 is not a positive number of bytes"},
		{"4294967297", "usage error: --memory-limit 4294967297 bytes is more than the 4294967296 bytes (4 GiB) that a WebAssembly memory can hold"},
	}
	for _, tc := range tests {
		t.Run(tc.limit, func(t *testing.T) {
			code, _, stderr := runCLI("edge", "--config", conf, "--origin", "not-a-url", "--module", testModule(t),
				"--cache-dir", "", "--memory-limit", tc.limit)
			if code != 2 {
				t.Errorf("exit status %d, expected 2", code)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr %q does not contain %q", stderr, tc.want)
			}
			if strings.Contains(stderr, "less than the") {
				t.Errorf("stderr %q compares the limit with the module's memory", stderr)
			}
		})
	}
}

func TestEdgeCallTimeoutTooShort(t *testing.T) {
	code, stderr := runEdgeFailure(t, "--call-timeout", "1ns")
	if code != 1 {
		t.Errorf("exit status %d, expected 1", code)
	}
	if !strings.Contains(stderr, "--call-timeout 1ns is too short to start an instance of the module") {
		t.Errorf("stderr %q does not name --call-timeout as the cause", stderr)
	}
	if !strings.Contains(stderr, "give a longer --call-timeout") {
		t.Errorf("stderr %q does not advise a longer --call-timeout", stderr)
	}
}

func TestEdgeInvalidListen(t *testing.T) {
	port := strconv.Itoa(freePort(t))
	tests := []struct {
		name, addr, want string
	}{
		{"no host", "8081", `--listen: invalid address "8081"`},
		{"leading space", " 127.0.0.1:" + port, `--listen: invalid address " 127.0.0.1:` + port + `": it contains white space`},
		{"trailing space", "127.0.0.1:" + port + " ", `--listen: invalid address "127.0.0.1:` + port + ` ": it contains white space`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stderr := runEdgeFailure(t, "--listen", tc.addr)
			if code != 2 {
				t.Errorf("exit status %d, expected 2", code)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr %q does not contain %q", stderr, tc.want)
			}
		})
	}
}

// TestEdgeListenSettingWhiteSpace checks that a listen setting with white
// space that the properties format does not trim is rejected as the
// setting at fault, before signet edge listens.
func TestEdgeListenSettingWhiteSpace(t *testing.T) {
	port := strconv.Itoa(freePort(t))
	conf, root := writeEdgeConfig(t, "listen = \\u00a0127.0.0.1:"+port+"\n")
	code, _, stderr := runCLI("edge", "--config", conf, "--root", root, "--module", testModule(t), "--cache-dir", "")
	if code != 1 {
		t.Errorf("exit status %d, expected 1", code)
	}
	want := conf + `:3: listen: invalid address "\u00a0127.0.0.1:` + port + `": it contains white space`
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr %q does not contain %q", stderr, want)
	}
}

func TestEdgeListenAddress(t *testing.T) {
	tests := []struct {
		name, flag, setting, want string
	}{
		{"default", "", "", defaultEdgeListen},
		{"configuration", "", "listen = 127.0.0.1:9100\n", "127.0.0.1:9100"},
		{"configuration with serve's default", "", "listen = " + config.DefaultListen + "\n", config.DefaultListen},
		{"option", "127.0.0.1:9200", "", "127.0.0.1:9200"},
		{"option over configuration", "127.0.0.1:9200", "listen = 127.0.0.1:9100\n", "127.0.0.1:9200"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			conf, _ := writeEdgeConfig(t, tc.setting)
			cfg, err := config.Load(conf)
			if err != nil {
				t.Fatal(err)
			}
			o := edgeOptions{listen: tc.flag}
			if got := o.listenAddress(cfg); got != tc.want {
				t.Errorf("listen address %q, expected %q", got, tc.want)
			}
		})
	}
}

// startEdge runs the signet binary's edge command and waits until it
// responds on addr.
func startEdge(t *testing.T, addr string, args ...string) *runningServer {
	t.Helper()
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	args = append([]string{"edge", "--module", testModule(t), "--cache-dir", t.TempDir(), "--log-format", "json"}, args...)
	cmd := exec.Command(bin, args...)
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
			t.Logf("signet edge output:\n%s", logs.String())
		}
	})

	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(s.base + "/a.mp4"); err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("unsigned request: status %d, expected 401", resp.StatusCode)
			}
			return s
		}
		select {
		case err := <-s.done:
			t.Fatalf("signet edge exited: %v\n%s", err, logs.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("signet edge does not respond on %s\n%s", addr, logs.String())
	return nil
}

// checkNotListening checks that nothing accepts connections on addr.
func checkNotListening(t *testing.T, addr string) {
	t.Helper()
	if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		conn.Close()
		t.Errorf("something listens on %s", addr)
	}
}

func TestEdgeListensAsConfigured(t *testing.T) {
	configured := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	conf, root := writeEdgeConfig(t, "listen = "+configured+"\n")

	t.Run("configuration", func(t *testing.T) {
		s := startEdge(t, configured, "--config", conf, "--root", root)
		if !strings.Contains(s.logs.String(), `"address":"`+configured+`"`) {
			t.Errorf("the log does not give the address %s:\n%s", configured, s.logs.String())
		}
	})
	t.Run("option", func(t *testing.T) {
		option := fmt.Sprintf("127.0.0.1:%d", freePort(t))
		startEdge(t, option, "--config", conf, "--root", root, "--listen", option)
		checkNotListening(t, configured)
	})
}

func TestEdgeReloadKeepsListenAddress(t *testing.T) {
	configured := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	conf, root := writeEdgeConfig(t, "listen = "+configured+"\n")
	s := startEdge(t, configured, "--config", conf, "--root", root)

	moved := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	writeText(t, conf, strings.Replace(readText(t, conf), configured, moved, 1))
	s.cmd.Process.Signal(syscall.SIGHUP)
	waitForLog(t, s, "the listen address changed, which takes effect only after a restart")
	waitForLog(t, s, "configuration reloaded")
	if resp, err := http.Get(s.base + "/a.mp4"); err != nil {
		t.Errorf("after the reload, %s does not respond: %v", configured, err)
	} else {
		resp.Body.Close()
	}
	checkNotListening(t, moved)
}

// TestEdgeMaxURLBytes checks that signet edge accepts a signed URL that
// signet sign makes within limits.max-url-bytes beyond the default limit,
// and applies a lower limit after a reload.
func TestEdgeMaxURLBytes(t *testing.T) {
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	conf, root := writeEdgeConfig(t, "limits.max-url-bytes = 20000\n")
	s := startEdge(t, addr, "--config", conf, "--root", root, "--listen", addr)

	// The key's prefix is a path, so it signs paths.
	code, stdout, stderr := runCLI("sign", "--config", conf, "--valid-until", "+1h", "/a.mp4?pad="+strings.Repeat("x", 4200))
	if code != 0 {
		t.Fatalf("signet sign: exit status %d: %s", code, stderr)
	}
	signed := strings.TrimSpace(stdout)
	if len(signed) <= config.DefaultMaxURLBytes {
		t.Fatalf("the signed path has %d bytes, expected more than the default limit %d", len(signed), config.DefaultMaxURLBytes)
	}
	status, body := getText(t, s.base+signed)
	if status != http.StatusOK || body != "movie" {
		t.Fatalf("signed path of %d bytes: status %d, body %q; expected 200 and movie", len(signed), status, body)
	}

	writeText(t, conf, strings.Replace(readText(t, conf), "limits.max-url-bytes = 20000", "limits.max-url-bytes = 9000", 1))
	s.cmd.Process.Signal(syscall.SIGHUP)
	waitForLog(t, s, "configuration reloaded")
	status, body = getText(t, s.base+signed)
	if status != http.StatusRequestURITooLong {
		t.Errorf("after lowering the limit: status %d, expected 414", status)
	}
	want := fmt.Sprintf("request target of %d bytes is longer than limits.max-url-bytes (9000 bytes)", len(signed))
	if !strings.Contains(body, want) {
		t.Errorf("body %q does not contain %q", body, want)
	}
}

// getText fetches u and returns the status and the body.
func getText(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func readText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeText(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestModuleMemoryPages checks the initial memory that moduleMemoryPages
// reads against the smallest memory limit that the module compiles with.
func TestModuleMemoryPages(t *testing.T) {
	module := testModule(t)
	pages, ok := moduleMemoryPages(context.Background(), module)
	if !ok || pages == 0 {
		t.Fatalf("moduleMemoryPages: %d pages, %v; expected some pages", pages, ok)
	}
	code, err := wasm.ReadModule(module)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rt, err := wasm.Compile(ctx, code, wasm.Options{MemoryLimit: int64(pages) * wasmPageSize, NoCallTimeout: true})
	if err != nil {
		t.Fatalf("compile with the module's initial memory as the limit: %v", err)
	}
	rt.Close(ctx)
	if _, err := wasm.Compile(ctx, code, wasm.Options{MemoryLimit: int64(pages-1) * wasmPageSize, NoCallTimeout: true}); err == nil {
		t.Errorf("the module compiles with a limit of %d pages, below its initial memory", pages-1)
	}
}

func TestEdgePoolSizeInvalid(t *testing.T) {
	conf, _ := writeEdgeConfig(t, "")
	for _, size := range []string{"0", "-3"} {
		t.Run(size, func(t *testing.T) {
			code, _, stderr := runCLI("edge", "--config", conf, "--origin", "not-a-url", "--pool-size", size)
			if code != 2 {
				t.Errorf("exit status %d, expected 2", code)
			}
			if want := "usage error: --pool-size " + size + " is not a positive number of instances; give 1 or more"; !strings.Contains(stderr, want) {
				t.Errorf("stderr %q does not contain %q", stderr, want)
			}
		})
	}
}

// TestEdgeOriginInvalid checks that --origin rejects a query, a fragment
// and user information, and does not repeat a password.
func TestEdgeOriginInvalid(t *testing.T) {
	conf, _ := writeEdgeConfig(t, "")
	for _, origin := range []string{
		"http://127.0.0.1:1/base?x=1",
		"http://127.0.0.1:1/#frag",
		"http://user:PASSWORD123@127.0.0.1:1",
		"http://user:PASS/WORD123@127.0.0.1:1",
	} {
		t.Run(origin, func(t *testing.T) {
			code, _, stderr := runCLI("edge", "--config", conf, "--origin", origin, "--module", testModule(t), "--cache-dir", "")
			if code != 2 {
				t.Errorf("exit status %d, expected 2", code)
			}
			if !strings.Contains(stderr, "an origin has no user information, query or fragment") &&
				!strings.Contains(stderr, "write http://host:port") {
				t.Errorf("stderr %q does not say what the origin must not have", stderr)
			}
			if strings.Contains(stderr, "PASSWORD123") || strings.Contains(stderr, "WORD123") {
				t.Errorf("stderr %q repeats the password", stderr)
			}
		})
	}
}

// TestEdgeCORS checks that signet edge sends the CORS headers of its
// configuration with media, accepts an allowed preflight with 204, and rejects
// one from another origin with 403, as signet serve does.
func TestEdgeCORS(t *testing.T) {
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	conf, root := writeEdgeConfig(t, "cors.allowed-origins = https://player.example.org\n")
	s := startEdge(t, addr, "--config", conf, "--root", root, "--listen", addr)
	signer, err := core.NewSigner(core.SignerConfig{Keys: []core.Key{{ID: "edge", Secret: e2eSecret, URLs: []string{"/"}}}})
	if err != nil {
		t.Fatal(err)
	}
	signed, err := signer.Sign(core.SignRequest{URL: "/a.mp4", ValidUntil: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	do := func(method, origin string, headers ...string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, s.base+signed.URL, nil)
		req.Header.Set("Origin", origin)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}

	resp := do(http.MethodGet, "https://player.example.org")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Access-Control-Allow-Origin") != "https://player.example.org" {
		t.Errorf("GET from the player: status %d, Access-Control-Allow-Origin %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}
	if got := resp.Header.Get("Access-Control-Expose-Headers"); !strings.Contains(got, "X-Signet-Reason") {
		t.Errorf("Access-Control-Expose-Headers %q lacks X-Signet-Reason", got)
	}
	if resp := do(http.MethodGet, "https://evil.example.org"); resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("GET from another origin got Access-Control-Allow-Origin %q", resp.Header.Get("Access-Control-Allow-Origin"))
	}
	if resp := do(http.MethodOptions, "https://player.example.org", "Access-Control-Request-Method", "GET"); resp.StatusCode != http.StatusNoContent {
		t.Errorf("preflight from the player: status %d, expected 204", resp.StatusCode)
	}
	if resp := do(http.MethodOptions, "https://evil.example.org", "Access-Control-Request-Method", "GET"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("preflight from another origin: status %d, expected 403", resp.StatusCode)
	}
}
