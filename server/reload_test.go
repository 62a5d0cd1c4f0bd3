package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signet-media/signet/config"
	"github.com/signet-media/signet/core"
)

// rotationConfigs returns the two stages of a key rotation: "old" signs,
// then "new" signs and "old" only verifies.
func rotationConfigs(t *testing.T) (before, after *config.Config) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte(fileContent), 0o644); err != nil {
		t.Fatal(err)
	}
	base := config.Config{
		Tokens:         []config.Token{{Name: "ci", SHA256: sha(tokenText), Roles: []string{config.RoleAdmin}}},
		MediaDir:       dir,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
	}
	before, after = new(config.Config), new(config.Config)
	*before, *after = base, base
	before.Keys = []core.Key{{ID: "old", Secret: secretMain, URLs: []string{"/media/"}}}
	after.Keys = []core.Key{
		{ID: "old", Secret: secretMain, URLs: []string{"/media/"}},
		{ID: "new", Secret: secretOther, URLs: []string{"/media/"}},
	}
	after.SignKeys = []string{"new"}
	return before, after
}

func TestReloadUnderLoad(t *testing.T) {
	before, after := rotationConfigs(t)
	var loads atomic.Int64
	load := func() (*config.Config, error) {
		n := loads.Add(1)
		switch {
		case n%7 == 0:
			return nil, errors.New("config: broken file")
		case n%2 == 0:
			return after, nil
		}
		return before, nil
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	rel, err := NewReloader(load, logger)
	if err != nil {
		t.Fatalf("NewReloader: %v", err)
	}
	ts := httptest.NewServer(rel.Handler())
	defer ts.Close()

	signer, err := core.NewSigner(core.SignerConfig{Keys: before.Keys})
	if err != nil {
		t.Fatal(err)
	}
	signed, err := signer.Sign(core.SignRequest{URL: "/media/a.txt", ValidUntil: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	requests := []func() (*http.Response, error){
		func() (*http.Response, error) { return ts.Client().Get(ts.URL + signed.URL) },
		func() (*http.Response, error) {
			req, _ := http.NewRequest("GET", ts.URL+"/auth?nginx=1", nil)
			req.Header.Set("X-Original-URI", signed.URL)
			return ts.Client().Do(req)
		},
		func() (*http.Response, error) {
			form := url.Values{"url": {"/media/a.txt"}}
			req, _ := http.NewRequest("POST", ts.URL+"/api/security/sign", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Authorization", "Bearer "+tokenText)
			return ts.Client().Do(req)
		},
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var total, failed atomic.Int64
	var firstFailure atomic.Value
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := requests[(i+n)%len(requests)]()
				total.Add(1)
				if err != nil {
					failed.Add(1)
					firstFailure.CompareAndSwap(nil, err.Error())
					continue
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || strings.Contains(string(body), "error") {
					failed.Add(1)
					firstFailure.CompareAndSwap(nil, fmt.Sprintf("%s: %d %s", resp.Request.URL.Path, resp.StatusCode, body))
				}
			}
		}()
	}
	reloads, reloadErrors := 0, 0
	deadline := time.Now().Add(1500 * time.Millisecond)
	for time.Now().Before(deadline) {
		if rel.Reload("test") != nil {
			reloadErrors++
		}
		reloads++
		time.Sleep(2 * time.Millisecond)
	}
	close(stop)
	wg.Wait()

	t.Logf("%d reloads (%d failed on purpose), %d requests", reloads, reloadErrors, total.Load())
	if reloads < 100 || total.Load() < 300 {
		t.Errorf("only %d reloads and %d requests; the test did not exercise reloading under load", reloads, total.Load())
	}
	if n := failed.Load(); n > 0 {
		t.Errorf("%d of %d requests failed during reloads; first: %v", n, total.Load(), firstFailure.Load())
	}
	metrics := httpGet(t, ts.URL+"/metrics")
	for _, want := range []string{`signet_config_reloads_total{result="failure"}`, `signet_config_reloads_total{result="success"}`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestReloadKeepsServingAfterFailure(t *testing.T) {
	before, after := rotationConfigs(t)
	next := []*config.Config{before, nil, after}
	var mu sync.Mutex
	load := func() (*config.Config, error) {
		mu.Lock()
		defer mu.Unlock()
		cfg := next[0]
		next = next[1:]
		if cfg == nil {
			return nil, errors.New("config: signet.conf:3: key.x.url: invalid URL prefix")
		}
		return cfg, nil
	}

	logs := &logBuffer{}
	rel, err := NewReloader(load, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	first := rel.Current()

	if err := rel.Reload("SIGHUP"); err == nil {
		t.Fatal("Reload of a broken configuration succeeded")
	}
	if rel.Current() != first {
		t.Error("a failed reload replaced the server")
	}
	if !strings.Contains(logs.String(), "signet.conf:3: key.x.url: invalid URL prefix") {
		t.Errorf("the log lacks the reason of the failure:\n%s", logs)
	}

	if err := rel.Reload("SIGHUP"); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	if got := rel.Current().Config().SignKeys; len(got) != 1 || got[0] != "new" {
		t.Errorf("after reload SignKeys = %q, want [new]", got)
	}
}

func TestReloadWatchesFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "signet.conf")
	write := func(text string) {
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	keys := "key.old.secret = " + secretMain + "\nkey.old.url = /media/\nreload.interval = 1s\n"
	write(keys)
	rel, err := NewReloader(func() (*config.Config, error) { return config.Load(path) }, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	go rel.Watch(ctx)

	// A later modification time, in case the file system keeps coarse ones.
	write(keys + "key.new.secret = " + secretOther + "\nkey.new.url = /media/\nsign.keys = new\n")
	later := time.Now().Add(2 * time.Second)
	os.Chtimes(path, later, later)
	waitFor(t, 5*time.Second, func() bool { return len(rel.Current().Config().Keys) == 2 })

	write("key.broken")
	later = later.Add(2 * time.Second)
	os.Chtimes(path, later, later)
	time.Sleep(1500 * time.Millisecond)
	if got := len(rel.Current().Config().Keys); got != 2 {
		t.Errorf("after a broken file the server has %d keys, want the previous 2", got)
	}
}

func waitFor(t *testing.T, timeout time.Duration, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v", timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func httpGet(t *testing.T, rawURL string) string {
	t.Helper()
	resp, err := http.Get(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

func TestReloadKeepsLoginThrottle(t *testing.T) {
	before, after := rotationConfigs(t)
	configs := []*config.Config{before, after}
	load := func() (*config.Config, error) {
		cfg := configs[0]
		configs = configs[1:]
		return cfg, nil
	}
	rel, err := NewReloader(load, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("NewReloader: %v", err)
	}
	ts := httptest.NewServer(rel.Handler())
	defer ts.Close()
	attempt := func() int {
		req, _ := http.NewRequest("POST", ts.URL+"/api/security/sign", strings.NewReader("url=/media/a.txt"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Bearer wrong-token")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for range failureBurst {
		attempt()
	}
	if err := rel.Reload("test"); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	if status := attempt(); status != http.StatusTooManyRequests {
		t.Errorf("after a reload: status %d, want 429", status)
	}
}

// TestReloadRaisesURLLimit checks that a reload which raises
// limits.max-url-bytes takes effect on the running listener, whose header
// limit was set when it started: a target just under the new limit, with
// 20 KiB of other headers, must then reach the handler.
func TestReloadRaisesURLLimit(t *testing.T) {
	before, after := rotationConfigs(t)
	before.MaxURLBytes, after.MaxURLBytes = 2048, config.MaxURLBytesLimit
	next := []*config.Config{before, after}
	load := func() (*config.Config, error) {
		cfg := next[0]
		next = next[1:]
		return cfg, nil
	}
	rel, err := NewReloader(load, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rel.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})

	path := "/media/a.txt?pad="
	target := "http://" + ln.Addr().String() + path + strings.Repeat("x", config.MaxURLBytesLimit-len(path)-8<<10)
	get := func() int {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, target, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Padding", strings.Repeat("y", 20<<10))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if status := get(); status != http.StatusRequestURITooLong {
		t.Fatalf("a 1 MiB target under a 2048-byte limit got %d, expected 414", status)
	}
	if err := rel.Reload("SIGHUP"); err != nil {
		t.Fatal(err)
	}
	if status := get(); status != http.StatusUnauthorized {
		t.Errorf("a 1 MiB target after raising the limit to 1 MiB got %d, expected 401", status)
	}
}
