package server

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/signet-media/signet/config"
	"github.com/signet-media/signet/core"
)

// craftedPlaylist has a URI of every kind that the rewrite must handle or
// leave alone. It is served as /media/hls/v1/crafted.m3u8.
const craftedPlaylist = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:2
#EXT-X-KEY:METHOD=AES-128,URI="../key.bin",IV=0x1
#EXT-X-MAP:URI="init.mp4",BYTERANGE="720@0"
#EXT-X-BYTERANGE:1000@720
#EXTINF:2.0,
all.m4s
#EXTINF:2.0,
seg1.m4s?lang=de
#EXTINF:2.0,
/media/hls/v2/seg2.m4s
#EXTINF:2.0,
../../a.txt
#EXTINF:2.0,
https://cdn.example.org/media/hls/v1/seg3.m4s
#EXT-X-ENDLIST
`

// newHLSFixture starts a server whose media directory holds the demo's
// HLS stream under hls/, the crafted playlist, and a second stream under
// other/.
func newHLSFixture(t *testing.T, mutators ...func(*config.Config)) *fixture {
	t.Helper()
	f := newFixture(t, mutators...)
	copyTree(t, "../demo/media/hls", filepath.Join(f.dir, "hls"))
	copyTree(t, "../demo/media/hls", filepath.Join(f.dir, "other"))
	writeFile(t, filepath.Join(f.dir, "hls", "v1", "crafted.m3u8"), craftedPlaylist)
	return f
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	if err := os.CopyFS(to, os.DirFS(from)); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// signScope signs target for the prefix pattern with the test keys and
// returns the signed target.
func (f *fixture) signScope(target, pattern string, validUntil time.Time) string {
	f.t.Helper()
	signed, err := f.signer.Sign(core.SignRequest{URL: f.base + target, Resource: f.base + pattern, ValidUntil: validUntil})
	if err != nil {
		f.t.Fatalf("signing %s for %s: %v", target, pattern, err)
	}
	return strings.TrimPrefix(signed.URL, f.base)
}

// signingQueryOf returns the policy, keyId and signature parameters of a
// signed target.
func signingQueryOf(target string) string {
	return "policy=" + queryValue(target, "policy") + "&keyId=" + queryValue(target, "keyId") +
		"&signature=" + queryValue(target, "signature")
}

func TestPlaylistRewritten(t *testing.T) {
	f := newHLSFixture(t)
	target := f.signScope("/media/hls/master.m3u8", "/media/hls/*", start.Add(90*time.Second))
	query := signingQueryOf(target)
	r := f.get(target)

	if r.status != http.StatusOK {
		t.Fatalf("status %d, expected 200; body %s", r.status, r.body)
	}
	if got := r.header.Get("Content-Type"); got != playlistType {
		t.Errorf("Content-Type %q, expected %s", got, playlistType)
	}
	if got := r.header.Get("Cache-Control"); got != "private, max-age=90" {
		t.Errorf("Cache-Control %q, expected private, max-age=90", got)
	}
	if got, want := r.header.Get("Content-Length"), strconv.Itoa(len(r.body)); got != want {
		t.Errorf("Content-Length %q, expected %s", got, want)
	}
	for _, variant := range []string{"v320x180/index.m3u8", "v160x90/index.m3u8"} {
		if want := "\n" + variant + "?" + query + "\n"; !strings.Contains(string(r.body), want) {
			t.Errorf("master playlist lacks %q:\n%s", want, r.body)
		}
	}
}

func TestPlaylistCraftedURIs(t *testing.T) {
	f := newHLSFixture(t)
	target := f.signScope("/media/hls/v1/crafted.m3u8", "/media/hls/*", start.Add(time.Hour))
	q := signingQueryOf(target)
	r := f.get(target)
	if r.status != http.StatusOK {
		t.Fatalf("status %d, expected 200; body %s", r.status, r.body)
	}
	want := strings.NewReplacer(
		`URI="../key.bin"`, `URI="../key.bin?`+q+`"`,
		`URI="init.mp4"`, `URI="init.mp4?`+q+`"`,
		"\nall.m4s\n", "\nall.m4s?"+q+"\n",
		"\nseg1.m4s?lang=de\n", "\nseg1.m4s?lang=de&"+q+"\n",
		"\n/media/hls/v2/seg2.m4s\n", "\n/media/hls/v2/seg2.m4s?"+q+"\n",
	).Replace(craftedPlaylist)
	if string(r.body) != want {
		t.Errorf("rewritten playlist\n%s\nexpected\n%s", r.body, want)
	}
}

func TestPlaylistExactResourceNotRewritten(t *testing.T) {
	f := newHLSFixture(t)
	r := f.get(f.signPath("/media/hls/master.m3u8", start.Add(time.Hour)))
	if r.status != http.StatusOK {
		t.Fatalf("status %d, expected 200; body %s", r.status, r.body)
	}
	original, err := os.ReadFile(filepath.Join(f.dir, "hls", "master.m3u8"))
	if err != nil {
		t.Fatal(err)
	}
	if string(r.body) != string(original) {
		t.Errorf("playlist signed for itself was changed:\n%s", r.body)
	}
	if got := r.header.Get("Content-Type"); got != playlistType {
		t.Errorf("Content-Type %q, expected %s", got, playlistType)
	}
}

func TestPlaylistScopeEnforced(t *testing.T) {
	f := newHLSFixture(t)
	master := f.signScope("/media/hls/master.m3u8", "/media/hls/*", start.Add(time.Hour))
	query := signingQueryOf(master)
	other := signingQueryOf(f.signScope("/media/other/master.m3u8", "/media/other/*", start.Add(time.Hour)))

	for _, tc := range []struct {
		name, target string
		status       int
		reason       string
	}{
		{name: "segment in scope", target: "/media/hls/v320x180/seg0.m4s?" + query, status: 200},
		{name: "file outside scope", target: "/media/a.txt?" + query, status: 403, reason: "resource-mismatch"},
		{name: "dot segments out of scope", target: "/media/hls/../a.txt?" + query, status: 400, reason: "ambiguous-path"},
		{name: "empty segment and dot dot", target: "/media/hls/v320x180//../seg0.m4s?" + query, status: 400, reason: "ambiguous-path"},
		{name: "other stream", target: "/media/other/v320x180/seg0.m4s?" + query, status: 403, reason: "resource-mismatch"},
		{name: "signature of other stream", target: "/media/hls/v320x180/seg0.m4s?" + other, status: 403, reason: "resource-mismatch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := f.get(tc.target)
			if r.status != tc.status {
				t.Fatalf("status %d, expected %d; body %s", r.status, tc.status, r.body)
			}
			if got := r.header.Get(reasonHeader); got != tc.reason {
				t.Errorf("%s %q, expected %q", reasonHeader, got, tc.reason)
			}
		})
	}
}

// TestPlaylistFollowed plays the stream as a player without a request
// hook does: it signs the master playlist through the sign API and
// follows only the URIs of the rewritten playlists.
func TestPlaylistFollowed(t *testing.T) {
	f := newHLSFixture(t)
	r := f.signForm(url.Values{"url": {f.base + "/media/hls/master.m3u8"}, "resource": {f.base + "/media/hls/*"}})
	if r.status != http.StatusOK {
		t.Fatalf("sign: status %d; body %s", r.status, r.body)
	}
	master := r.json(t)["url"]

	variant := followURI(t, f, master, "v320x180/index.m3u8")
	segment := followURI(t, f, variant, "seg0.m4s")
	init := followURI(t, f, variant, "init_0.mp4")
	for _, u := range []string{init, segment} {
		got := f.get(strings.TrimPrefix(u, f.base))
		if got.status != http.StatusOK {
			t.Fatalf("GET %s: status %d; body %s", redactURL(u), got.status, got.body)
		}
		name := strings.TrimPrefix(strings.SplitN(u, "?", 2)[0], f.base+"/media/")
		want, err := os.ReadFile(filepath.Join(f.dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if string(got.body) != string(want) {
			t.Errorf("GET %s: %d bytes, expected the %d bytes of %s", redactURL(u), len(got.body), len(want), name)
		}
	}
}

// followURI fetches the playlist at playlistURL and returns the absolute
// URL of its URI that starts with name, failing unless it is signed.
func followURI(t *testing.T, f *fixture, playlistURL, name string) string {
	t.Helper()
	r := f.get(strings.TrimPrefix(playlistURL, f.base))
	if r.status != http.StatusOK {
		t.Fatalf("GET %s: status %d; body %s", redactURL(playlistURL), r.status, r.body)
	}
	base, err := url.Parse(playlistURL)
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(r.body)) {
		line = strings.TrimSpace(line)
		if i := strings.Index(line, `URI="`); i >= 0 {
			line = strings.SplitN(line[i+5:], `"`, 2)[0]
		}
		if !strings.HasPrefix(line, name) {
			continue
		}
		if !strings.Contains(line, "signature=") {
			t.Fatalf("URI %q in %s is not signed", line, redactURL(playlistURL))
		}
		ref, err := url.Parse(line)
		if err != nil {
			t.Fatal(err)
		}
		return base.ResolveReference(ref).String()
	}
	t.Fatalf("playlist %s has no URI %s:\n%s", redactURL(playlistURL), name, r.body)
	return ""
}

