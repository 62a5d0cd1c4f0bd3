package server

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/signet-media/signet/config"
)

const playerOrigin = "https://player.example.org"

func TestCORSOnEveryResponse(t *testing.T) {
	f := newFixture(t)
	signed := f.signPath("/media/a.txt", start.Add(time.Hour))
	expiring := f.signPath("/media/a.txt", start.Add(-time.Second))
	form := url.Values{"url": {f.base + "/media/a.txt"}}
	origin := []string{"Origin", playerOrigin}
	tests := []struct {
		name     string
		response func() *response
		status   int
	}{
		{"sign", func() *response { return f.signForm(form, origin...) }, http.StatusOK},
		{"sign without credentials", func() *response {
			return f.signForm(form, "Origin", playerOrigin, "Authorization", "")
		}, http.StatusUnauthorized},
		{"sign without role", func() *response {
			return f.signForm(form, "Origin", playerOrigin, "Authorization", "Basic "+basic("bob", bobPass))
		}, http.StatusForbidden},
		{"sign without url", func() *response { return f.signForm(url.Values{}, origin...) }, http.StatusBadRequest},
		{"sign not acceptable", func() *response {
			return f.signForm(form, "Origin", playerOrigin, "Accept", "text/html")
		}, http.StatusNotAcceptable},
		{"media", func() *response { return f.get(signed, origin...) }, http.StatusOK},
		{"media range", func() *response { return f.get(signed, "Origin", playerOrigin, "Range", "bytes=0-1") }, http.StatusPartialContent},
		{"media unsigned", func() *response { return f.get("/media/a.txt", origin...) }, http.StatusUnauthorized},
		{"media tampered", func() *response { return f.get(flipSignature(signed), origin...) }, http.StatusForbidden},
		{"media expired", func() *response { return f.get(expiring, origin...) }, http.StatusGone},
		{"media missing", func() *response { return f.get("/media/missing.txt", origin...) }, http.StatusUnauthorized},
		{"unknown route", func() *response { return f.get("/nowhere", origin...) }, http.StatusNotFound},
		{"method not allowed", func() *response {
			req := f.request(http.MethodDelete, "/healthz", nil)
			req.Header.Set("Origin", playerOrigin)
			return f.do(req)
		}, http.StatusMethodNotAllowed},
		{"target too long", func() *response {
			return f.get("/media/"+strings.Repeat("a", config.DefaultMaxURLBytes), origin...)
		}, http.StatusRequestURITooLong},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.response()
			if r.status != tc.status {
				t.Fatalf("status %d, expected %d; body %s", r.status, tc.status, r.body)
			}
			checkCORS(t, r.header, playerOrigin, true)
			expose := r.header.Get("Access-Control-Expose-Headers")
			for _, name := range []string{"Content-Range", "Content-Length", "Accept-Ranges", reasonHeader} {
				if !strings.Contains(expose, name) {
					t.Errorf("Access-Control-Expose-Headers %q lacks %s", expose, name)
				}
			}
		})
	}
}

func checkCORS(t *testing.T, h http.Header, origin string, credentials bool) {
	t.Helper()
	if got := h.Get("Access-Control-Allow-Origin"); got != origin {
		t.Errorf("Access-Control-Allow-Origin %q, expected %q", got, origin)
	}
	want := ""
	if credentials {
		want = "true"
	}
	if got := h.Get("Access-Control-Allow-Credentials"); got != want {
		t.Errorf("Access-Control-Allow-Credentials %q, expected %q", got, want)
	}
	if origin != "*" && !strings.Contains(strings.Join(h.Values("Vary"), ","), "Origin") {
		t.Errorf("Vary %q lacks Origin", h.Values("Vary"))
	}
}

func TestCORSPreflight(t *testing.T) {
	f := newFixture(t)
	for _, target := range []string{"/api/security/sign", "/media/a.txt"} {
		t.Run(target, func(t *testing.T) {
			req := f.request(http.MethodOptions, target, nil)
			req.Header.Set("Origin", playerOrigin)
			req.Header.Set("Access-Control-Request-Method", "POST")
			req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
			r := f.do(req)
			if r.status != http.StatusNoContent {
				t.Fatalf("status %d, expected 204; body %s", r.status, r.body)
			}
			checkCORS(t, r.header, playerOrigin, true)
			methods := r.header.Get("Access-Control-Allow-Methods")
			for _, m := range []string{"GET", "HEAD", "POST", "OPTIONS"} {
				if !strings.Contains(methods, m) {
					t.Errorf("Access-Control-Allow-Methods %q lacks %s", methods, m)
				}
			}
			headers := r.header.Get("Access-Control-Allow-Headers")
			for _, h := range []string{"Authorization", "Content-Type", "Range", "Accept"} {
				if !strings.Contains(headers, h) {
					t.Errorf("Access-Control-Allow-Headers %q lacks %s", headers, h)
				}
			}
		})
	}
}

func TestCORSOtherOrigin(t *testing.T) {
	f := newFixture(t)
	evil := []string{"Origin", "https://evil.example.org"}
	r := f.signForm(url.Values{"url": {f.base + "/media/a.txt"}}, evil...)
	if r.status != http.StatusOK {
		t.Errorf("sign: status %d, expected 200", r.status)
	}
	if got := r.header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("sign: Access-Control-Allow-Origin %q for another origin", got)
	}

	req := f.request(http.MethodOptions, "/api/security/sign", nil)
	req.Header.Set("Origin", "https://evil.example.org")
	req.Header.Set("Access-Control-Request-Method", "POST")
	r = f.do(req)
	body := checkError(t, r, http.StatusForbidden)
	if !strings.Contains(body["error"], `origin "https://evil.example.org" is not allowed`) {
		t.Errorf("preflight from another origin: error %q does not name the origin", body["error"])
	}
	if got := r.header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("preflight: Access-Control-Allow-Origin %q for another origin", got)
	}
}

