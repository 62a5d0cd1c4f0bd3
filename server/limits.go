package server

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"
)

// limitRequest rejects a request target longer than MaxURLBytes with 414
// and a body declared larger than MaxBodyBytes with 413, and bounds the
// body that handlers read to MaxBodyBytes.
func (s *Server) limitRequest(c *gin.Context) {
	if recordOf(c.Request).uriTooLong {
		s.fail(c, http.StatusRequestURITooLong, problem{
			Error: fmt.Sprintf("request target longer than %d bytes", s.cfg.MaxURLBytes),
		})
		return
	}
	if c.Request.ContentLength > s.cfg.MaxBodyBytes {
		s.failBodyTooLarge(c)
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.cfg.MaxBodyBytes)
}

func (s *Server) failBodyTooLarge(c *gin.Context) {
	s.fail(c, http.StatusRequestEntityTooLarge, problem{
		Error: fmt.Sprintf("request body larger than %d bytes", s.cfg.MaxBodyBytes),
	})
}

// isBodyTooLarge reports whether err comes from reading past the limit
// that limitRequest set.
func isBodyTooLarge(err error) bool {
	var tooLarge *http.MaxBytesError
	return errors.As(err, &tooLarge)
}
