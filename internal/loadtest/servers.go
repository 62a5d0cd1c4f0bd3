package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Test values of the load test. None of them protects anything.
const (
	loadSecret  = "loadtest-secret-6f1c2d9e8a7b"
	loadToken   = "loadtest-token-0c8e1f"
	nginxSecret = "loadtest-nginx-secret"
	fileName    = "lecture.mp4"
	fileSize    = 16 << 10
)

// process is a server that the load test started.
type process struct {
	cmd  *exec.Cmd
	base string // http://127.0.0.1:port
	logs bytes.Buffer
}

// env is the servers and URLs of one load test.
type env struct {
	dir                     string
	signet, unverified      *process
	nginx                   *process
	plain                   *process // net/http alone, see servePlain
	mediaURL, unverifiedURL string
	nginxURL, nginxLogURL   string
	forwardURL              string // through nginx with docs/nginx.conf in front of signet
	plainURL                string
	signScript              string // wrk Lua script of a sign request
}

func setUp() (*env, error) {
	dir, err := os.MkdirTemp("", "signet-loadtest")
	if err != nil {
		return nil, err
	}
	e := &env{dir: dir}
	if err := e.writeFiles(); err != nil {
		e.stop()
		return nil, err
	}
	bin := filepath.Join(dir, "signet")
	build := exec.Command("go", "build", "-tags", "signet_benchmark", "-o", bin, "./cmd/signet")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		e.stop()
		return nil, fmt.Errorf("go build: %w", err)
	}
	if err := e.startServers(bin); err != nil {
		e.stop()
		return nil, err
	}
	return e, nil
}

func (e *env) writeFiles() error {
	media := filepath.Join(e.dir, "media")
	if err := os.Mkdir(media, 0o755); err != nil {
		return err
	}
	content := bytes.Repeat([]byte{0x5a}, fileSize)
	return os.WriteFile(filepath.Join(media, fileName), content, 0o644)
}

func (e *env) startServers(bin string) error {
	var err error
	signetPort, unverifiedPort, nginxPort, nginxLogPort, plainPort := freePort(), freePort(), freePort(), freePort(), freePort()
	forwardPort := freePort()
	forwardBase := "http://127.0.0.1:" + strconv.Itoa(forwardPort)
	e.signet, err = startSignet(bin, e.dir, signetPort, false, forwardBase+"/media/")
	if err != nil {
		return err
	}
	e.unverified, err = startSignet(bin, e.dir, unverifiedPort, true, "")
	if err != nil {
		return err
	}
	e.nginx, err = startNginx(e.dir, nginxPort, nginxLogPort, forwardPort, strings.TrimPrefix(e.signet.base, "http://"))
	if err != nil {
		return err
	}
	e.plain, err = startPlain(e.dir, plainPort)
	if err != nil {
		return err
	}
	if e.mediaURL, err = signMedia(e.signet.base, e.signet.base); err != nil {
		return err
	}
	if e.forwardURL, err = signMedia(e.signet.base, forwardBase); err != nil {
		return err
	}
	e.unverifiedURL = e.unverified.base + "/media/" + fileName
	uri := "/media/" + fileName
	query := "?" + secureLinkQuery(uri, nginxSecret, time.Now().Add(24*time.Hour))
	e.nginxURL = e.nginx.base + uri + query
	e.nginxLogURL = "http://127.0.0.1:" + strconv.Itoa(nginxLogPort) + uri + query
	e.plainURL = e.plain.base + uri
	e.signScript = filepath.Join(e.dir, "sign.lua")
	return os.WriteFile(e.signScript, []byte(signLua(e.signet.base)), 0o644)
}