func TestCORSAnyOrigin(t *testing.T) {
	f := newFixture(t, func(cfg *config.Config) {
		cfg.CORS = config.CORS{AllowedOrigins: []string{"*"}}
	})
	r := f.get("/media/a.txt", "Origin", "https://anywhere.example.org")
	checkRejected(t, r, http.StatusUnauthorized, "unsigned")
	checkCORS(t, r.header, "*", false)
}

func TestCORSConfigRejected(t *testing.T) {
	tests := []struct {
		name string
		cors config.CORS
	}{
		{"credentials with any origin", config.CORS{AllowedOrigins: []string{"*"}, AllowCredentials: true}},
		{"credentials with any origin among others", config.CORS{AllowedOrigins: []string{playerOrigin, "*"}, AllowCredentials: true}},
		{"credentials without origins", config.CORS{AllowCredentials: true}},
		{"origin with path", config.CORS{AllowedOrigins: []string{playerOrigin + "/"}}},
		{"origin without scheme", config.CORS{AllowedOrigins: []string{"player.example.org"}}},
		{"origin with wildcard", config.CORS{AllowedOrigins: []string{"https://*.example.org"}}},
		{"file origin", config.CORS{AllowedOrigins: []string{"file:///tmp"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(&config.Config{CORS: tc.cors}, slog.New(slog.DiscardHandler))
			if err == nil {
				t.Fatal("New accepted the configuration")
			}
			if !strings.Contains(err.Error(), "CORS") {
				t.Errorf("error %q does not name CORS", err)
			}
		})
	}
}

// TestCORSHandlerPassesResponses checks the wrapper of signet edge: the
// Access-Control-* headers are the policy's alone, also when the wrapped
// handler sets its own, and an empty 404 stays empty.
func TestCORSHandlerPassesResponses(t *testing.T) {
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Access-Control-Allow-Origin", "*")
		w.Header().Add("Access-Control-Max-Age", "999")
		if r.URL.Path == "/missing" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		io.WriteString(w, "media")
	})
	h, err := CORSHandler(config.CORS{AllowedOrigins: []string{playerOrigin}}, next)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path, origin, wantOrigin, wantBody string
		wantStatus                         int
	}{
		{"/a.mp4", playerOrigin, playerOrigin, "media", http.StatusOK},
		{"/a.mp4", "https://evil.example.org", "", "media", http.StatusOK},
		{"/missing", playerOrigin, playerOrigin, "", http.StatusNotFound},
	} {
		req := httptest.NewRequest(http.MethodGet, tc.path, nil)
		req.Header.Set("Origin", tc.origin)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != tc.wantStatus || w.Body.String() != tc.wantBody {
			t.Errorf("%s from %s: %d %q, expected %d %q", tc.path, tc.origin, w.Code, w.Body.String(), tc.wantStatus, tc.wantBody)
		}
		var want []string
		if tc.wantOrigin != "" {
			want = []string{tc.wantOrigin}
		}
		if got := w.Header().Values("Access-Control-Allow-Origin"); !slices.Equal(got, want) {
			t.Errorf("%s from %s: Access-Control-Allow-Origin %q, expected %q", tc.path, tc.origin, got, want)
		}
		if got := w.Header().Get("Access-Control-Max-Age"); got != "" {
			t.Errorf("%s from %s: the wrapped handler's Access-Control-Max-Age %q passed", tc.path, tc.origin, got)
		}
	}
	if same, _ := CORSHandler(config.CORS{}, next); same == nil {
		t.Error("CORSHandler without origins returned nil")
	}
}

// TestCORSHandlerStreams checks that the wrapper passes flushes on, so
// that a proxied stream of unknown length reaches the player as it comes.
func TestCORSHandlerStreams(t *testing.T) {
	release := make(chan struct{})
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "first\n")
		// As httplog.Writer did before it used a ResponseController.
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		<-release
		io.WriteString(w, "rest\n")
	})
	h, err := CORSHandler(config.CORS{AllowedOrigins: []string{playerOrigin}}, next)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	// The client reads the first part while the handler waits: without
	// the flush, not even the status would arrive.
	line := make(chan string, 1)
	go func() {
		resp, err := srv.Client().Get(srv.URL + "/live")
		if err != nil {
			line <- err.Error()
			return
		}
		defer resp.Body.Close()
		buf := make([]byte, len("first\n"))
		io.ReadFull(resp.Body, buf)
		line <- string(buf)
	}()
	select {
	case got := <-line:
		if got != "first\n" {
			t.Errorf("first part %q", got)
		}
	case <-time.After(5 * time.Second):
		t.Error("the first part did not arrive before the handler finished: the flush was lost")
	}
	close(release)
}

// TestCORSHandlerEarlyHints checks that an informational response before
// the final one does not let the wrapped handler's own Access-Control-*
// headers through, nor lose Vary: Origin.
func TestCORSHandlerEarlyHints(t *testing.T) {
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</a.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		clear(w.Header())
		w.Header().Set("Access-Control-Allow-Origin", "*")
		io.WriteString(w, "media")
	})
	h, err := CORSHandler(config.CORS{AllowedOrigins: []string{playerOrigin}}, next)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/a.mp4", nil)
	req.Header.Set("Origin", "https://evil.example.org")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if got := w.Header().Values("Access-Control-Allow-Origin"); len(got) != 0 {
		t.Errorf("Access-Control-Allow-Origin %q for an origin that is not allowed", got)
	}
	if got := w.Header().Get("Vary"); got != "Origin" {
		t.Errorf("Vary %q, expected Origin", got)
	}
}
