package server

import (
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/signet-media/signet/core"
)

// maxMediaAge bounds the max-age of a media response, in seconds.
const maxMediaAge = 86400

// reasonMessages are the error texts of rejected media requests.
var reasonMessages = map[core.Reason]string{
	core.ReasonUnsigned:           "the URL is not signed",
	core.ReasonMissingParameter:   "policy, keyId and signature must all be present and non-empty",
	core.ReasonDuplicateParameter: "policy, keyId or signature is given more than once",
	core.ReasonUnknownKey:         "the URL is signed with an unknown key",
	core.ReasonMalformedPolicy:    "the policy is malformed",
	core.ReasonInvalidSignature:   "the signature does not match the policy",
	core.ReasonIPMismatch:         "the URL is signed for another client address",
	core.ReasonResourceMismatch:   "the URL is signed for another resource",
	core.ReasonExpired:            "the signed URL has expired",
	core.ReasonNotYetValid:        "the signed URL is not valid yet",
	ReasonUntrustedProxy:          "forward authentication is answered only for the trusted proxies of proxy.trusted",
	ReasonMissingOriginalURI:      "the request names no original URL: send X-Original-URI or X-Forwarded-Uri",
	ReasonInvalidForwarded:        "the forwarding headers are invalid",
	ReasonHiddenPath:              "the URL path has a segment that starts with '.'; such files are not served",
	ReasonAmbiguousPath: "the URL path has an empty, '.' or '..' segment, also before a ';', " +
		"or an encoded slash; request the normalized path",
}

// handleMedia verifies the request URL and only then serves the file it
// names. Rejected requests get the verifier's status and reason code. An
// HLS playlist granted by a prefix-scoped policy is rewritten so that its
// URIs inside the scope carry the request's signing parameters.
// Behind trusted proxies, the URL and the client address are those that
// the proxy names in its forwarding headers.
func (s *Server) handleMedia(c *gin.Context) {
	r := c.Request
	now := s.now()
	o, err := s.proxies.resolve(r)
	if err != nil {
		s.failForwarded(c, err)
		return
	}
	recordOf(r).forwarded = o.forwardedClient()
	if ambiguousPath(rawPath(r)) {
		s.failAmbiguous(c)
		return
	}
	if s.skipVerify {
		s.serveMedia(c, core.Result{ValidUntil: now.Add(time.Hour)}, now)
		return
	}
	target := o.url(originForm(r.RequestURI))
	res, scope, scoped := s.verifyMedia(r, target, &o, now)
	s.metrics.observeVerification(res, now)
	rec := recordOf(r)
	rec.keyID, rec.reason = res.KeyID, string(res.Reason)
	switch {
	case !res.OK():
		s.failVerify(c, res)
	case scoped:
		s.servePlaylist(c, res, scope, target, now)
	default:
		s.serveMedia(c, res, now)
	}
}

// serveMedia serves the file that a verified request names.
func (s *Server) serveMedia(c *gin.Context, res core.Result, now time.Time) {
	name, ok := fileName(rawPath(c.Request), s.cfg.MediaPath)
	if !ok {
		s.notFound(c)
		return
	}
	s.serveFile(c, s.media, name, mediaCacheControl(res.ValidUntil, now))
}

// failForwarded rejects a request from a trusted proxy whose forwarding
// headers cannot be read.
func (s *Server) failForwarded(c *gin.Context, err error) {
	s.metrics.observeRejection(ReasonInvalidForwarded)
	c.Header(reasonHeader, string(ReasonInvalidForwarded))
	s.fail(c, http.StatusBadRequest, problem{Error: err.Error(), Reason: string(ReasonInvalidForwarded)})
}

// failAmbiguous rejects a request whose path could name different files
// for the verifier and for the file system (see ambiguousPath).
func (s *Server) failAmbiguous(c *gin.Context) {
	s.metrics.observeRejection(ReasonAmbiguousPath)
	recordOf(c.Request).reason = string(ReasonAmbiguousPath)
	c.Header(reasonHeader, string(ReasonAmbiguousPath))
	s.fail(c, http.StatusBadRequest, problem{Error: reasonMessages[ReasonAmbiguousPath], Reason: string(ReasonAmbiguousPath)})
}

func (s *Server) failVerify(c *gin.Context, res core.Result) {
	message, ok := reasonMessages[res.Reason]
	if !ok {
		message = "the URL is not accepted"
	}
	c.Header(reasonHeader, string(res.Reason))
	if res.Status == http.StatusUnauthorized {
		// RFC 9110 requires a challenge with every 401. No standard
		// scheme names signed URLs; browsers show no login dialog for an
		// unknown one.
		c.Header("WWW-Authenticate", signedURLChallenge)
	}
	s.fail(c, res.Status, problem{Error: message, Reason: string(res.Reason)})
}

// signedURLChallenge is the WWW-Authenticate challenge of an unsigned
// media request.
const signedURLChallenge = `SignedURL realm="signet", params="policy keyId signature"`

