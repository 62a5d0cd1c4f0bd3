package server

import (
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// versionedTypes are the media types of Opencast's External API versions
// 1.0.0 to 1.11.0, which clients may request in the Accept header.
var versionedTypes = func() map[string]bool {
	types := make(map[string]bool)
	for minor := 0; minor <= 11; minor++ {
		types[fmt.Sprintf("application/v1.%d.0+json", minor)] = true
	}
	return types
}()

// negotiate chooses the JSON media type of the API response from the
// Accept header, or rejects the request with 406 when the header allows
// none.
func (s *Server) negotiate(c *gin.Context) {
	accept := strings.Join(c.Request.Header.Values("Accept"), ",")
	contentType, ok := negotiateJSON(accept)
	if !ok {
		s.fail(c, http.StatusNotAcceptable, problem{
			Error: "none of the media types in Accept is available; accept application/json or application/v1.11.0+json",
		})
		return
	}
	c.Set(contentTypeKey, contentType)
}

// negotiateJSON returns the media type with the highest quality in accept
// among Opencast's versioned types, application/json, application/* and
// */*, the last three meaning application/json. The first wins a tie. An
// empty accept means application/json.
func negotiateJSON(accept string) (string, bool) {
	if strings.TrimSpace(accept) == "" {
		return "application/json", true
	}
	best, bestQ := "", 0.0
	for _, mediaRange := range strings.Split(accept, ",") {
		mediaType, q, ok := parseMediaRange(mediaRange)
		if !ok || q <= bestQ {
			continue
		}
		switch {
		case versionedTypes[mediaType]:
			best, bestQ = mediaType, q
		case mediaType == "application/json" || mediaType == "application/*" || mediaType == "*/*":
			best, bestQ = "application/json", q
		}
	}
	return best, best != ""
}

// parseMediaRange returns the lowercased media type of one Accept element
// and its quality, 1 unless a q parameter sets it.
func parseMediaRange(mediaRange string) (string, float64, bool) {
	mediaType, params, err := mime.ParseMediaType(strings.TrimSpace(mediaRange))
	if err != nil {
		return "", 0, false
	}
	qText, ok := params["q"]
	if !ok {
		return mediaType, 1, true
	}
	q, err := strconv.ParseFloat(qText, 64)
	if err != nil || q < 0 || q > 1 {
		return "", 0, false
	}
	return mediaType, q, true
}
