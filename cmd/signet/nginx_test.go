package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// nginxBinary returns the path of Debian's nginx, or skips the test.
func nginxBinary(t *testing.T) string {
	t.Helper()
	if path, err := exec.LookPath("nginx"); err == nil {
		return path
	}
	if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		return "/usr/sbin/nginx"
	}
	if os.Getenv("SIGNET_REQUIRE_NGINX") == "1" {
		t.Fatal("nginx is not installed, but SIGNET_REQUIRE_NGINX=1 requires it; install Debian's package nginx")
	}
	t.Skip("nginx is not installed (Debian package nginx; .ci/run installs it), so the nginx integration test cannot run")
	return ""
}

// startNginx runs docs/nginx.conf in its own prefix directory on a free
// loopback port, in front of signet at signetAddr, serving root/media.
// It returns the path of the access log of docs/nginx.conf's server.
func startNginx(t *testing.T, bin string, port int, signetAddr, root string) (accessLog string) {
	t.Helper()
	doc, err := os.ReadFile("../../docs/nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	site := string(doc)
	// The file names these directories of Debian's nginx package, which
	// nginx does not create: the test replaces them but checks that they
	// exist, so that the file works as written.
	for _, dir := range []string{"/var/lib/nginx", "/var/log/nginx"} {
		if !strings.Contains(site, dir+"/") {
			t.Errorf("docs/nginx.conf no longer names %s; update this check", dir)
		}
		if info, err := os.Stat(dir); err != nil || !info.IsDir() {
			t.Errorf("docs/nginx.conf names %s, which Debian's nginx package does not provide here: %v", dir, err)
		}
	}
	prefix := t.TempDir()
	accessLog = filepath.Join(prefix, "media-access.log")
	for _, r := range []struct{ old, new string }{
		{"server 127.0.0.1:8080;", "server " + signetAddr + ";"},
		{"listen 80;", fmt.Sprintf("listen 127.0.0.1:%d;", port)},
		{"root /srv;", "root " + root + ";"},
		{"/var/lib/nginx/signet-auth", filepath.Join(prefix, "signet-auth")},
		{"/var/log/nginx/access.log", accessLog},
	} {
		if n := strings.Count(site, r.old); n != 1 {
			t.Fatalf("docs/nginx.conf contains %q %d times, want once", r.old, n)
		}
		site = strings.Replace(site, r.old, r.new, 1)
	}
	if err := os.WriteFile(filepath.Join(prefix, "site.conf"), []byte(site), 0o644); err != nil {
		t.Fatal(err)
	}
	main := fmt.Sprintf(`daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log info;
events { worker_connections 64; }
http {
    access_log %[1]s/access.log;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    include %[1]s/site.conf;
}
`, prefix)
	conf := filepath.Join(prefix, "nginx.conf")
	if err := os.WriteFile(conf, []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd := exec.Command(bin, "-p", prefix+"/", "-c", conf, "-e", filepath.Join(prefix, "error.log"))
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
			logs, _ := os.ReadFile(filepath.Join(prefix, "error.log"))
			t.Logf("nginx output:\n%s\nerror.log:\n%s", out.String(), logs)
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			conn.Close()
			return
		}
		select {
		case err := <-done:
			done <- err // for the cleanup, which waits on done
			logs, _ := os.ReadFile(filepath.Join(prefix, "error.log"))
			t.Fatalf("nginx exited: %v\n%s\n%s", err, out.String(), logs)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("nginx did not accept connections within 10 s")
		}
	}
}

func TestNginxForwardAuth(t *testing.T) {
	bin := nginxBinary(t)
	nginxPort := freePort(t)
	nginxBase := fmt.Sprintf("http://127.0.0.1:%d", nginxPort)

	var accessLog string
	f := newFrontServer(t, "nginx", nginxBase, func(signetAddr, dir string) {
		accessLog = startNginx(t, bin, nginxPort, signetAddr, dir)
	})
	s, signed, content := f.signet, f.signed, f.content

	t.Run("signed", func(t *testing.T) {
		resp, data := fetch(t, signed)
		if resp.StatusCode != 200 || !bytes.Equal(data, content) {
			t.Fatalf("status %d with %d bytes, want 200 with the file", resp.StatusCode, len(data))
		}
		if got := resp.Header.Get("Cache-Control"); !strings.HasPrefix(got, "private, max-age=") {
			t.Errorf("Cache-Control %q, want private, max-age=...", got)
		}
	})
	checkRefusals(t, f.refusals("nginx"), func(t *testing.T, resp *http.Response, tc refusal) {
		if got := resp.Header.Get("X-Signet-Status"); got != fmt.Sprint(tc.status) {
			t.Errorf("X-Signet-Status = %q, want %d", got, tc.status)
		}
	})
	t.Run("escape from a signed directory", func(t *testing.T) {
		// Signed for /media/sub/lecture.mp4, which the verifier reads in
		// /media/sub//../lecture.mp4, while nginx merges the slashes and
		// would serve /media/lecture.mp4.
		sub := f.sign(t, url.Values{"url": {nginxBase + "/media/sub/lecture.mp4"}})
		resp, data := fetch(t, strings.Replace(sub, "/media/sub/lecture.mp4", "/media/sub//../lecture.mp4", 1))
		if resp.StatusCode != http.StatusBadRequest || bytes.Equal(data, content) {
			t.Fatalf("status %d with %d bytes, want 400 without the file", resp.StatusCode, len(data))
		}
		if got := resp.Header.Get("X-Signet-Reason"); got != "ambiguous-path" {
			t.Errorf("X-Signet-Reason = %q, want ambiguous-path", got)
		}
	})
	t.Run("host of an absolute target", func(t *testing.T) {
		// nginx routes by the host of the request line, so signet must
		// check that host, not the Host header's.
		target := strings.Replace(signed, "127.0.0.1", "localhost", 1)
		if status := rawGet(t, nginxBase, target); status != http.StatusForbidden {
			t.Errorf("GET %s with Host 127.0.0.1: status %d, want 403", target, status)
		}
	})
	t.Run("bound to this client", func(t *testing.T) {
		resp, data := fetch(t, f.bound)
		if resp.StatusCode != 200 || !bytes.Equal(data, content) {
			t.Errorf("status %d with %d bytes, want 200 with the file", resp.StatusCode, len(data))
		}
	})
	t.Run("grants cached per client", func(t *testing.T) {
		// authRequests counts signet's log lines of /auth requests. They arrive
		// through a pipe, so it first waits until the count reaches want
		// or a second has passed.
		authRequests := func(want int) int {
			deadline := time.Now().Add(time.Second)
			for {
				n := strings.Count(s.logs.String(), "/auth?nginx=1")
				if n >= want || time.Now().After(deadline) {
					return n
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
		// settled waits until the lines of earlier requests have arrived:
		// until the count stays the same for 200 ms.
		settled := func() int {
			n := authRequests(0)
			for {
				time.Sleep(200 * time.Millisecond)
				if m := authRequests(0); m == n {
					return n
				}
				n = authRequests(0)
			}
		}
		first := settled()
		for range 3 {
			if resp, data := fetch(t, f.bound); resp.StatusCode != 200 || !bytes.Equal(data, content) {
				t.Fatalf("status %d with %d bytes, want 200 with the file", resp.StatusCode, len(data))
			}
		}
		cached := authRequests(first + 2)
		if n := cached - first; n > 1 {
			t.Errorf("signet got %d /auth requests for one URL from one client, want at most once", n)
		}
		// The same URL from another loopback address: the cached grant
		// of 127.0.0.1 must not apply.
		other := &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{
			LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)},
		}).DialContext}}
		resp, err := other.Get(f.bound)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		checkRefused(t, resp, http.StatusForbidden, "ip-mismatch")
		before := authRequests(cached + 1)
		if n := before - cached; n != 1 {
			t.Errorf("signet got %d /auth requests for the request from 127.0.0.2, want once", n)
		}

		tampered := f.bound[:len(f.bound)-1] + flipHex(f.bound[len(f.bound)-1:])
		for range 2 {
			resp, _ := fetch(t, tampered)
			checkRefused(t, resp, http.StatusForbidden, "invalid-signature")
		}
		if n := authRequests(before+2) - before; n != 2 {
			t.Errorf("signet got %d /auth requests for two requests of a rejected URL, want 2: rejections are not cached", n)
		}
	})
	t.Run("access log without signatures", func(t *testing.T) {
		data, err := os.ReadFile(accessLog)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), "GET /media/lecture.mp4 ") {
			t.Errorf("the access log lacks the media requests:\n%s", data)
		}
		if strings.Contains(string(data), "signature=") || strings.Contains(string(data), "policy=") {
			t.Errorf("the access log contains a signing parameter:\n%s", data)
		}
	})
	if logs := s.logs.String(); strings.Contains(logs, e2eSecret) || strings.Contains(logs, queryParam(signed, "signature")) {
		t.Errorf("the signet log contains the secret or a signature:\n%s", logs)
	}
}

// queryParam returns the raw value of a query parameter of rawURL.
func queryParam(rawURL, name string) string {
	_, query, _ := strings.Cut(rawURL, "?")
	for _, param := range strings.Split(query, "&") {
		if k, v, _ := strings.Cut(param, "="); k == name {
			return v
		}
	}
	return "\x00none"
}

// rawGet sends GET target to the server at base with the Host header of
// base, target exactly as given, and returns the response status.
func rawGet(t *testing.T, base, target string) int {
	t.Helper()
	host := strings.TrimPrefix(base, "http://")
	conn, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", target, host)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
