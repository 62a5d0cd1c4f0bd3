package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signet-media/signet/core"
)

func TestMediaSigned(t *testing.T) {
	f := newFixture(t)
	target := f.signPath("/media/a.txt", start.Add(2*time.Hour))
	r := f.get(target)

	if r.status != http.StatusOK {
		t.Fatalf("status %d, expected 200; body %s", r.status, r.body)
	}
	if string(r.body) != fileContent {
		t.Errorf("body %q, expected %q", r.body, fileContent)
	}
	if got := r.header.Get("Content-Type"); !strings.HasPrefix(got, "text/plain") {
		t.Errorf("Content-Type %q, expected text/plain", got)
	}
	if got := r.header.Get("Cache-Control"); got != "private, max-age=7200" {
		t.Errorf("Cache-Control %q, expected private, max-age=7200", got)
	}
	if got := r.header.Get("Accept-Ranges"); got != "bytes" {
		t.Errorf("Accept-Ranges %q, expected bytes", got)
	}
	if r.header.Get("ETag") == "" {
		t.Error("no ETag")
	}
	if got := r.header.Get(reasonHeader); got != "" {
		t.Errorf("%s %q on success", reasonHeader, got)
	}
}

func TestMediaHead(t *testing.T) {
	f := newFixture(t)
	r := f.do(f.request(http.MethodHead, f.signPath("/media/a.txt", start.Add(time.Hour)), nil))
	if r.status != http.StatusOK {
		t.Fatalf("status %d, expected 200", r.status)
	}
	if len(r.body) != 0 {
		t.Errorf("HEAD returned a body %q", r.body)
	}
	if got, want := r.header.Get("Content-Length"), strconv.Itoa(len(fileContent)); got != want {
		t.Errorf("Content-Length %q, expected %q", got, want)
	}
}

func TestMediaRange(t *testing.T) {
	f := newFixture(t)
	r := f.get(f.signPath("/media/a.txt", start.Add(time.Hour)), "Range", "bytes=0-4")
	if r.status != http.StatusPartialContent {
		t.Fatalf("status %d, expected 206", r.status)
	}
	if string(r.body) != "hello" {
		t.Errorf("body %q, expected %q", r.body, "hello")
	}
	want := "bytes 0-4/" + strconv.Itoa(len(fileContent))
	if got := r.header.Get("Content-Range"); got != want {
		t.Errorf("Content-Range %q, expected %q", got, want)
	}
}

// TestMediaRangeCount checks that a Range header with more than maxRanges
// ranges is ignored, so that the response is the file and no multipart
// body many times its size.
func TestMediaRangeCount(t *testing.T) {
	f := newFixture(t)
	content := strings.Repeat("0123456789abcdef", 256)
	if err := os.WriteFile(filepath.Join(f.dir, "big.bin"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	target := f.signPath("/media/big.bin", start.Add(time.Hour))
	ranges := func(n int) string {
		specs := make([]string, n)
		for i := range specs {
			specs[i] = strconv.Itoa(2*i) + "-" + strconv.Itoa(2*i)
		}
		return "bytes=" + strings.Join(specs, ",")
	}
	r := f.get(target, "Range", ranges(maxRanges))
	if r.status != http.StatusPartialContent || !strings.HasPrefix(r.header.Get("Content-Type"), "multipart/byteranges") {
		t.Errorf("%d ranges: status %d, Content-Type %q; expected 206 multipart/byteranges", maxRanges, r.status, r.header.Get("Content-Type"))
	}
	r = f.get(target, "Range", ranges(maxRanges+1))
	if r.status != http.StatusOK || string(r.body) != content {
		t.Errorf("%d ranges: status %d with %d bytes; expected 200 with the file", maxRanges+1, r.status, len(r.body))
	}
}

func TestMediaRangeNotSatisfiable(t *testing.T) {
	f := newFixture(t)
	target := f.signPath("/media/a.txt", start.Add(time.Hour))
	size := strconv.Itoa(len(fileContent))
	tests := []struct {
		name   string
		method string
		value  string
	}{
		{"past end", http.MethodGet, "bytes=100-200"},
		{"from size", http.MethodGet, "bytes=" + size + "-"},
		{"several past end", http.MethodGet, "bytes=100-101,200-201"},
		{"malformed", http.MethodGet, "bytes=abc"},
		{"reversed", http.MethodGet, "bytes=5-2"},
		{"head past end", http.MethodHead, "bytes=100-200"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := f.request(tc.method, target, nil)
			req.Header.Set("Range", tc.value)
			r := f.do(req)
			if r.status != http.StatusRequestedRangeNotSatisfiable {
				t.Fatalf("status %d, expected 416; body %s", r.status, r.body)
			}
			if got, want := r.header.Get("Content-Range"), "bytes */"+size; got != want {
				t.Errorf("Content-Range %q, expected %q", got, want)
			}
			if tc.method == http.MethodHead {
				checkHeadError(t, r)
				return
			}
			body := checkError(t, r, http.StatusRequestedRangeNotSatisfiable)
			if !strings.Contains(body["error"], size+" bytes") {
				t.Errorf("error %q does not give the length %s", body["error"], size)
			}
		})
	}
}

// checkHeadError checks the headers of an error response to HEAD, which
// has no body.
func checkHeadError(t *testing.T, r *response) {
	t.Helper()
	if got := r.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q, expected no-store", got)
	}
	if got := r.header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type %q, expected application/json", got)
	}
	if len(r.body) != 0 {
		t.Errorf("HEAD returned a body %q", r.body)
	}
}

