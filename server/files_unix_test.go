//go:build unix

package server

import (
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestMediaNamedPipe checks that a named pipe in the media directory is
// served as missing at once: opening it for reading must not wait for a
// writer.
func TestMediaNamedPipe(t *testing.T) {
	f := newFixture(t)
	pipe := filepath.Join(f.dir, "pipe.mp4")
	if err := syscall.Mkfifo(pipe, 0o644); err != nil {
		t.Skipf("cannot make a named pipe: %v", err)
	}
	done := make(chan *response, 1)
	go func() { done <- f.get(f.signPath("/media/pipe.mp4", start.Add(time.Hour))) }()
	select {
	case r := <-done:
		if r.status != http.StatusNotFound {
			t.Errorf("status %d; expected 404", r.status)
		}
	case <-time.After(5 * time.Second):
		// Opening the pipe for writing releases the blocked handler, so
		// that the server can shut down.
		if w, err := os.OpenFile(pipe, os.O_WRONLY, 0); err == nil {
			w.Close()
		}
		t.Fatal("no response after 5 s: opening the named pipe blocked")
	}
}
