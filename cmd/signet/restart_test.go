package main

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// restartOn runs signet serve again on the address of s, which has exited.
func restartOn(t *testing.T, s *runningServer, conf string) *runningServer {
	t.Helper()
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	addr := strings.TrimPrefix(s.base, "http://")
	logs := &syncBuffer{}
	cmd := exec.Command(bin, "serve", "--listen", addr, "--log-format", "json", "--config", conf)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	next := &runningServer{base: s.base, cmd: cmd, logs: logs, done: make(chan error, 1)}
	go func() { next.done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-next.done
	})
	next.waitHealthy(t)
	return next
}

// loadClients requests the URLs in turn from several goroutines until
// stop is closed, and counts the statuses. Connection errors are expected
// while the server is down and counted apart.
type loadClients struct {
	wg       sync.WaitGroup
	stop     chan struct{}
	ok       atomic.Int64
	connErrs atomic.Int64
	mu       sync.Mutex
	bad      []string // responses other than 200
}

func startLoad(urls []string, clients int) *loadClients {
	l := &loadClients{stop: make(chan struct{})}
	client := &http.Client{Timeout: 5 * time.Second}
	for i := range clients {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for n := i; ; n++ {
				select {
				case <-l.stop:
					return
				default:
				}
				resp, err := client.Get(urls[n%len(urls)])
				if err != nil {
					l.connErrs.Add(1)
					time.Sleep(5 * time.Millisecond)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 200 {
					l.ok.Add(1)
					continue
				}
				l.mu.Lock()
				l.bad = append(l.bad, fmt.Sprintf("%d %s", resp.StatusCode, resp.Header.Get("X-Signet-Reason")))
				l.mu.Unlock()
			}
		}()
	}
	return l
}

func (l *loadClients) finish() {
	close(l.stop)
	l.wg.Wait()
}

func TestKillAndRestartUnderLoad(t *testing.T) {
	conf := writeE2EConfig(t)
	s := startServer(t, "--config", conf)
	var urls []string
	for range 3 {
		status, body := s.signURL(t, url.Values{"url": {"/media/lecture.mp4"}})
		if status != 200 {
			t.Fatalf("sign: %d %v", status, body)
		}
		urls = append(urls, s.base+body["url"])
	}

	load := startLoad(urls, 4)
	time.Sleep(300 * time.Millisecond)
	before := load.ok.Load()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-s.done
	s.done <- nil // for the cleanup
	time.Sleep(100 * time.Millisecond)
	restarted := restartOn(t, s, conf)
	afterRestart := load.ok.Load()
	time.Sleep(300 * time.Millisecond)
	load.finish()

	t.Logf("%d responses before the kill, %d in all, %d connection errors while down",
		before, load.ok.Load(), load.connErrs.Load())
	if len(load.bad) > 0 {
		t.Errorf("%d responses other than 200, such as %q", len(load.bad), load.bad[0])
	}
	if before == 0 || load.ok.Load() <= afterRestart {
		t.Errorf("%d responses before the kill and %d after the restart; want some of each",
			before, load.ok.Load()-afterRestart)
	}
	for _, u := range urls {
		resp, _ := fetch(t, u)
		if resp.StatusCode != 200 {
			t.Errorf("URL signed before the restart: status %d, want 200", resp.StatusCode)
		}
	}
	if logs := restarted.logs.String(); strings.Contains(logs, `"level":"ERROR"`) {
		t.Errorf("the restarted server logged errors:\n%s", logs)
	}
}

func TestServeReloadsOnSIGHUP(t *testing.T) {
	conf := writeE2EConfig(t)
	s := startServer(t, "--config", conf)
	_, body := s.signURL(t, url.Values{"url": {"/media/lecture.mp4"}})
	oldURL := s.base + body["url"]
	if !strings.Contains(oldURL, "keyId=e2e&") {
		t.Fatalf("signed with %s, want key e2e", oldURL)
	}
	text, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}

	// Broken: the old configuration keeps serving.
	if err := os.WriteFile(conf, append(append([]byte(nil), text...), "key.broken.url = nowhere\n"...), 0o600); err != nil {
		t.Fatal(err)
	}
	s.cmd.Process.Signal(syscall.SIGHUP)
	waitForLog(t, s, "configuration reload failed")
	if resp, _ := fetch(t, oldURL); resp.StatusCode != 200 {
		t.Errorf("after a failed reload: status %d, want 200", resp.StatusCode)
	}

	// Rotation: a new key signs, the old one still verifies.
	rotated := string(text) + "key.next.secret = next-secret-0123456789abcdef\nkey.next.url = /media/\nsign.keys = next\n"
	if err := os.WriteFile(conf, []byte(rotated), 0o600); err != nil {
		t.Fatal(err)
	}
	s.cmd.Process.Signal(syscall.SIGHUP)
	waitForLog(t, s, "configuration reloaded")
	_, body = s.signURL(t, url.Values{"url": {"/media/lecture.mp4"}})
	if !strings.Contains(body["url"], "keyId=next&") {
		t.Errorf("after the rotation signed %s, want key next", body["url"])
	}
	for _, u := range []string{oldURL, s.base + body["url"]} {
		if resp, _ := fetch(t, u); resp.StatusCode != 200 {
			t.Errorf("GET %s: status %d, want 200", u[:strings.Index(u, "?")], resp.StatusCode)
		}
	}
	if logs := s.logs.String(); strings.Contains(logs, "next-secret") || strings.Contains(logs, e2eSecret) {
		t.Errorf("the log contains a secret:\n%s", logs)
	}
}

func waitForLog(t *testing.T, s *runningServer, text string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(s.logs.String(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("no log line %q within 5 s:\n%s", text, s.logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