// readFromCounter counts the bytes that pass through its ReadFrom, the
// method through which net/http sends a file with sendfile.
type readFromCounter struct {
	http.ResponseWriter
	bytes *atomic.Int64
}

func (w readFromCounter) ReadFrom(r io.Reader) (int64, error) {
	n, err := w.ResponseWriter.(io.ReaderFrom).ReadFrom(r)
	w.bytes.Add(n)
	return n, err
}

func TestMediaSentThroughReadFrom(t *testing.T) {
	f := newFixture(t)
	var copied atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.srv.Handler().ServeHTTP(readFromCounter{w, &copied}, r)
	}))
	defer ts.Close()
	target := f.signPathOnly("/media/a.txt", start.Add(time.Hour))
	tests := []struct {
		name   string
		rangeH string
		status int
		copied int
	}{
		{"whole file", "", http.StatusOK, len(fileContent)},
		{"range", "bytes=0-4", http.StatusPartialContent, 5},
		{"range past end", "bytes=100-", http.StatusRequestedRangeNotSatisfiable, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			copied.Store(0)
			req, err := http.NewRequest(http.MethodGet, ts.URL+target, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.rangeH != "" {
				req.Header.Set("Range", tc.rangeH)
			}
			resp, err := ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, expected %d", resp.StatusCode, tc.status)
			}
			if got := copied.Load(); got != int64(tc.copied) {
				t.Errorf("%d bytes sent through ReadFrom, expected %d", got, tc.copied)
			}
		})
	}
}

func TestMediaConditional(t *testing.T) {
	f := newFixture(t)
	target := f.signPath("/media/a.txt", start.Add(time.Hour))
	first := f.get(target)
	etag, lastModified := first.header.Get("ETag"), first.header.Get("Last-Modified")

	tests := []struct {
		name    string
		headers []string
		status  int
		body    string
	}{
		{"if-none-match", []string{"If-None-Match", etag}, http.StatusNotModified, ""},
		{"if-none-match other", []string{"If-None-Match", `"other"`}, http.StatusOK, fileContent},
		{"if-modified-since", []string{"If-Modified-Since", lastModified}, http.StatusNotModified, ""},
		{"if-range", []string{"Range", "bytes=7-12", "If-Range", etag}, http.StatusPartialContent, "signed"},
		{"if-range stale", []string{"Range", "bytes=7-12", "If-Range", `"other"`}, http.StatusOK, fileContent},
		{"if-none-match with range past end", []string{"If-None-Match", etag, "Range", "bytes=100-"}, http.StatusNotModified, ""},
		{"if-range stale with range past end", []string{"Range", "bytes=100-", "If-Range", `"other"`}, http.StatusOK, fileContent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := f.get(target, tc.headers...)
			if r.status != tc.status {
				t.Fatalf("status %d, expected %d", r.status, tc.status)
			}
			if string(r.body) != tc.body {
				t.Errorf("body %q, expected %q", r.body, tc.body)
			}
		})
	}
}