// originForm returns the path and query of a request target, which a
// client may send in absolute form (http://host/path?query).
func originForm(target string) string {
	if strings.HasPrefix(target, "/") {
		return target
	}
	_, rest, ok := strings.Cut(target, "://")
	if !ok {
		return target
	}
	i := strings.IndexAny(rest, "/?")
	switch {
	case i < 0:
		return "/"
	case rest[i] == '?':
		return "/" + rest[i:]
	}
	return rest[i:]
}

// rawPath returns the raw path of the request target, without the query.
func rawPath(r *http.Request) string {
	p, _, _ := strings.Cut(originForm(r.RequestURI), "?")
	return p
}

// clientAddr returns the address of the connection's peer, or the zero
// Addr, which matches no IP condition, when RemoteAddr is no IP address.
func clientAddr(r *http.Request) netip.Addr {
	addrPort, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	return addrPort.Addr().Unmap()
}

// fileName maps the raw path of a request under prefix to a name in the
// file system, "." for the prefix itself. It rejects an encoded slash or
// backslash, a NUL, a trailing slash after a name, and paths that clean
// to somewhere outside the prefix.
func fileName(raw, prefix string) (string, bool) {
	// Every caller has rejected these with ambiguousPath already. The
	// check stays so that no file name can come from an encoded separator.
	if containsFold(raw, "%2f") || containsFold(raw, "%5c") {
		return "", false
	}
	decoded, err := url.PathUnescape(raw)
	if err != nil || strings.ContainsAny(decoded, "\x00\\") {
		return "", false
	}
	cleaned := path.Clean("/" + decoded)
	if cleaned+"/" == prefix {
		return ".", true
	}
	if strings.HasSuffix(decoded, "/") {
		// Only a directory has a trailing slash, and the route serves
		// none: "/a.m3u8/" must not serve a.m3u8 without the playlist
		// rewriting that isPlaylist would have chosen.
		return "", false
	}
	name, ok := strings.CutPrefix(cleaned, prefix)
	if !ok || !fs.ValidPath(name) || hasHiddenSegment(name) {
		return "", false
	}
	return name, true
}

// hasHiddenSegment reports whether a path has a segment starting with
// '.', such as .git or .htpasswd: files that a media directory may hold
// but that a prefix-scoped signature must not open.
func hasHiddenSegment(name string) bool {
	return strings.HasPrefix(name, ".") && name != "." || strings.Contains(name, "/.")
}

// mediaCacheControl returns the Cache-Control of a verified media
// response: private, and never cached beyond the end of the URL's
// validity or maxMediaAge.
func mediaCacheControl(validUntil, now time.Time) string {
	seconds := int64(validUntil.Sub(now) / time.Second)
	if seconds <= 0 {
		return "no-store"
	}
	return "private, max-age=" + strconv.FormatInt(min(seconds, maxMediaAge), 10)
}

// serveFile serves a regular file with http.ServeContent, which handles
// Range and conditional requests. Directories and missing files get 404.
//
// TODO: in make loadtest the verified route serves 0.31x the requests of
// nginx secure_link (goal 0.7x) and 0.90x those of the unverified route
// (goal 0.9x, no margin). net/http serving the file alone reaches 0.5x,
// so the first goal needs nginx serving the files (docs/nginx.conf: 0.75x).
func (s *Server) serveFile(c *gin.Context, fsys fs.FS, name, cacheControl string) {
	f, info, err := openRegular(fsys, name)
	if err != nil {
		s.serveFileError(c, name, err)
		return
	}
	defer f.Close()
	content, ok := f.(io.ReadSeeker)
	if osFile, isOS := f.(*os.File); isOS {
		content = &sizedFile{File: osFile, size: info.Size()}
	}
	if !ok {
		s.logger.Error("file does not support seeking", "file", name)
		s.fail(c, http.StatusInternalServerError, problem{Error: "internal server error"})
		return
	}
	h := c.Writer.Header()
	h.Set("Cache-Control", cacheControl)
	h["X-Content-Type-Options"] = nosniff
	if isPlaylist(name) {
		h.Set("Content-Type", playlistType)
	}
	if !info.ModTime().IsZero() {
		h.Set("ETag", etag(info.ModTime(), info.Size()))
	}
	s.serveContent(c, path.Base(name), info.ModTime(), content, info.Size())
}

// nosniff is the value of X-Content-Type-Options, shared by every
// response: net/http only reads header values.
var nosniff = []string{"nosniff"}

// etag returns the entity tag of a file: its modification time in
// nanoseconds and its size, both in hex.
func etag(modTime time.Time, size int64) string {
	b := make([]byte, 0, 40)
	b = append(b, '"')
	b = strconv.AppendInt(b, modTime.UnixNano(), 16)
	b = append(b, '-')
	b = strconv.AppendInt(b, size, 16)
	return string(append(b, '"'))
}

