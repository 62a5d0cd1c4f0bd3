package server

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
)

// limitRequest rejects a request target longer than MaxURLBytes with 414
// and a Host header longer than maxHostBytes with 400, and bounds the body
// that handlers read to MaxBodyBytes.
func (s *Server) limitRequest(c *gin.Context) {
	if length := recordOf(c.Request).tooLongURI; length > 0 {
		s.fail(c, http.StatusRequestURITooLong, problem{
			Error: targetTooLongMessage(length, s.cfg.MaxURLBytes, "signet serve"),
		})
		return
	}
	if recordOf(c.Request).invalidTarget {
		s.fail(c, http.StatusBadRequest, problem{
			Error: "invalid request target: send a path such as /media/a.mp4, or an http or https URL",
		})
		return
	}
	if len(c.Request.Host) > maxHostBytes {
		s.fail(c, http.StatusBadRequest, problem{Error: hostTooLongMessage(len(c.Request.Host))})
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.cfg.MaxBodyBytes)
}

// hostTooLongMessage returns the error text of a Host header of length
// bytes, more than maxHostBytes.
func hostTooLongMessage(length int) string {
	return "Host header of " + strconv.Itoa(length) + " bytes is longer than " + strconv.Itoa(maxHostBytes) +
		" bytes; send a host name or address, with an optional port, of at most " + strconv.Itoa(maxHostBytes) + " bytes"
}

// limitBody rejects a body declared larger than MaxBodyBytes with 413
// before the handler reads it. It runs in the routes that read a body,
// after routeName, so that the metrics count the request for its route.
func (s *Server) limitBody(c *gin.Context) {
	if c.Request.ContentLength > s.cfg.MaxBodyBytes {
		s.failBodyTooLarge(c)
	}
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

// targetTooLongMessage returns the error text of a request target of
// length bytes, more than limit, for the configuration of program.
func targetTooLongMessage(length, limit int, program string) string {
	return "request target of " + strconv.Itoa(length) + " bytes is longer than limits.max-url-bytes (" +
		strconv.Itoa(limit) + " bytes); request a shorter URL, or raise limits.max-url-bytes in the configuration of " +
		program
}