// flipSignature changes one hex digit of the signature of a target.
func flipSignature(target string) string {
	sig := queryValue(target, "signature")
	flipped := []byte(sig)
	if flipped[10] == '0' {
		flipped[10] = '1'
	} else {
		flipped[10] = '0'
	}
	return strings.Replace(target, "signature="+sig, "signature="+string(flipped), 1)
}

func TestMediaRejected(t *testing.T) {
	f := newFixture(t)
	signed := f.signPath("/media/a.txt", start.Add(time.Hour))
	_, query, _ := strings.Cut(signed, "?")
	notYet, err := f.signer.Sign(core.SignRequest{
		URL: f.base + "/media/a.txt", ValidFrom: start.Add(time.Minute), ValidUntil: start.Add(time.Hour),
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, target string
		status       int
		reason       string
	}{
		{"unsigned", "/media/a.txt", http.StatusUnauthorized, "unsigned"},
		{"unsigned with other query", "/media/a.txt?t=10", http.StatusUnauthorized, "unsigned"},
		{"tampered signature", flipSignature(signed), http.StatusForbidden, "invalid-signature"},
		{"missing keyId", strings.Replace(signed, "&keyId=main", "", 1), http.StatusBadRequest, "missing-parameter"},
		{"empty signature", signed[:strings.Index(signed, "signature=")+len("signature=")], http.StatusBadRequest, "missing-parameter"},
		{"duplicate keyId", signed + "&keyId=main", http.StatusBadRequest, "duplicate-parameter"},
		{"malformed policy", strings.Replace(signed, "policy=", "policy=AAAA", 1), http.StatusBadRequest, "malformed-policy"},
		{"unknown key", strings.Replace(signed, "keyId=main", "keyId=nope", 1), http.StatusForbidden, "unknown-key"},
		{"other resource", "/media/sub/b.txt?" + query, http.StatusForbidden, "resource-mismatch"},
		{"not yet valid", strings.TrimPrefix(notYet.URL, f.base), http.StatusGone, "not-yet-valid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkRejected(t, f.get(tc.target), tc.status, tc.reason)
		})
	}
}

func checkRejected(t *testing.T, r *response, status int, reason string) {
	t.Helper()
	body := checkError(t, r, status)
	if got := r.header.Get(reasonHeader); got != reason {
		t.Errorf("%s %q, expected %q", reasonHeader, got, reason)
	}
	if body["reason"] != reason {
		t.Errorf("body reason %q, expected %q", body["reason"], reason)
	}
	if strings.Contains(string(r.body), fileContent) {
		t.Error("a rejected response contains the file")
	}
	if challenge := r.header.Get("WWW-Authenticate"); (status == http.StatusUnauthorized) != (challenge != "") {
		t.Errorf("status %d with WWW-Authenticate %q", status, challenge)
	}
}

func TestMediaExpired(t *testing.T) {
	f := newFixture(t)
	target := f.signPath("/media/a.txt", start.Add(time.Minute))
	if r := f.get(target); r.status != http.StatusOK {
		t.Fatalf("before expiry: status %d, expected 200", r.status)
	}
	f.clock.Advance(time.Minute)
	if r := f.get(target); r.status != http.StatusOK {
		t.Fatalf("at the end of validity: status %d, expected 200", r.status)
	}
	f.clock.Advance(time.Millisecond)
	checkRejected(t, f.get(target), http.StatusGone, "expired")
}

