package main

import (
	"bytes"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/signet-media/signet/core"
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
// in front of signet at signetAddr, serving root/media. The global options
// turn off the admin endpoint and automatic HTTPS, so that Caddy opens no
// port but its own and contacts no certificate authority.
func startCaddy(t *testing.T, bin string, port int, signetAddr, root string) {
	t.Helper()
	doc, err := os.ReadFile("../../docs/Caddyfile")
	if err != nil {
		t.Fatal(err)
	}
	site := string(doc)
	for _, r := range []struct{ old, new string }{
		{"media.example.org {", fmt.Sprintf("http://127.0.0.1:%d {", port)},
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

	dir := t.TempDir()
	content := bytes.Repeat([]byte("caddy+signet "), 100)
	if err := os.Mkdir(filepath.Join(dir, "media"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "media", "lecture.mp4"), content, 0o644); err != nil {
		t.Fatal(err)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(e2ePassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "signet.conf")
	text := fmt.Sprintf("key.caddy.secret = %s\nkey.caddy.url = %s/media/\nproxy.trusted = 127.0.0.1/32\n"+
		"user.alice.password-hash = %s\nuser.alice.roles = ROLE_API_SECURITY_EDIT\n", e2eSecret, caddyBase, hash)
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, "--config", conf)
	startCaddy(t, bin, caddyPort, strings.TrimPrefix(s.base, "http://"), dir)

	status, body := s.signURL(t, url.Values{"url": {caddyBase + "/media/lecture.mp4"}})
	if status != 200 || body["url"] == "" {
		t.Fatalf("sign: %d %v", status, body)
	}
	signed := body["url"]
	_, bound := s.signURL(t, url.Values{"url": {caddyBase + "/media/lecture.mp4"}, "valid-source": {"127.0.0.1"}})
	_, elsewhere := s.signURL(t, url.Values{"url": {caddyBase + "/media/lecture.mp4"}, "valid-source": {"192.0.2.1"}})
	signer, err := core.NewSigner(core.SignerConfig{Keys: []core.Key{{ID: "caddy", Secret: e2eSecret, URLs: []string{caddyBase + "/media/"}}}})
	if err != nil {
		t.Fatal(err)
	}
	expired, err := signer.Sign(core.SignRequest{URL: caddyBase + "/media/lecture.mp4", ValidUntil: time.Now().Add(-time.Minute)})
	if err != nil {
		t.Fatal(err)
	}

	for name, target := range map[string]string{"signed": signed, "bound to this client": bound["url"]} {
		t.Run(name, func(t *testing.T) {
			resp, data := fetch(t, target)
			if resp.StatusCode != 200 || !bytes.Equal(data, content) {
				t.Fatalf("status %d with %d bytes, want 200 with the file", resp.StatusCode, len(data))
			}
			if got := resp.Header.Get("Cache-Control"); got != "private, no-cache" {
				t.Errorf("Cache-Control %q, want the Caddyfile's private, no-cache", got)
			}
		})
	}
	checkRefusals(t, refusals(caddyBase, signed, expired.URL, elsewhere["url"], "caddy"), nil)
}