func TestPlaylistHeadAndRange(t *testing.T) {
	f := newHLSFixture(t)
	target := f.signScope("/media/hls/master.m3u8", "/media/hls/*", start.Add(time.Hour))
	full := f.get(target)
	head := f.do(f.request(http.MethodHead, target, nil))
	if head.status != http.StatusOK || len(head.body) != 0 {
		t.Errorf("HEAD: status %d, %d bytes of body; expected 200 and none", head.status, len(head.body))
	}
	if got, want := head.header.Get("Content-Length"), strconv.Itoa(len(full.body)); got != want {
		t.Errorf("HEAD: Content-Length %q, expected %s", got, want)
	}
	part := f.get(target, "Range", "bytes=0-6")
	if part.status != http.StatusPartialContent || string(part.body) != "#EXTM3U" {
		t.Errorf("Range: status %d, body %q; expected 206 and #EXTM3U", part.status, part.body)
	}
}

func TestPlaylistRangeNotSatisfiable(t *testing.T) {
	f := newHLSFixture(t)
	target := f.signScope("/media/hls/master.m3u8", "/media/hls/*", start.Add(time.Hour))
	full := f.get(target)
	r := f.get(target, "Range", "bytes="+strconv.Itoa(len(full.body))+"-")
	checkError(t, r, http.StatusRequestedRangeNotSatisfiable)
	if got, want := r.header.Get("Content-Range"), "bytes */"+strconv.Itoa(len(full.body)); got != want {
		t.Errorf("Content-Range %q, expected %q", got, want)
	}
}