func TestMediaCacheControl(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name     string
		validity time.Duration
		want     string
	}{
		{"two hours", 2 * time.Hour, "private, max-age=7200"},
		{"fraction floored", 90*time.Second + 999*time.Millisecond, "private, max-age=90"},
		{"capped at a day", 3 * 24 * time.Hour, "private, max-age=86400"},
		{"one second", time.Second, "private, max-age=1"},
		{"under a second", 999 * time.Millisecond, "no-store"},
		{"last millisecond", 0, "no-store"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := f.get(f.signPath("/media/a.txt", start.Add(tc.validity)))
			if r.status != http.StatusOK {
				t.Fatalf("status %d, expected 200", r.status)
			}
			cacheControl := r.header.Get("Cache-Control")
			if cacheControl != tc.want {
				t.Errorf("Cache-Control %q, expected %q", cacheControl, tc.want)
			}
			age, ok := strings.CutPrefix(cacheControl, "private, max-age=")
			if seconds, _ := strconv.Atoi(age); ok && time.Duration(seconds)*time.Second > tc.validity {
				t.Errorf("max-age %ds outlives the validity %v", seconds, tc.validity)
			}
		})
	}
}

func TestMediaPathRejected(t *testing.T) {
	f := newFixture(t)
	until := start.Add(time.Hour)
	tests := []struct {
		name, path string
	}{
		{"encoded NUL", "/media/a.txt%00"},
		{"symbolic link out", "/media/escape"},
		{"directory", "/media/sub/"},
		{"directory without slash", "/media/sub"},
		{"empty directory", "/media/empty"},
		{"media root", "/media/"},
		{"missing file", "/media/missing.txt"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkRejected(t, f.get(tc.path), http.StatusUnauthorized, "unsigned")
			r := f.get(f.signPathOnly(tc.path, until))
			body := checkError(t, r, http.StatusNotFound)
			if body["error"] != "not found" {
				t.Errorf("error %q, expected not found", body["error"])
			}
			if strings.Contains(string(r.body), "outside the media") {
				t.Error("the response contains the file outside the media directory")
			}
		})
	}
	if !strings.Contains(f.logs.String(), "path escapes from parent") {
		t.Error("the log lacks the os.Root error for the symbolic link")
	}
}

// TestMediaPathAmbiguous checks that paths which the verifier and the
// file system could read as different files are rejected before
// verification, signed or not. The first case is the attack: the verifier
// removes "//.." as an empty segment and its "..", giving /media/sub/a.txt,
// which the signature covers, while path.Clean merges the slashes first
// and would open /media/a.txt.
func TestMediaPathAmbiguous(t *testing.T) {
	f := newFixture(t)
	until := start.Add(time.Hour)
	scoped := signingQueryOf(f.signScope("/media/sub/b.txt", "/media/sub/*", until))
	checkRejected(t, f.get("/media/sub//../a.txt?"+scoped), http.StatusBadRequest, "ambiguous-path")

	for _, path := range []string{
		"/media/../outside.txt",
		"/media/%2e%2e/outside.txt",
		"/media/%2E%2E/outside.txt",
		"/media/sub/../../outside.txt",
		"/media/sub/../a.txt",
		"/media/./a.txt",
		"/media/%2e/a.txt",
		"/media//a.txt",
		"/media/sub//b.txt",
		"/media/sub%2Fb.txt",
		"/media/sub%5Cb.txt",
		"/media/sub/..;/a.txt",
	} {
		t.Run(path, func(t *testing.T) {
			checkRejected(t, f.get(path), http.StatusBadRequest, "ambiguous-path")
			r := f.get(f.signPathOnly(path, until))
			checkRejected(t, r, http.StatusBadRequest, "ambiguous-path")
			if strings.Contains(string(r.body), "outside the media") || strings.Contains(string(r.body), fileContent) {
				t.Error("the response contains a file")
			}
		})
	}
}

func TestMediaMethodNotAllowed(t *testing.T) {
	f := newFixture(t)
	target := f.signPath("/media/a.txt", start.Add(time.Hour))
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		t.Run(method, func(t *testing.T) {
			r := f.do(f.request(method, target, nil))
			checkError(t, r, http.StatusMethodNotAllowed)
			if got := r.header.Get("Allow"); got != "GET, HEAD" {
				t.Errorf("Allow %q, expected GET, HEAD", got)
			}
		})
	}
}

