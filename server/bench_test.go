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

// BenchmarkMediaRoute serves a signed 16 KiB file through the whole
// handler, with request logging in JSON to io.Discard, into a recorder.
// It measures the server's own work per request; the load test measures
// it over real connections.
func BenchmarkMediaRoute(b *testing.B) {
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "lecture.mp4"), []byte(strings.Repeat("Z", 16<<10)), 0o644); err != nil {
		b.Fatal(err)
	}
	keys := []core.Key{{ID: "load", Secret: secretMain, URLs: []string{"http://127.0.0.1:8080/media/"}}}
	cfg := &config.Config{Keys: keys, MediaDir: dir}

	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	srv, err := New(cfg, logger)
	if err != nil {
		b.Fatal(err)
	}
	signer, err := core.NewSigner(core.SignerConfig{Keys: keys})
	if err != nil {
		b.Fatal(err)
	}
	signed, err := signer.Sign(core.SignRequest{URL: "http://127.0.0.1:8080/media/lecture.mp4", ValidUntil: time.Now().Add(time.Hour)})
	if err != nil {
		b.Fatal(err)
	}

	target := strings.TrimPrefix(signed.URL, "http://127.0.0.1:8080")
	h := srv.Handler()
	req := httptest.NewRequest(http.MethodGet, target, nil)
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
}
