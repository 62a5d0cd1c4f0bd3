package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// caddyBinary returns the path of Debian's caddy, or skips the test.
func caddyBinary(t *testing.T) string {
	t.Helper()
	if path, err := exec.LookPath("caddy"); err == nil {
		return path
	}
	if os.Getenv("SIGNET_REQUIRE_CADDY") == "1" {
		t.Fatal("caddy is not installed, but SIGNET_REQUIRE_CADDY=1 requires it; install Debian's package caddy")
	}
	t.Skip("caddy is not installed (Debian package caddy; .ci/run installs it), so the Caddy integration test cannot run")
	return ""
}

// startCaddy runs docs/Caddyfile on a free loopback port over plain HTTP,
// bound to 127.0.0.1 only, in front of signet at signetAddr, serving
// root/media. The global options turn off the admin endpoint and
// automatic HTTPS, so that Caddy opens no port but its own and contacts
// no certificate authority.
func startCaddy(t *testing.T, bin string, port int, signetAddr, root string) {
	t.Helper()
	doc, err := os.ReadFile("../../docs/Caddyfile")
	if err != nil {
		t.Fatal(err)
	}
	site := string(doc)
	for _, r := range []struct{ old, new string }{
		// An address alone does not limit where Caddy listens: bind does.
		{"media.example.org {", fmt.Sprintf("http://127.0.0.1:%d {\n\tbind 127.0.0.1", port)},
		{"forward_auth 127.0.0.1:8080 {", "forward_auth " + signetAddr + " {"},
		{"root * /srv", "root * " + root},
	} {
		if n := strings.Count(site, r.old); n != 1 {
			t.Fatalf("docs/Caddyfile contains %q %d times, want once", r.old, n)
		}
		site = strings.Replace(site, r.old, r.new, 1)
	}

	dir := t.TempDir()
	config := filepath.Join(dir, "Caddyfile")
	global := "{\n\tadmin off\n\tauto_https off\n}\n\n"
	if err := os.WriteFile(config, []byte(global+site), 0o644); err != nil {
		t.Fatal(err)
	}

	var out syncBuffer
	cmd := exec.Command(bin, "run", "--config", config, "--adapter", "caddyfile")
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_CONFIG_HOME="+dir, "XDG_DATA_HOME="+dir)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
		if t.Failed() {
			t.Logf("caddy output:\n%s", out.String())
		}
	})
	waitForPort(t, port, done, &out)
}

// waitForPort waits until a process accepts connections on a loopback
// port, failing the test when it exits first or takes over 10 s. The exit
// status it takes from done is put back, for the cleanup that waits on it.
func waitForPort(t *testing.T, port int, done chan error, out *syncBuffer) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			conn.Close()
			return
		}
		select {
		case err := <-done:
			done <- err
			t.Fatalf("the process exited: %v\n%s", err, out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing accepted connections on port %d within 10 s\n%s", port, out.String())
		}
	}
}

func TestCaddyForwardAuth(t *testing.T) {
	bin := caddyBinary(t)
	caddyPort := freePort(t)
	caddyBase := fmt.Sprintf("http://127.0.0.1:%d", caddyPort)

	f := newFrontServer(t, "caddy", caddyBase, func(signetAddr, dir string) {
		startCaddy(t, bin, caddyPort, signetAddr, dir)
	})

	for name, target := range map[string]string{"signed": f.signed, "bound to this client": f.bound} {
		t.Run(name, func(t *testing.T) {
			resp, data := fetch(t, target)
			if resp.StatusCode != 200 || !bytes.Equal(data, f.content) {
				t.Fatalf("status %d with %d bytes, want 200 with the file", resp.StatusCode, len(data))
			}
			if got := resp.Header.Get("Cache-Control"); got != "private, no-cache" {
				t.Errorf("Cache-Control %q, want the Caddyfile's private, no-cache", got)
			}
		})
	}
	checkRefusals(t, f.refusals("caddy"), nil)
}
