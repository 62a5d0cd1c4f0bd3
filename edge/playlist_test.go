package edge

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/signet-media/signet/core"
)

// testPlaylistLimit is small enough for the test playlists to exceed it
// and large enough for the demo's rewritten variant playlists.
const testPlaylistLimit = 8 << 10

// newMediaDir returns a copy of the demo's HLS stream in hls/, with the
// test playlists mixed.m3u8 (URIs inside and outside the scope),
// long.m3u8 (longer than testPlaylistLimit as read) and grows.m3u8
// (longer only as rewritten).
func newMediaDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	hlsDir := filepath.Join(dir, "hls")
	if err := os.CopyFS(hlsDir, os.DirFS("../demo/media/hls")); err != nil {
		t.Fatal(err)
	}
	mixed := "#EXTM3U\n#EXTINF:2,\nin.m4s\n#EXTINF:2,\n../outside/a.m4s\n#EXTINF:2,\n/elsewhere/b.m4s\n" +
		"#EXTINF:2,\nsigned.m4s?policy=p&keyId=k&signature=s\n"
	files := map[string]string{
		"mixed.m3u8": mixed,
		"long.m3u8":  "#EXTM3U\n" + strings.Repeat("#EXT-X-COMMENT\n", testPlaylistLimit/15+1),
		"grows.m3u8": "#EXTM3U\n" + strings.Repeat("#EXTINF:2,\ns.m4s\n", 100),
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(hlsDir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// newHLSGateway starts a gateway over newMediaDir, serving it as --root
// does in mode "root" and through an origin server in mode "origin".
func newHLSGateway(t *testing.T, mode string) *httptest.Server {
	t.Helper()
	dir := newMediaDir(t)
	verifier, err := core.NewVerifier(core.VerifierConfig{Keys: testKeys, NonStrict: true})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		Settings: Settings{Pool: newTestPool(t), Verifier: verifier, MaxPlaylistBytes: testPlaylistLimit},
		Logger:   slog.New(slog.DiscardHandler),
	}
	if mode == "origin" {
		origin := httptest.NewServer(http.FileServer(http.Dir(dir)))
		t.Cleanup(origin.Close)
		cfg.Origin, _ = url.Parse(origin.URL)
	} else {
		root, err := os.OpenRoot(dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { root.Close() })
		cfg.Files = root.FS()
	}
	gw, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	return srv
}

// signStream signs a playlist of hls/ for the scope /hls/*, valid for
// ten minutes.
func signStream(t *testing.T, base, name string) string {
	t.Helper()
	return signRequest(t, base, core.SignRequest{
		URL: "/hls/" + name, Resource: "/hls/*", ValidUntil: time.Now().Add(10 * time.Minute),
	})
}

// fetchPlaylist fetches a rewritten playlist and checks its headers.
func fetchPlaylist(t *testing.T, u string) string {
	t.Helper()
	resp, body := get(t, u)
	if resp.StatusCode != 200 {
		t.Fatalf("playlist: status %d, expected 200; body %s", resp.StatusCode, body)
	}
	h := resp.Header
	if got := h.Get("Content-Type"); got != "application/vnd.apple.mpegurl" {
		t.Errorf("Content-Type %q, expected application/vnd.apple.mpegurl", got)
	}
	cc := h.Get("Cache-Control")
	age, err := strconv.Atoi(strings.TrimPrefix(cc, "private, max-age="))
	if err != nil || age <= 0 || age > 600 {
		t.Errorf("Cache-Control %q, expected private with max-age at most 600", cc)
	}
	if got := h.Get("ETag"); got != "" {
		t.Errorf("ETag %q of the original playlist was sent", got)
	}
	if got := h.Get("Content-Length"); got != strconv.Itoa(len(body)) {
		t.Errorf("Content-Length %s, expected %d", got, len(body))
	}
	return body
}

// signedLine returns the URL of the line of playlist that starts with
// name, resolved against playlistURL, and checks that it carries the
// signing parameters of playlistURL.
func signedLine(t *testing.T, playlistURL, playlist, name string) string {
	t.Helper()
	base, _ := url.Parse(playlistURL)
	for line := range strings.Lines(playlist) {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, name) {
			continue
		}
		ref, err := base.Parse(line)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := ref.Query().Get("signature"), base.Query().Get("signature"); got != want {
			t.Fatalf("%s carries signature %q, expected that of the playlist", name, got)
		}
		return ref.String()
	}
	t.Fatalf("the playlist has no line starting with %s:\n%s", name, playlist)
	return ""
}

