package server

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/signet-media/signet/config"
	"github.com/signet-media/signet/core"
)

// dirKeys are the keys of dirsConfig: one key that signs every path
// under /media/.
var dirKeys = []core.Key{{ID: "dirs", Secret: secretMain, URLs: []string{"/media/"}}}

// dirsConfig returns a configuration that serves mediaDir under /media/
// and playerDir under /player/.
func dirsConfig(mediaDir, playerDir string) *config.Config {
	return &config.Config{Keys: dirKeys, MediaDir: mediaDir, PlayerDir: playerDir}
}

// switchableLoader is a load function for NewReloader that returns the
// configuration set last, or an error while that is nil.
type switchableLoader struct {
	mu  sync.Mutex
	cfg *config.Config
}

func (l *switchableLoader) set(cfg *config.Config) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cfg = cfg
}

func (l *switchableLoader) load() (*config.Config, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cfg == nil {
		return nil, errors.New("config: signet.conf:1: broken on purpose")
	}
	return l.cfg, nil
}

// newDirsReloader returns a Reloader of cfg, served on a loopback
// listener, and the loader that its reloads read.
func newDirsReloader(t *testing.T, cfg *config.Config) (*Reloader, *switchableLoader, *httptest.Server) {
	t.Helper()
	loader := &switchableLoader{cfg: cfg}
	rel, err := NewReloader(loader.load, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("NewReloader: %v", err)
	}
	ts := httptest.NewServer(rel.Handler())
	t.Cleanup(ts.Close)
	return rel, loader, ts
}

// mediaDirWith creates a directory with a.txt containing content.
func mediaDirWith(t *testing.T, content string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// dirDescriptors returns the number of descriptors of the process that
// are open on dir. It skips the test where /proc/self/fd does not exist.
func dirDescriptors(t *testing.T, dir string) int {
	t.Helper()
	want, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot list open descriptors: %v", err)
	}
	n := 0
	for _, e := range entries {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		if err == nil && target == want {
			n++
		}
	}
	return n
}

