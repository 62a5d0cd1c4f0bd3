package server

import (
	"io"
	"net/http"

	"github.com/gin-gonic/gin"
)

// fileWriter is the writer that serveContent passes to http.ServeContent.
//
// It adds io.ReaderFrom to gin's response writer, which lacks it.
// http.ServeContent copies a file with io.Copy. Without ReadFrom on the
// writer, every response allocates a 32 KiB buffer and copies the file
// through it. With ReadFrom, net/http sends an *os.File with sendfile.
//
// It also holds back a 412 or 416 and its body, which serveContent
// replaces with a JSON error.
type fileWriter struct {
	gin.ResponseWriter
	withheld int // a 412 or 416 from ServeContent, not yet sent; 0 for none
}

// WriteHeader passes every status on, except 412 and 416, which it
// records.
func (w *fileWriter) WriteHeader(code int) {
	if code == http.StatusPreconditionFailed || code == http.StatusRequestedRangeNotSatisfiable {
		w.withheld = code
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write discards the body of a withheld status and passes any other body on.
func (w *fileWriter) Write(p []byte) (int, error) {
	if w.withheld != 0 {
		return len(p), nil
	}
	return w.ResponseWriter.Write(p)
}

// WriteString discards the body of a withheld status, as Write does.
func (w *fileWriter) WriteString(s string) (int, error) {
	if w.withheld != 0 {
		return len(s), nil
	}
	return w.ResponseWriter.WriteString(s)
}

// ReadFrom sends the pending header, then copies r to the connection
// through the writer that gin wraps. A sizedFile under the io.LimitedReader
// of io.CopyN is replaced by its *os.File, which net/http sends with
// sendfile.
func (w *fileWriter) ReadFrom(r io.Reader) (int64, error) {
	if lr, ok := r.(*io.LimitedReader); ok {
		if f, ok := lr.R.(*sizedFile); ok {
			if err := f.sync(); err != nil {
				return 0, err
			}
			n, err := w.readFrom(&io.LimitedReader{R: f.File, N: lr.N})
			lr.N -= n
			f.pos += n
			f.offset = f.pos
			return n, err
		}
	}
	return w.readFrom(r)
}

func (w *fileWriter) readFrom(r io.Reader) (int64, error) {
	w.WriteHeaderNow()
	var dst io.Writer = w.ResponseWriter
	if u, ok := w.ResponseWriter.(interface{ Unwrap() http.ResponseWriter }); ok {
		dst = u.Unwrap()
	}
	if rf, ok := dst.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(dst, r)
}