func TestGatewayPlaylist(t *testing.T) {
	for _, mode := range []string{"root", "origin"} {
		t.Run(mode, func(t *testing.T) {
			srv := newHLSGateway(t, mode)
			master := signStream(t, srv.URL, "master.m3u8")
			variant := signedLine(t, master, fetchPlaylist(t, master), "v160x90/index.m3u8")

			playlist := fetchPlaylist(t, variant)
			if !strings.Contains(playlist, `#EXT-X-MAP:URI="init_1.mp4?policy=`) {
				t.Errorf("the EXT-X-MAP URI is not signed:\n%s", playlist)
			}
			segment := signedLine(t, variant, playlist, "seg3.m4s")
			resp, data := get(t, segment)
			if resp.StatusCode != 200 || len(data) < 1000 {
				t.Fatalf("segment: status %d, %d bytes; expected 200 and the segment", resp.StatusCode, len(data))
			}
		})
	}
}

func TestGatewayPlaylistOutOfScope(t *testing.T) {
	for _, mode := range []string{"root", "origin"} {
		t.Run(mode, func(t *testing.T) {
			srv := newHLSGateway(t, mode)
			mixed := signStream(t, srv.URL, "mixed.m3u8")
			playlist := fetchPlaylist(t, mixed)
			signedLine(t, mixed, playlist, "in.m4s")
			for _, line := range []string{
				"\n../outside/a.m4s\n",
				"\n/elsewhere/b.m4s\n",
				"\nsigned.m4s?policy=p&keyId=k&signature=s\n",
			} {
				if !strings.Contains(playlist, line) {
					t.Errorf("the line %q was changed:\n%s", strings.TrimSpace(line), playlist)
				}
			}
		})
	}
}

func TestGatewayPlaylistTooLarge(t *testing.T) {
	for _, mode := range []string{"root", "origin"} {
		for _, name := range []string{"long.m3u8", "grows.m3u8"} {
			t.Run(mode+"/"+name, func(t *testing.T) {
				srv := newHLSGateway(t, mode)
				resp, body := get(t, signStream(t, srv.URL, name))
				if resp.StatusCode != http.StatusInsufficientStorage {
					t.Fatalf("status %d, expected 507", resp.StatusCode)
				}
				if got := resp.Header.Get("X-Signet-Reason"); got != "playlist-too-large" {
					t.Errorf("X-Signet-Reason %q, expected playlist-too-large", got)
				}
				var p problem
				if err := json.Unmarshal([]byte(body), &p); err != nil || p.Reason != "playlist-too-large" {
					t.Errorf("body %q, expected a JSON error with reason playlist-too-large", body)
				}
				if strings.Contains(body, "#EXT") {
					t.Errorf("the body contains part of the playlist: %q", body)
				}
			})
		}
	}
}

// TestGatewayPlaylistOriginRequest checks that a Range or a HEAD of a
// scoped playlist still gets the whole rewritten playlist, or its length,
// from the origin.
func TestGatewayPlaylistOriginRequest(t *testing.T) {
	srv := newHLSGateway(t, "origin")
	master := signStream(t, srv.URL, "master.m3u8")
	whole := fetchPlaylist(t, master)

	req, _ := http.NewRequest(http.MethodGet, master, nil)
	req.Header.Set("Range", "bytes=0-9")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.ContentLength != int64(len(whole)) {
		t.Errorf("Range: status %d, length %d; expected 200 and %d", resp.StatusCode, resp.ContentLength, len(whole))
	}

	resp, err = http.Head(master)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.ContentLength != int64(len(whole)) {
		t.Errorf("HEAD: status %d, length %d; expected 200 and %d", resp.StatusCode, resp.ContentLength, len(whole))
	}
}

// TestGatewayPlaylistUnscoped checks that a playlist signed for itself
// alone passes unchanged.
func TestGatewayPlaylistUnscoped(t *testing.T) {
	srv := newHLSGateway(t, "root")
	resp, body := get(t, sign(t, srv.URL, "/hls/master.m3u8", time.Now().Add(time.Minute)))
	original, err := os.ReadFile("../demo/media/hls/master.m3u8")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || body != string(original) {
		t.Errorf("status %d, body %q; expected 200 and the original playlist", resp.StatusCode, body)
	}
}