// startSignet starts signet serve on port with the load test's key for its
// own /media/ and, unless empty, for the URL prefix otherPrefix too.
func startSignet(bin, dir string, port int, unverified bool, otherPrefix string) (*process, error) {
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	conf := filepath.Join(dir, fmt.Sprintf("signet-%d.conf", port))
	text := fmt.Sprintf("listen = 127.0.0.1:%d\nkey.load.secret = %s\nkey.load.url = %s/media/\n"+
		"media.dir = media\nproxy.trusted = 127.0.0.1/32\nreload.interval = 0s\n"+
		"token.load.sha256 = %s\ntoken.load.roles = ROLE_API_SECURITY_EDIT\n",
		port, loadSecret, base, sha256Hex(loadToken))
	if otherPrefix != "" {
		text += "key.load.url.2 = " + otherPrefix + "\n"
	}
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		return nil, err
	}
	p := &process{base: base}
	p.cmd = exec.Command(bin, "serve", "--config", conf, "--log-format", "json")
	// The request log goes to a file, as in production, not to a pipe
	// that this program would have to drain.
	logFile, err := os.Create(filepath.Join(dir, fmt.Sprintf("signet-%d.log", port)))
	if err != nil {
		return nil, err
	}
	p.cmd.Stdout, p.cmd.Stderr = logFile, logFile
	p.cmd.Env = os.Environ()
	if unverified {
		p.cmd.Env = append(p.cmd.Env, "SIGNET_BENCHMARK_UNVERIFIED=1")
	}
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	return p, waitListening(port)
}

// startNginx starts one nginx with the same secure_link location on two
// ports: without an access log on port, and with one, written to a file
// as signet writes its request log, on logPort. On forwardPort it serves
// docs/nginx.conf, with the signet at signetAddr for forward
// authentication.
func startNginx(dir string, port, logPort, forwardPort int, signetAddr string) (*process, error) {
	bin, err := lookTool("nginx")
	if err != nil {
		return nil, err
	}
	site, err := forwardSite(dir, forwardPort, signetAddr)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "forward.conf"), []byte(site), 0o644); err != nil {
		return nil, err
	}
	conf := filepath.Join(dir, "nginx.conf")
	text := fmt.Sprintf(`daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log %[1]s/nginx-error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    server {
        listen 127.0.0.1:%[2]d;
        location /media/ {
            root %[1]s;
            secure_link $arg_md5,$arg_expires;
            secure_link_md5 "$secure_link_expires$uri %[3]s";
            if ($secure_link = "") { return 403; }
            if ($secure_link = "0") { return 410; }
        }
    }
    server {
        listen 127.0.0.1:%[4]d;
        access_log %[1]s/nginx-access.log;
        location /media/ {
            root %[1]s;
            secure_link $arg_md5,$arg_expires;
            secure_link_md5 "$secure_link_expires$uri %[3]s";
            if ($secure_link = "") { return 403; }
            if ($secure_link = "0") { return 410; }
        }
    }
    include %[1]s/forward.conf;
}
`, dir, port, nginxSecret, logPort)
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		return nil, err
	}
	p := &process{base: "http://127.0.0.1:" + strconv.Itoa(port)}
	p.cmd = exec.Command(bin, "-p", dir+"/", "-c", conf, "-e", filepath.Join(dir, "nginx-error.log"))
	p.cmd.Stdout, p.cmd.Stderr = &p.logs, &p.logs
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	for _, port := range []int{port, logPort} {
		if err := waitListening(port); err != nil {
			return p, err
		}
	}
	return p, waitListening(forwardPort)
}

// forwardSite returns docs/nginx.conf, which protects dir/media with
// signet's forward authentication and caches its grants, set up to
// listen on forwardPort and to ask the signet at signetAddr.
func forwardSite(dir string, forwardPort int, signetAddr string) (string, error) {
	doc, err := os.ReadFile(filepath.Join("docs", "nginx.conf"))
	if err != nil {
		return "", fmt.Errorf("%w; run the load test from the repository's top directory", err)
	}
	site := string(doc)
	for _, r := range []struct{ old, new string }{
		{"server 127.0.0.1:8080;", "server " + signetAddr + ";"},
		{"listen 80;", "listen 127.0.0.1:" + strconv.Itoa(forwardPort) + ";"},
		{"root /srv;", "root " + dir + ";"},
		{"/var/lib/nginx/signet-auth", filepath.Join(dir, "signet-auth")},
		// As the first secure_link run: no access log.
		{"access_log /var/log/nginx/access.log signet_media;", "access_log off;"},
	} {
		if strings.Count(site, r.old) != 1 {
			return "", fmt.Errorf("docs/nginx.conf does not contain %q exactly once", r.old)
		}
		site = strings.Replace(site, r.old, r.new, 1)
	}
	return site, nil
}

