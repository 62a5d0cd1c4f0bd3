package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"runtime/debug"

	"github.com/gin-gonic/gin"
)

// problem is the JSON body of an error response.
type problem struct {
	Error     string `json:"error"`
	Parameter string `json:"parameter,omitempty"` // the form parameter at fault
	Reason    string `json:"reason,omitempty"`    // the verifier's reason code
}

// contentTypeKey is the gin context key of the media type that negotiate
// chose for JSON responses.
const contentTypeKey = "signet.contentType"

// writeJSON writes body as JSON, with HTML characters left unescaped so
// that signed URLs keep their '&'. The Content-Type is the one negotiated
// for the route, else application/json.
func (s *Server) writeJSON(c *gin.Context, status int, body any) {
	data, err := encodeJSON(body)
	if err != nil {
		// Every body is a struct or a map of strings, so this is a bug.
		s.logger.Error("cannot encode JSON response", "error", err)
		status, data = http.StatusInternalServerError, []byte(`{"error":"internal server error"}`+"\n")
	}
	contentType := c.GetString(contentTypeKey)
	if contentType == "" {
		contentType = "application/json"
	}
	h := c.Writer.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	c.Data(status, contentType, data)
}

func encodeJSON(body any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(body)
	return buf.Bytes(), err
}

// fail records the problem for the request log, writes it and stops the
// handler chain.
//
// The message may quote what the client sent, so signing parameter values
// in it are redacted before it reaches the response or the log.
func (s *Server) fail(c *gin.Context, status int, p problem) {
	p.Error = redactText(p.Error)
	rec := recordOf(c.Request)
	rec.err = p.Error
	if p.Reason != "" {
		rec.reason = p.Reason
	}
	s.writeJSON(c, status, p)
	c.Abort()
}

func (s *Server) notFound(c *gin.Context) {
	s.fail(c, http.StatusNotFound, problem{Error: "not found"})
}

func (s *Server) methodNotAllowed(c *gin.Context) {
	allowed := c.Writer.Header().Get("Allow")
	s.fail(c, http.StatusMethodNotAllowed, problem{
		Error: "method " + c.Request.Method + " not allowed; use " + allowed,
	})
}

// recovery turns a panic in a handler into a logged error and a JSON 500
// without details. A panic with http.ErrAbortHandler is passed on, because
// net/http uses it to abort a response on purpose.
func (s *Server) recovery(c *gin.Context) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if err, ok := v.(error); ok && err == http.ErrAbortHandler {
			panic(v)
		}
		target, _ := redactTarget(c.Request.RequestURI)
		s.logger.Error("panic while handling a request", "panic", v,
			"method", c.Request.Method, "target", target, "stack", string(debug.Stack()))
		if c.Writer.Written() {
			c.Abort()
			return
		}
		s.fail(c, http.StatusInternalServerError, problem{Error: "internal server error"})
	}()
	c.Next()
}
