package server

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/signet-media/signet/core"
	"github.com/signet-media/signet/internal/hls"
)

// playlistType is the media type of HLS playlists (RFC 8216, section 4).
const playlistType = "application/vnd.apple.mpegurl"

// reasonPlaylistTooLarge is the reason code of a playlist that exceeds
// limits.max-playlist-bytes.
const reasonPlaylistTooLarge = "playlist-too-large"

// isPlaylist reports whether the raw path of a media request names an HLS
// playlist, by its extension after percent-decoding.
func isPlaylist(rawPath string) bool {
	decoded, err := url.PathUnescape(rawPath)
	return err == nil && strings.HasSuffix(strings.ToLower(decoded), ".m3u8")
}

// verifyMedia verifies a media request. For a playlist granted by a
// prefix-scoped policy, it also returns the scope and true.
func (s *Server) verifyMedia(r *http.Request, target string, o *origin, now time.Time) (core.Result, core.Scope, bool) {
	if isPlaylist(rawPath(r)) {
		return s.verifier.VerifyScope(target, o.client, now)
	}
	return s.verifier.Verify(target, o.client, now), core.Scope{}, false
}

// servePlaylist serves a playlist that a prefix-scoped policy granted,
// with the request's signing parameters appended to every URI inside the
// scope, so that players without a request hook stay authorized. The
// rewritten playlist is built in memory, at most MaxPlaylistBytes, before
// any header is sent, so an error never leaves a truncated playlist.
func (s *Server) servePlaylist(c *gin.Context, res core.Result, scope core.Scope, target string, now time.Time) {
	name, ok := fileName(rawPath(c.Request), s.cfg.MediaPath)
	if !ok {
		s.notFound(c)
		return
	}
	base, err := url.Parse(target)
	query, found := hls.SigningQuery(rawQueryOf(target))
	if err != nil || !found {
		s.fail(c, http.StatusBadRequest, problem{Error: "the playlist URL cannot be parsed"})
		return
	}
	body, ok := s.rewritePlaylist(c, name, base, scope, query)
	if !ok {
		return
	}
	h := c.Writer.Header()
	h.Set("Cache-Control", mediaCacheControl(res.ValidUntil, now))
	h.Set("Content-Type", playlistType)
	h.Set("X-Content-Type-Options", "nosniff")
	s.serveContent(c, "", time.Time{}, bytes.NewReader(body), int64(len(body)))
}

// rewritePlaylist reads and rewrites the playlist file name. On failure
// it writes the error response and returns false.
func (s *Server) rewritePlaylist(c *gin.Context, name string, base *url.URL, scope core.Scope, query string) ([]byte, bool) {
	f, info, err := openRegular(s.media, name)
	if err != nil {
		s.serveFileError(c, name, err)
		return nil, false
	}
	defer f.Close()

	limit := s.cfg.MaxPlaylistBytes
	if info.Size() > int64(limit) {
		s.failPlaylistTooLarge(c, name)
		return nil, false
	}
	var out bytes.Buffer
	err = hls.Rewrite(f, &out, base, scope.Covers, query, limit)
	switch {
	case errors.Is(err, hls.ErrTooLarge):
		s.failPlaylistTooLarge(c, name)
		return nil, false
	case err != nil:
		s.logger.Error("cannot read playlist", "file", name, "error", err, "key_id", recordOf(c.Request).keyID)
		s.fail(c, http.StatusInternalServerError, problem{Error: "internal server error"})
		return nil, false
	}
	return out.Bytes(), true
}

// failPlaylistTooLarge rejects a playlist over MaxPlaylistBytes with 507
// Insufficient Storage: the server cannot hold the rewritten playlist in
// the memory it grants one, which is a limit of its configuration rather
// than a fault of the request.
func (s *Server) failPlaylistTooLarge(c *gin.Context, name string) {
	limit := s.cfg.MaxPlaylistBytes
	s.logger.Error("playlist exceeds limits.max-playlist-bytes", "file", name, "limit", limit,
		"key_id", recordOf(c.Request).keyID)
	c.Header(reasonHeader, reasonPlaylistTooLarge)
	s.fail(c, http.StatusInsufficientStorage, problem{
		Error:  "the playlist, rewritten, is longer than limits.max-playlist-bytes (" + strconv.Itoa(limit) + " bytes)",
		Reason: reasonPlaylistTooLarge,
	})
}

// rawQueryOf returns the raw query of a URL, without the fragment.
func rawQueryOf(rawURL string) string {
	_, query, _ := strings.Cut(rawURL, "?")
	query, _, _ = strings.Cut(query, "#")
	return query
}