// startPlain starts this program again as the plain net/http server of
// servePlain, serving dir/media.
func startPlain(dir string, port int) (*process, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	p := &process{base: "http://127.0.0.1:" + strconv.Itoa(port)}
	p.cmd = exec.Command(self, "-serve-plain", "127.0.0.1:"+strconv.Itoa(port), "-plain-dir", filepath.Join(dir, "media"))
	p.cmd.Stdout, p.cmd.Stderr = &p.logs, &p.logs
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	return p, waitListening(port)
}

// servePlain serves the files of dir under /media/ with http.ServeContent
// and nothing else: no router, no verification, no request log. It is the
// most a net/http server can do with this file on this machine.
func servePlain(addr, dir string) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutPrefix(r.URL.Path, "/media/")
		if !ok {
			http.NotFound(w, r)
			return
		}
		f, err := root.Open(name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		info, err := f.Stat()
		if err != nil || !info.Mode().IsRegular() {
			http.NotFound(w, r)
			return
		}
		http.ServeContent(w, r, name, info.ModTime(), f)
	})
	srv := &http.Server{Addr: addr, Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	return srv.ListenAndServe()
}

// stop ends the servers that the load test started, by their process,
// and removes the directory.
func (e *env) stop() {
	for _, p := range []*process{e.signet, e.unverified, e.nginx, e.plain} {
		if p != nil && p.cmd.Process != nil {
			p.cmd.Process.Signal(syscall.SIGTERM)
			done := make(chan struct{})
			go func() { p.cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(15 * time.Second):
				p.cmd.Process.Kill()
			}
		}
	}
	os.RemoveAll(e.dir)
}

// peakRSS returns the peak resident memory of the process (VmHWM), in
// bytes, or 0 when it cannot be read.
func (p *process) peakRSS() int64 {
	return procStatus(p.cmd.Process.Pid, "VmHWM:")
}

// rss returns the current resident memory of the process, in bytes.
func (p *process) rss() int64 {
	return procStatus(p.cmd.Process.Pid, "VmRSS:")
}

func procStatus(pid int, field string) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func freePort() int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func waitListening(port int) error {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		conn, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err == nil {
			conn.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("nothing listens on 127.0.0.1:%d after 15 s", port)
}

// signMedia signs the media URL with the sign API and checks that it
// verifies.
func signMedia(apiBase, mediaBase string) (string, error) {
	base := apiBase
	form := url.Values{"url": {mediaBase + "/media/" + fileName}, "valid-until": {
		time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)}}
	req, _ := http.NewRequest("POST", base+"/api/security/sign", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+loadToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var body map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body["url"] == "" {
		return "", fmt.Errorf("sign API: status %d, %v %v", resp.StatusCode, body, err)
	}
	check, err := http.Get(body["url"])
	if err != nil {
		return "", err
	}
	io.Copy(io.Discard, check.Body)
	check.Body.Close()
	if check.StatusCode != 200 {
		return "", fmt.Errorf("signed media URL: status %d", check.StatusCode)
	}
	return body["url"], nil
}

// signLua returns a wrk script that posts a sign request.
func signLua(base string) string {
	body := url.Values{"url": {base + "/media/" + fileName}}.Encode()
	return fmt.Sprintf(`wrk.method = "POST"
wrk.body = %q
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Bearer %s"
`, body, loadToken)
}

func sha256Hex(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:])
}
