// Package httplog records what a handler sent, for the request log lines
// of signet serve and signet edge.
package httplog

import (
	"io"
	"net/http"
)

// Writer is an http.ResponseWriter that records the status and the body
// size of a response. One goroutine serves a response, so it needs no
// lock.
type Writer struct {
	http.ResponseWriter
	status int
	bytes  int64
}

// NewWriter returns a Writer that passes everything on to w.
func NewWriter(w http.ResponseWriter) *Writer {
	return &Writer{ResponseWriter: w}
}

// WriteHeader records the first final status and sends it.
func (w *Writer) WriteHeader(status int) {
	if w.status == 0 && status >= 200 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

// Write sends p and counts its bytes.
func (w *Writer) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

// ReadFrom copies r to the underlying writer, through its own ReadFrom
// when it has one, so that net/http can send files with sendfile.
func (w *Writer) ReadFrom(r io.Reader) (int64, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	var n int64
	var err error
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(r)
	} else {
		n, err = io.Copy(w.ResponseWriter, r)
	}
	w.bytes += n
	return n, err
}

// Status returns the status sent, or 200 when the handler wrote nothing.
func (w *Writer) Status() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// Bytes returns the number of body bytes sent.
func (w *Writer) Bytes() int64 { return w.bytes }

// Flush sends buffered data to the client, when the underlying writer
// supports it.
func (w *Writer) Flush() {
	// The controller finds a Flush below writers that only Unwrap.
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap returns the underlying writer, for http.ResponseController.
func (w *Writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }
