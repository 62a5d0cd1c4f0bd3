package server

import (
	"io"
	"net/http"

	"github.com/gin-gonic/gin"
)

// fileWriter adds io.ReaderFrom to gin's response writer, which lacks it.
// http.ServeContent copies a file with io.Copy. Without ReadFrom on the
// writer, every response allocates a 32 KiB buffer and copies the file
// through it. With ReadFrom, net/http sends an *os.File with sendfile.
type fileWriter struct {
	gin.ResponseWriter
}

// ReadFrom sends the pending header, then copies r to the connection
// through the writer that gin wraps.
func (w fileWriter) ReadFrom(r io.Reader) (int64, error) {
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