func TestPlaylistTooLarge(t *testing.T) {
	limit := 2048
	f := newHLSFixture(t, func(cfg *config.Config) { cfg.MaxPlaylistBytes = limit })
	writeFile(t, filepath.Join(f.dir, "hls", "big.m3u8"), "#EXTM3U\n"+strings.Repeat("#EXTINF:2.0,\nseg.m4s\n", 200))
	// 900 bytes as read, more than 2048 once each URI carries the query.
	writeFile(t, filepath.Join(f.dir, "hls", "grows.m3u8"), "#EXTM3U\n"+strings.Repeat("#EXTINF:2.0,\nseg.m4s\n", 40))

	for _, name := range []string{"big.m3u8", "grows.m3u8"} {
		t.Run(name, func(t *testing.T) {
			target := f.signScope("/media/hls/"+name, "/media/hls/*", start.Add(time.Hour))
			r := f.get(target)
			body := checkError(t, r, http.StatusInsufficientStorage)
			if body["reason"] != reasonPlaylistTooLarge || r.header.Get(reasonHeader) != reasonPlaylistTooLarge {
				t.Errorf("reason %q, header %q; expected %s", body["reason"], r.header.Get(reasonHeader), reasonPlaylistTooLarge)
			}
			if strings.Contains(string(r.body), "EXTM3U") {
				t.Error("the error response contains part of the playlist")
			}
			if logs := f.logs.String(); !strings.Contains(logs, "playlist exceeds limits.max-playlist-bytes") {
				t.Errorf("the error was not logged:\n%s", logs)
			}
			if logs := f.logs.String(); strings.Contains(logs, queryValue(target, "signature")) {
				t.Errorf("the log contains the signature:\n%s", logs)
			}
		})
	}
}

func TestPlaylistMissing(t *testing.T) {
	f := newHLSFixture(t)
	r := f.get(f.signScope("/media/hls/none.m3u8", "/media/hls/*", start.Add(time.Hour)))
	checkError(t, r, http.StatusNotFound)
}

func TestPlaylistNoSignatureInLogs(t *testing.T) {
	f := newHLSFixture(t)
	target := f.signScope("/media/hls/master.m3u8", "/media/hls/*", start.Add(time.Hour))
	f.get(target)
	for _, name := range []string{"policy", "signature"} {
		if logs := f.logs.String(); strings.Contains(logs, queryValue(target, name)) {
			t.Errorf("the log contains the %s value:\n%s", name, logs)
		}
	}
}

// redactURL returns rawURL with the policy and signature values redacted,
// for test failure messages.
func redactURL(rawURL string) string {
	redacted, _ := redactTarget(rawURL)
	return redacted
}