func TestFileName(t *testing.T) {
	tests := []struct {
		raw, name string
		ok        bool
	}{
		{"/media/a.txt", "a.txt", true},
		{"/media/sub/b.txt", "sub/b.txt", true},
		{"/media/a%20b.txt", "a b.txt", true},
		{"/media/", ".", true},
		{"/media", ".", true},
		{"/media/sub/../a.txt", "a.txt", true},
		{"/media/../a.txt", "", false},
		{"/mediax/a.txt", "", false},
		{"/media/%2e%2e/a.txt", "", false},
		{"/media/a%2fb", "", false},
		{"/media/a%5cb", "", false},
		{"/media/a\\b", "", false},
		{"/media/a%00", "", false},
		{"/media/a%zz", "", false},
		{"/other/a.txt", "", false},
		{"/media/.git/config", "", false},
		{"/media/sub/.htpasswd", "", false},
		{"/media/.hidden", "", false},
		{"/media/a.b/c..d.txt", "a.b/c..d.txt", true},
		{"/media/a.txt/", "", false},
		{"/media/hls/master.m3u8/", "", false},
		{"/media/sub/", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.raw, func(t *testing.T) {
			name, ok := fileName(tc.raw, "/media/")
			if name != tc.name || ok != tc.ok {
				t.Errorf("fileName(%q) = %q, %v, expected %q, %v", tc.raw, name, ok, tc.name, tc.ok)
			}
		})
	}
}

// TestMediaRangeOffsets checks that each response reads from the offset
// that ServeContent seeked to. The cases are ranges inside the file, a
// suffix range, two ranges in one multipart body, and a file without
// extension, whose type ServeContent sniffs by reading it first.
func TestMediaRangeOffsets(t *testing.T) {
	f := newFixture(t)
	if err := os.WriteFile(filepath.Join(f.dir, "noext"), []byte(fileContent), 0o644); err != nil {
		t.Fatal(err)
	}
	target := f.signPath("/media/a.txt", start.Add(time.Hour))
	for _, tc := range []struct{ name, rangeHeader, want string }{
		{"middle", "bytes=7-12", "signed"},
		{"suffix", "bytes=-6", "world\n"},
		{"open end", "bytes=14-", "world\n"},
	} {
		r := f.get(target, "Range", tc.rangeHeader)
		if r.status != http.StatusPartialContent || string(r.body) != tc.want {
			t.Errorf("%s (%s): %d %q; expected 206 %q", tc.name, tc.rangeHeader, r.status, r.body, tc.want)
		}
	}

	r := f.get(target, "Range", "bytes=0-4,7-12")
	if r.status != http.StatusPartialContent || !strings.HasPrefix(r.header.Get("Content-Type"), "multipart/byteranges") {
		t.Fatalf("two ranges: %d %s; expected 206 multipart/byteranges", r.status, r.header.Get("Content-Type"))
	}
	if !strings.Contains(string(r.body), "\r\n\r\nhello\r\n") || !strings.Contains(string(r.body), "\r\n\r\nsigned\r\n") {
		t.Errorf("two ranges: body %q lacks the parts \"hello\" and \"signed\"", r.body)
	}

	r = f.get(f.signPath("/media/noext", start.Add(time.Hour)))
	if r.status != http.StatusOK || string(r.body) != fileContent {
		t.Errorf("file without extension: %d %q; expected 200 %q", r.status, r.body, fileContent)
	}
	r = f.get(f.signPath("/media/noext", start.Add(time.Hour)), "Range", "bytes=7-12")
	if r.status != http.StatusPartialContent || string(r.body) != "signed" {
		t.Errorf("file without extension, range: %d %q; expected 206 \"signed\"", r.status, r.body)
	}
}

