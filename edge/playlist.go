package edge

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/signet-media/signet/core"
	"github.com/signet-media/signet/internal/hls"
	"github.com/signet-media/signet/server"
)

// playlist is the scope and signing parameters that a playlist granted
// by a prefix-scoped policy is rewritten with.
type playlist struct {
	scope  core.Scope
	target string // the verified request URL, whose signing parameters are appended
	limit  int    // Settings.MaxPlaylistBytes
}

// playlistScope verifies a playlist request that the module granted again
// with the native verifier, which alone returns the scope of a
// prefix-scoped policy. It returns nil when the playlist passes
// unchanged, and the native rejection when the two verifiers disagree.
func (g *Gateway) playlistScope(s *Settings, r *http.Request, origin *server.MediaOrigin, now time.Time) (*playlist, *core.Result) {
	if s.Verifier == nil || !server.IsPlaylist(r) {
		return nil, nil
	}
	res, scope, scoped := s.Verifier.VerifyScope(origin.URL, origin.Client, now)
	if !res.OK() {
		// Both verifiers hold the same keys, so this happens only when
		// the module was built from another version of the core.
		g.logger.Error("the native verifier rejects a playlist request that the module granted",
			"reason", res.Reason, "key_id", res.KeyID)
		return nil, &res
	}
	if !scoped {
		return nil, nil
	}
	return &playlist{scope: scope, target: origin.URL, limit: s.MaxPlaylistBytes}, nil
}

// servePlaylistFile serves a playlist of the directory, rewritten in
// memory before any header is sent, so an error never leaves a truncated
// playlist. The rewritten playlist is served with the media route's code.
func (g *Gateway) servePlaylistFile(w http.ResponseWriter, r *http.Request, req *request) {
	f, info, name, ok := g.openFile(w, r, req.rec)
	if !ok {
		return
	}
	defer f.Close()

	pl := req.playlist
	if info.Size() > int64(pl.limit) {
		req.rec.failed(g.writePlaylistTooLarge(w, name, req))
		return
	}
	body, err := server.RewritePlaylist(f, pl.target, pl.scope, pl.limit)
	if err != nil {
		written, ok := g.writePlaylistError(w, name, req, err)
		if !ok {
			g.logger.Error("cannot read playlist", "file", name, "error", err, "key_id", req.rec.keyID)
			written = writeProblem(w, http.StatusInternalServerError, "internal server error", "")
		}
		req.rec.failed(written)
		return
	}
	if message := g.fileSrv.ServePlaylist(w, r, body, req.cacheControl); message != "" {
		req.rec.failed(record{err: message})
	}
}

// writePlaylistError writes the error response for the errors of
// server.RewritePlaylist that concern the playlist or its URL, and
// returns false for any other.
func (g *Gateway) writePlaylistError(w http.ResponseWriter, name string, req *request, err error) (record, bool) {
	switch {
	case errors.Is(err, hls.ErrTooLarge):
		return g.writePlaylistTooLarge(w, name, req), true
	case errors.Is(err, server.ErrPlaylistURL):
		return writeProblem(w, http.StatusBadRequest, err.Error(), ""), true
	}
	return record{}, false
}

// writePlaylistTooLarge rejects a playlist over MaxPlaylistBytes with 507
// Insufficient Storage, as the media route does.
func (g *Gateway) writePlaylistTooLarge(w http.ResponseWriter, name string, req *request) record {
	limit := req.playlist.limit
	g.logger.Error("playlist exceeds limits.max-playlist-bytes", "file", name, "limit", limit, "key_id", req.rec.keyID)
	return writeRejection(w, http.StatusInsufficientStorage, server.PlaylistTooLargeMessage(limit), server.ReasonPlaylistTooLarge)
}

// requestWholePlaylist requests the whole playlist from the origin
// without content coding, because a range, a 304 or a compressed body
// cannot be rewritten. A HEAD becomes a GET, so that its Content-Length is that of
// the rewritten playlist.
func requestWholePlaylist(out *http.Request) {
	out.Method = http.MethodGet
	for _, name := range []string{
		"Range", "If-Range", "If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since",
		"Accept-Encoding",
	} {
		out.Header.Del(name)
	}
}

// rewriteResponse replaces the body of the origin's playlist with the
// rewritten playlist, read and rewritten in memory, so that an error
// leaves the response unsent. The origin's length and validators no
// longer apply and are dropped.
func rewriteResponse(resp *http.Response, pl *playlist) error {
	original := resp.Body
	defer original.Close()
	encoding := resp.Header.Get("Content-Encoding")
	if encoding != "" && !strings.EqualFold(encoding, "identity") {
		return fmt.Errorf("edge: the origin sent a playlist with Content-Encoding %q, which cannot be rewritten", encoding)
	}
	if resp.ContentLength > int64(pl.limit) {
		return hls.ErrTooLarge
	}
	body, err := server.RewritePlaylist(original, pl.target, pl.scope, pl.limit)
	if err != nil {
		return err
	}

	h := resp.Header
	for _, name := range []string{"Content-Encoding", "Content-Range", "Accept-Ranges", "ETag", "Last-Modified"} {
		h.Del(name)
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Content-Type", server.PlaylistType)
	h.Set("X-Content-Type-Options", "nosniff")
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return nil
}