// getSigned requests path, signed with dirKeys, and returns the status and
// body.
func getSigned(t *testing.T, ts *httptest.Server, path string) (int, string) {
	t.Helper()
	signer, err := core.NewSigner(core.SignerConfig{Keys: dirKeys})
	if err != nil {
		t.Fatal(err)
	}
	signed, err := signer.Sign(core.SignRequest{URL: path, ValidUntil: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := ts.Client().Get(ts.URL + signed.URL)
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

// checkServes checks that path is served with 200 and body.
func checkServes(t *testing.T, ts *httptest.Server, path, body string) {
	t.Helper()
	status, got := getSigned(t, ts, path)
	if status != http.StatusOK {
		t.Fatalf("GET %s: status %d, expected 200; body %s", path, status, got)
	}
	if got != body {
		t.Errorf("GET %s: body %q, expected %q", path, got, body)
	}
}

func TestReloadSameDirsOpensNothing(t *testing.T) {
	media, player := mediaDirWith(t, "media\n"), t.TempDir()
	rel, _, ts := newDirsReloader(t, dirsConfig(media, player))
	if n := dirDescriptors(t, media); n != 1 {
		t.Fatalf("%d descriptors open on MediaDir before reloading, expected 1", n)
	}

	// Every Server stays reachable, so that the garbage collector cannot
	// close roots that the reloads leaked.
	var servers []*Server
	for range 200 {
		if err := rel.Reload("test"); err != nil {
			t.Fatalf("Reload: %v", err)
		}
		servers = append(servers, rel.Current())
	}
	if n := dirDescriptors(t, media); n != 1 {
		t.Errorf("%d descriptors open on MediaDir after 200 reloads, expected 1", n)
	}
	if n := dirDescriptors(t, player); n != 1 {
		t.Errorf("%d descriptors open on PlayerDir after 200 reloads, expected 1", n)
	}
	checkServes(t, ts, "/media/a.txt", "media\n")
	t.Logf("%d Servers built", len(servers)+1)
}

func TestReloadChangedMediaDir(t *testing.T) {
	oldDir, newDir := mediaDirWith(t, "old\n"), mediaDirWith(t, "new\n")
	rel, loader, ts := newDirsReloader(t, dirsConfig(oldDir, ""))
	checkServes(t, ts, "/media/a.txt", "old\n")

	loader.set(dirsConfig(newDir, ""))
	if err := rel.Reload("test"); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	checkServes(t, ts, "/media/a.txt", "new\n")
	if n := dirDescriptors(t, oldDir); n != 0 {
		t.Errorf("%d descriptors still open on the old MediaDir, expected 0", n)
	}
	if n := dirDescriptors(t, newDir); n != 1 {
		t.Errorf("%d descriptors open on the new MediaDir, expected 1", n)
	}
}

func TestReloadKeepsRootForRequestInFlight(t *testing.T) {
	oldDir, newDir := mediaDirWith(t, "old\n"), mediaDirWith(t, "new\n")
	// A sparse file larger than the socket buffers of both ends, so that
	// the handler blocks in sending it until the client reads.
	const bigSize = 64 << 20
	big, err := os.Create(filepath.Join(oldDir, "big.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if err := big.Truncate(bigSize); err != nil {
		t.Fatal(err)
	}
	big.Close()
	rel, loader, ts := newDirsReloader(t, dirsConfig(oldDir, ""))

	signer, err := core.NewSigner(core.SignerConfig{Keys: dirKeys})
	if err != nil {
		t.Fatal(err)
	}
	signed, err := signer.Sign(core.SignRequest{URL: "/media/big.bin", ValidUntil: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := ts.Client().Get(ts.URL + signed.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET big.bin: status %d, expected 200", resp.StatusCode)
	}

	loader.set(dirsConfig(newDir, ""))
	if err := rel.Reload("test"); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	checkServes(t, ts, "/media/a.txt", "new\n")
	if n := dirDescriptors(t, oldDir); n != 1 {
		t.Errorf("%d descriptors open on the old MediaDir while a request is in flight, expected 1", n)
	}

	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil || n != bigSize {
		t.Fatalf("read %d bytes of big.bin (error %v), expected %d", n, err, bigSize)
	}
	resp.Body.Close()
	waitFor(t, 5*time.Second, func() bool { return dirDescriptors(t, oldDir) == 0 })
}

func TestReloadFailureKeepsRoots(t *testing.T) {
	oldMedia, oldPlayer := mediaDirWith(t, "old\n"), t.TempDir()
	newMedia, newPlayer := mediaDirWith(t, "new\n"), t.TempDir()
	rel, loader, ts := newDirsReloader(t, dirsConfig(oldMedia, oldPlayer))
	first := rel.Current()

	badCORS := dirsConfig(newMedia, newPlayer)
	badCORS.CORS.AllowCredentials = true
	failures := []struct {
		name string
		cfg  *config.Config
	}{
		{"load error", nil},
		{"missing media directory", dirsConfig(filepath.Join(newMedia, "missing"), oldPlayer)},
		{"missing player directory", dirsConfig(newMedia, filepath.Join(newPlayer, "missing"))},
		{"invalid CORS after opening both", badCORS},
	}
	for _, tc := range failures {
		t.Run(tc.name, func(t *testing.T) {
			loader.set(tc.cfg)
			if err := rel.Reload("test"); err == nil {
				t.Fatal("Reload succeeded, expected an error")
			}
			if rel.Current() != first {
				t.Error("a failed reload replaced the Server")
			}
			checkServes(t, ts, "/media/a.txt", "old\n")
			for _, dir := range []string{oldMedia, oldPlayer} {
				if n := dirDescriptors(t, dir); n != 1 {
					t.Errorf("%d descriptors open on %s, expected 1", n, dir)
				}
			}
			for _, dir := range []string{newMedia, newPlayer} {
				if n := dirDescriptors(t, dir); n != 0 {
					t.Errorf("%d descriptors left open on %s by the failed reload, expected 0", n, dir)
				}
			}
		})
	}

	loader.set(dirsConfig(newMedia, oldPlayer))
	if err := rel.Reload("test"); err != nil {
		t.Fatalf("Reload after the failures: %v", err)
	}
	checkServes(t, ts, "/media/a.txt", "new\n")
	if n := dirDescriptors(t, oldPlayer); n != 1 {
		t.Errorf("%d descriptors open on the unchanged PlayerDir, expected 1", n)
	}
}

func TestReloadReplacedDirAtSamePath(t *testing.T) {
	base := t.TempDir()
	release1, release2 := mediaDirWith(t, "release 1\n"), mediaDirWith(t, "release 2\n")
	current := filepath.Join(base, "current")
	if err := os.Symlink(release1, current); err != nil {
		t.Fatal(err)
	}
	rel, loader, ts := newDirsReloader(t, dirsConfig(current, ""))
	checkServes(t, ts, "/media/a.txt", "release 1\n")

	// Switch the link as a deployment would: a new link renamed over the
	// old one.
	next := filepath.Join(base, "next")
	if err := os.Symlink(release2, next); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(next, current); err != nil {
		t.Fatal(err)
	}
	loader.set(dirsConfig(current, ""))
	if err := rel.Reload("test"); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	checkServes(t, ts, "/media/a.txt", "release 2\n")
	if n := dirDescriptors(t, release1); n != 0 {
		t.Errorf("%d descriptors still open on the previous release, expected 0", n)
	}
}

func TestRetiredServerForwardsRequests(t *testing.T) {
	oldDir, newDir := mediaDirWith(t, "old\n"), mediaDirWith(t, "new\n")
	rel, loader, _ := newDirsReloader(t, dirsConfig(oldDir, ""))
	retired := rel.Current()
	loader.set(dirsConfig(newDir, ""))
	if err := rel.Reload("test"); err != nil {
		t.Fatalf("Reload: %v", err)
	}

	// A caller that kept the Handler of the replaced Server reaches the
	// current one, because the replaced Server has closed its MediaDir.
	ts := httptest.NewServer(retired.Handler())
	defer ts.Close()
	checkServes(t, ts, "/media/a.txt", "new\n")
}
