package server

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signet-media/signet/config"
	"github.com/signet-media/signet/core"
)

// BenchmarkMediaRoute serves a 16 KiB file through the whole handler, with
// request logging in JSON to io.Discard, into a recorder: "signed" with a
// signed URL, "plain" with the plain URL and verification off, as the
// load test's unverified route. It measures the server's own work per
// request; the load test measures it over real connections.
func BenchmarkMediaRoute(b *testing.B) {
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "lecture.mp4"), []byte(strings.Repeat("Z", 16<<10)), 0o644); err != nil {
		b.Fatal(err)
	}
	keys := []core.Key{{ID: "load", Secret: secretMain, URLs: []string{"http://127.0.0.1:8080/media/"}}}
	signer, err := core.NewSigner(core.SignerConfig{Keys: keys})
	if err != nil {
		b.Fatal(err)
	}
	signed, err := signer.Sign(core.SignRequest{URL: "http://127.0.0.1:8080/media/lecture.mp4", ValidUntil: time.Now().Add(time.Hour)})
	if err != nil {
		b.Fatal(err)
	}

	for _, mode := range []struct {
		name, target string
		skipVerify   bool
	}{
		{"signed", strings.TrimPrefix(signed.URL, "http://127.0.0.1:8080"), false},
		{"plain", "/media/lecture.mp4", true},
	} {
		b.Run(mode.name, func(b *testing.B) {
			srv, err := New(&config.Config{Keys: keys, MediaDir: dir}, slog.New(slog.NewJSONHandler(io.Discard, nil)))
			if err != nil {
				b.Fatal(err)
			}
			srv.skipVerify = mode.skipVerify
			h := srv.Handler()
			req := httptest.NewRequest(http.MethodGet, mode.target, nil)
			req.Host = "127.0.0.1:8080"
			req.RemoteAddr = "127.0.0.1:40000"

			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
		})
	}
}

// BenchmarkRedactTarget measures the redaction of a signed target for the
// request log, which every signed request pays.
func BenchmarkRedactTarget(b *testing.B) {
	target := "/media/lecture.mp4?policy=eyJTdGF0ZW1lbnQiOnsiQ29uZGl0aW9uIjp7IkRhdGVMZXNzVGhhbiI6MTc2NDk3OTIwMDAwMH0s" +
		"IlJlc291cmNlIjoiaHR0cDovLzEyNy4wLjAuMToxODEwMS9tZWRpYS9sZWN0dXJlLm1wNCJ9fQ&keyId=load" +
		"&signature=7c3f0a1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddee"
	b.ReportAllocs()
	for b.Loop() {
		if redacted, sigHash := redactTarget(target); len(sigHash) != 8 || strings.Contains(redacted, "7c3f") {
			b.Fatalf("redactTarget = %q, %q", redacted, sigHash)
		}
	}
}