// TestMediaRangeUnits checks the Range headers that http.ServeContent
// handles against RFC 9110: an unknown unit is ignored, the unit is
// compared ignoring case, and a zero-length suffix range selects nothing.
func TestMediaRangeUnits(t *testing.T) {
	f := newFixture(t)
	target := f.signPath("/media/a.txt", start.Add(time.Hour))
	size := strconv.Itoa(len(fileContent))
	for _, tc := range []struct {
		name, rangeHeader string
		status            int
		body              string
	}{
		{"unknown unit", "items=0-1", http.StatusOK, fileContent},
		{"upper-case unit", "Bytes=0-4", http.StatusPartialContent, "hello"},
		{"zero suffix", "bytes=-0", http.StatusRequestedRangeNotSatisfiable, ""},
		{"zero suffix with zeros", "bytes=-000", http.StatusRequestedRangeNotSatisfiable, ""},
		{"zero suffix and a range", "bytes=-0, 7-12", http.StatusPartialContent, "signed"},
	} {
		r := f.get(target, "Range", tc.rangeHeader)
		if r.status != tc.status {
			t.Errorf("%s (%s): status %d; expected %d", tc.name, tc.rangeHeader, r.status, tc.status)
			continue
		}
		if tc.status == http.StatusRequestedRangeNotSatisfiable {
			if got := r.header.Get("Content-Range"); got != "bytes */"+size {
				t.Errorf("%s: Content-Range %q; expected %q", tc.name, got, "bytes */"+size)
			}
			checkError(t, r, tc.status)
			continue
		}
		if string(r.body) != tc.body {
			t.Errorf("%s (%s): body %q; expected %q", tc.name, tc.rangeHeader, r.body, tc.body)
		}
	}
}

// TestMediaPreconditionFailed checks that a failed If-Match gets the
// server's JSON error.
func TestMediaPreconditionFailed(t *testing.T) {
	f := newFixture(t)
	r := f.get(f.signPath("/media/a.txt", start.Add(time.Hour)), "If-Match", `"other"`)
	checkError(t, r, http.StatusPreconditionFailed)
}

// TestLongHost checks that a Host header longer than maxHostBytes gets
// 400 naming the limit, on the media route and elsewhere.
func TestLongHost(t *testing.T) {
	f := newFixture(t)
	target := f.signPathOnly("/media/a.txt", start.Add(time.Hour))
	for _, tc := range []struct {
		target string
		length int
		want   int
	}{
		{target, maxHostBytes, http.StatusOK},
		{target, maxHostBytes + 1, http.StatusBadRequest},
		{"/healthz", 64 << 10, http.StatusBadRequest},
	} {
		req := f.request(http.MethodGet, tc.target, nil)
		req.Host = strings.Repeat("h", tc.length)
		r := f.do(req)
		if r.status != tc.want {
			t.Errorf("%s with a Host of %d bytes: status %d, expected %d; body %s", tc.target, tc.length, r.status, tc.want, r.body)
			continue
		}
		if tc.want == http.StatusBadRequest && !strings.Contains(string(r.body), "longer than "+strconv.Itoa(maxHostBytes)+" bytes") {
			t.Errorf("%s with a Host of %d bytes: body %s does not name the limit", tc.target, tc.length, r.body)
		}
	}
}

// TestMediaDirReplacedWarns checks that a 404 after the media directory
// was replaced by another of the same name logs one warning that names
// the fix, and that further 404s within the interval log no more.
func TestMediaDirReplacedWarns(t *testing.T) {
	f := newFixture(t)
	dir := f.dir
	if err := os.Rename(dir, dir+".old"); err != nil {
		t.Fatal(err)
	}
	target := f.signPath("/media/a.txt", start.Add(time.Hour))
	if r := f.get(target); r.status != http.StatusOK {
		t.Fatalf("status %d from the directory opened at start, expected 200", r.status)
	}
	f.get(f.signPath("/media/missing.txt", start.Add(time.Hour)))
	if logs := f.logs.String(); !strings.Contains(logs, "the media directory is gone") {
		t.Errorf("no warning after the media directory was removed:\n%s", logs)
	}

	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f.srv.mediaDirChecked.Store(0)
	f.get(f.signPath("/media/missing.txt", start.Add(time.Hour)))
	f.get(f.signPath("/media/missing.txt", start.Add(time.Hour)))
	if n := strings.Count(f.logs.String(), "names another directory than the one opened at start"); n != 1 {
		t.Errorf("%d warnings about the replaced directory, expected 1:\n%s", n, f.logs.String())
	}
}
