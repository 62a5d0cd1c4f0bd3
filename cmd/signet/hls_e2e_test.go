package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestServeDemoHLS plays the demo's HLS stream through the real binary as
// a player without a request hook does: one signature for the stream's
// directory, then only the URIs of the rewritten playlists.
func TestServeDemoHLS(t *testing.T) {
	s := startServer(t)
	password := demoPassword(t, s)
	signDemo := func(target, resource string) string {
		t.Helper()
		form := url.Values{"url": {s.base + target}, "resource": {s.base + resource}}
		req, _ := http.NewRequest("POST", s.base+"/api/security/sign", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("demo", password)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]string
		json.NewDecoder(resp.Body).Decode(&body)
		if resp.StatusCode != 200 || body["url"] == "" {
			t.Fatalf("sign %s for %s: %d %v", target, resource, resp.StatusCode, body)
		}
		return body["url"]
	}

	master := signDemo("/media/hls/master.m3u8", "/media/hls/*")
	variant := signedURI(t, master, "v160x90/index.m3u8")
	segment := signedURI(t, variant, "seg3.m4s")
	resp, data := fetch(t, segment)
	if resp.StatusCode != 200 || len(data) < 1000 {
		t.Fatalf("segment: status %d, %d bytes", resp.StatusCode, len(data))
	}

	// A signature for another scope does not open the stream's segments.
	other := signDemo("/media/sample.mp4", "/media/sample*")
	_, otherQuery, _ := strings.Cut(other, "?")
	bare, _, _ := strings.Cut(segment, "?")
	resp, _ = fetch(t, bare+"?"+otherQuery)
	checkRefused(t, resp, 403, "resource-mismatch")

	if logs := s.logs.String(); strings.Contains(logs, queryValue(master, "signature")) {
		t.Errorf("the log contains a signature:\n%s", logs)
	}
}

// demoPassword returns the password that the demo printed.
func demoPassword(t *testing.T, s *runningServer) string {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(s.logs.String()))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) >= 2 && f[0] == "password:" {
			return f[1]
		}
	}
	t.Fatalf("the demo printed no password:\n%s", s.logs.String())
	return ""
}

// signedURI fetches the playlist at playlistURL, checks that it is a
// rewritten playlist, and returns the absolute URL of its URI that
// starts with name, which must carry a signature.
func signedURI(t *testing.T, playlistURL, name string) string {
	t.Helper()
	resp, body := fetch(t, playlistURL)
	if resp.StatusCode != 200 {
		t.Fatalf("playlist %s: status %d", name, resp.StatusCode)
	}
	if got := resp.Header.Get("Content-Type"); got != "application/vnd.apple.mpegurl" {
		t.Errorf("playlist Content-Type %q", got)
	}
	base, err := url.Parse(playlistURL)
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(body)) {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, name) {
			continue
		}
		if queryValue(line, "signature") == "" {
			t.Fatalf("URI %s is not signed", name)
		}
		ref, err := url.Parse(line)
		if err != nil {
			t.Fatal(err)
		}
		return base.ResolveReference(ref).String()
	}
	t.Fatalf("the playlist has no URI %s:\n%s", name, body)
	return ""
}

// queryValue returns the raw value of a query parameter of a URL.
func queryValue(rawURL, name string) string {
	_, query, _ := strings.Cut(rawURL, "?")
	for param := range strings.SplitSeq(query, "&") {
		if k, v, _ := strings.Cut(param, "="); k == name {
			return v
		}
	}
	return ""
}