// serveContent serves content of size bytes with http.ServeContent,
// through a fileWriter so that files go out with sendfile. The 412 and
// 416 that ServeContent writes as text or with no body are sent as JSON
// errors instead.
func (s *Server) serveContent(c *gin.Context, name string, modTime time.Time, content io.ReadSeeker, size int64) {
	if header := c.Request.Header["Range"]; len(header) == 1 {
		fixRange(c.Request.Header, header[0], size)
	}
	w := &fileWriter{ResponseWriter: c.Writer}
	http.ServeContent(w, c.Request, name, modTime, content)
	switch w.withheld {
	case http.StatusRequestedRangeNotSatisfiable:
		s.failRange(c, size)
	case http.StatusPreconditionFailed:
		s.fail(c, http.StatusPreconditionFailed, problem{
			Error: "the If-Match or If-Unmodified-Since condition does not hold: the file has changed; request it again without the condition",
		})
	}
}

// fixRange corrects two responses of http.ServeContent to a Range header
// (RFC 9110, section 14), and ignores a header with more than maxRanges
// ranges. A range unit other than bytes must be ignored,
// not rejected, so such a header is removed, and "Bytes" is a spelling of
// bytes. A suffix range of length zero, such as "-0", selects nothing, but
// ServeContent would send an empty 206 for it, so it is removed. When
// nothing else remains, the header becomes a range past the end, which
// ServeContent rejects with 416 after checking the preconditions.
func fixRange(h http.Header, header string, size int64) {
	unit, set, found := strings.Cut(header, "=")
	if !found || !strings.EqualFold(strings.TrimSpace(unit), "bytes") {
		delete(h, "Range")
		return
	}
	specs := strings.Split(set, ",")
	remaining := specs[:0]
	for _, spec := range specs {
		suffix, isSuffix := strings.CutPrefix(strings.TrimSpace(spec), "-")
		if isSuffix && suffix != "" && strings.Trim(suffix, "0") == "" {
			continue
		}
		remaining = append(remaining, spec)
	}
	switch {
	case len(remaining) == 0:
		h["Range"] = []string{"bytes=" + strconv.FormatInt(size, 10) + "-"}
	case len(remaining) > maxRanges:
		delete(h, "Range")
	default:
		h["Range"] = []string{"bytes=" + strings.Join(remaining, ",")}
	}
}

// maxRanges is the most ranges that a Range header may ask for. A header
// with more is ignored and the whole file sent, as RFC 9110 allows: each
// part of a multipart response carries headers of its own, so a thousand
// one-byte ranges would make a response many times the file's size.
// Players ask for one range at a time.
const maxRanges = 32

// failRange rejects a Range header that ServeContent found invalid or
// unsatisfiable. A server SHOULD send the length of the content as
// Content-Range: bytes */LENGTH with a 416 (RFC 9110, section 15.5.17).
// ServeContent sets it only for a range past the end, so failRange sets it
// for every 416.
func (s *Server) failRange(c *gin.Context, size int64) {
	length := strconv.FormatInt(size, 10)
	h := c.Writer.Header()
	h.Del("Content-Type") // text/plain, from http.Error
	h.Set("Content-Range", "bytes */"+length)
	s.fail(c, http.StatusRequestedRangeNotSatisfiable, problem{
		Error: "the Range header is invalid or requests only bytes past the end of the content, which is " +
			length + " bytes long",
	})
}

// serveFileError responds with 404 to a file that cannot be opened, and logs
// every error other than a missing file.
func (s *Server) serveFileError(c *gin.Context, name string, err error) {
	if !errors.Is(err, fs.ErrNotExist) {
		s.logger.Warn("cannot open file", "file", name, "error", err, "key_id", recordOf(c.Request).keyID)
	} else {
		s.checkMediaDir()
	}
	s.notFound(c)
}

// mediaDirCheckInterval is the least time between two checks of
// checkMediaDir, which bounds their cost and their log lines however
// many requests get 404.
const mediaDirCheckInterval = time.Minute

// checkMediaDir warns when the media directory that the server opened at
// its start is no longer the one at media.dir. It may have been removed,
// or replaced by another directory of the same name, as a deployment that
// renames a new directory into place does. The server keeps serving the
// directory it opened, so every file then gets 404 until a reload opens
// the new one. It runs after a missing file, at most once per
// mediaDirCheckInterval.
func (s *Server) checkMediaDir() {
	if s.cfg.MediaDir == "" || s.cfg.MediaFS != nil {
		return
	}
	now := time.Now().UnixNano()
	last := s.mediaDirChecked.Load()
	if now-last < int64(mediaDirCheckInterval) || !s.mediaDirChecked.CompareAndSwap(last, now) {
		return
	}
	current, err := os.Stat(s.cfg.MediaDir)
	if err != nil {
		s.logger.Warn("the media directory is gone; every media file gets 404 until it is restored "+
			"and the configuration reloaded (SIGHUP)", "media_dir", s.cfg.MediaDir, "error", err)
		return
	}
	opened, err := fs.Stat(s.media, ".")
	if err == nil && !os.SameFile(opened, current) {
		s.logger.Warn("media.dir names another directory than the one opened at start, which is still served; "+
			"reload the configuration (SIGHUP) to serve the new one", "media_dir", s.cfg.MediaDir)
	}
}
