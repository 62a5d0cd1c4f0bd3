package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/signet-media/signet/config"
	"github.com/signet-media/signet/core"
	"github.com/signet-media/signet/internal/hls"
)

// The helpers below let signet edge handle media requests as the media
// route does.

// MediaFileName maps the raw path of r under prefix to a name in a file
// system, rejecting encoded slashes, NULs and paths outside prefix.
func MediaFileName(r *http.Request, prefix string) (string, bool) {
	return fileName(rawPath(r), prefix)
}

// MediaCacheControl returns the Cache-Control of a verified response:
// private, and never cached beyond validUntil or one day.
func MediaCacheControl(validUntil, now time.Time) string { return mediaCacheControl(validUntil, now) }

// RootFS returns the file system of root for OpenMediaFile, which then
// opens files of root without blocking on named pipes and with fewer
// system calls than through root.FS().
func RootFS(root *os.Root) fs.FS { return newRootFS(root) }

// OpenMediaFile opens a regular file of fsys; directories and special
// files are reported as fs.ErrNotExist.
func OpenMediaFile(fsys fs.FS, name string) (fs.File, fs.FileInfo, error) {
	return openRegular(fsys, name)
}

// ReasonMessage returns the error text of a rejected media request.
func ReasonMessage(r core.Reason) string {
	if message, ok := reasonMessages[r]; ok {
		return message
	}
	return "the URL is not accepted"
}

// RedactTarget returns a request target for a log line, with the values of
// the policy and signature parameters replaced by REDACTED, and the first
// 8 hex digits of the SHA-256 of the signature.
func RedactTarget(target string) (redacted, sigHash string) { return redactTarget(target) }

// PlaylistType is the media type of HLS playlists (RFC 8216, section 4).
const PlaylistType = playlistType

// ReasonPlaylistTooLarge (507) rejects a playlist that, read or rewritten,
// is longer than limits.max-playlist-bytes.
const ReasonPlaylistTooLarge core.Reason = reasonPlaylistTooLarge

// ErrPlaylistURL means that the URL of a playlist request cannot be
// parsed or carries no signing parameters, so its playlist cannot be
// rewritten.
var ErrPlaylistURL = errors.New("server: the playlist URL cannot be parsed")

// IsPlaylist reports whether r names an HLS playlist, by the extension of
// its path after percent-decoding.
func IsPlaylist(r *http.Request) bool { return isPlaylist(rawPath(r)) }

// PlaylistTooLargeMessage returns the error text of a playlist longer
// than limit bytes.
func PlaylistTooLargeMessage(limit int) string {
	return "the playlist, rewritten, is longer than limits.max-playlist-bytes (" + strconv.Itoa(limit) + " bytes)"
}

// RewritePlaylist reads a playlist from src and returns it with the
// signing parameters of target, the verified request URL, appended to
// every URI that scope covers, as the media route rewrites playlists. It
// returns an error wrapping ErrPlaylistURL when target cannot be used,
// and hls.ErrTooLarge when the playlist, read or rewritten, is longer
// than limit bytes. It never returns part of a playlist.
func RewritePlaylist(src io.Reader, target string, scope core.Scope, limit int) ([]byte, error) {
	base, err := url.Parse(target)
	query, found := hls.SigningQuery(rawQueryOf(target))
	if err != nil || !found {
		return nil, ErrPlaylistURL
	}
	var out bytes.Buffer
	if err := hls.Rewrite(src, &out, base, scope.Covers, query, limit); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// ProxyPolicy decides, as the media route does, which peers are trusted
// proxies and reads their forwarding headers. The zero ProxyPolicy trusts
// no peer. It is immutable and safe for concurrent use.
type ProxyPolicy struct {
	policy *proxyPolicy
}

// NewProxyPolicy returns the policy of cfg's proxy.trusted and
// proxy.client-header.
func NewProxyPolicy(cfg *config.Config) ProxyPolicy {
	return ProxyPolicy{policy: newProxyPolicy(cfg)}
}

// MediaOrigin is the source of a media request, as far as the server can
// tell: the URL that the client requested and the client's address.
type MediaOrigin struct {
	URL       string     // the request URL as the client sent it, for core.Verifier.Verify
	Scheme    string     // "http" or "https"
	Host      string     // host[:port]
	Client    netip.Addr // the zero Addr when a trusted proxy does not know it
	Forwarded bool       // the peer is a trusted proxy, which named Client, Scheme and Host
	// ForwardedClient is the client that the trusted proxy's client
	// header named, as the request log shows it: empty when no header
	// named one, "unknown" when the proxy did not know it.
	ForwardedClient string
}

// Resolve returns the origin of r. From a trusted proxy, the client,
// scheme and host are those that its forwarding headers name. From any
// other peer, they are those of the connection and the Host header. The
// error reports malformed forwarding headers of a trusted proxy, which
// the media route rejects with 400 and ReasonInvalidForwarded. Its
// message quotes at most the start of a forwarding header, never the
// request URL, and may be sent to the client.
func (p ProxyPolicy) Resolve(r *http.Request) (MediaOrigin, error) {
	policy := p.policy
	if policy == nil {
		policy = &proxyPolicy{}
	}
	o, err := policy.resolve(r)
	if err != nil {
		return MediaOrigin{}, err
	}
	return MediaOrigin{
		URL:       o.url(originForm(r.RequestURI)),
		Scheme:    o.scheme,
		Host:      o.host,
		Client:    o.client,
		Forwarded: o.trusted,

		ForwardedClient: o.forwardedClient(),
	}, nil
}

// SignedURLChallenge is the WWW-Authenticate challenge that the media
// route sends with the 401 of an unsigned request.
const SignedURLChallenge = signedURLChallenge

// FileServer serves the files of a directory, and playlists rewritten in
// memory, with the code of the media route. It sends the same headers and
// ETag, handles Range and conditional requests alike, sends JSON errors
// for 404, 412 and 416, and sends files with sendfile. signet edge serves
// --root through it, so that the two servers cannot drift apart. A
// FileServer is safe for concurrent use.
//
// It passes each request to a gin engine of its own, because the media
// route's code writes to a gin.Context, which only an engine makes.
type FileServer struct {
	// s has only a logger and the file system, because serveFile and
	// serveContent use nothing else of a Server.
	s      *Server
	engine *gin.Engine
}

// fileJob is the content of one FileServer request: a file name, or a
// playlist body when playlist is set.
type fileJob struct {
	name         string
	playlist     bool
	body         []byte
	cacheControl string
}

type fileJobKey struct{}

// NewFileServer returns a FileServer of fsys, which logs the errors of
// opening files to logger, or to slog.Default() when logger is nil. Like
// New, it sets gin's global mode to release mode.
func NewFileServer(fsys fs.FS, logger *slog.Logger) *FileServer {
	if logger == nil {
		logger = slog.Default()
	}
	gin.SetMode(gin.ReleaseMode)
	fsrv := &FileServer{s: &Server{logger: logger, media: fsys}, engine: gin.New()}
	fsrv.engine.RedirectTrailingSlash = false
	fsrv.engine.RedirectFixedPath = false
	fsrv.engine.GET("/*path", fsrv.handle)
	fsrv.engine.HEAD("/*path", fsrv.handle)
	// A URL path without a leading slash matches no route. handle writes
	// a status for every request, so it replaces the 404 that gin would
	// send for such a path.
	fsrv.engine.NoRoute(fsrv.handle)
	return fsrv
}

// ServeFile serves the regular file name of the file system, a name that
// MediaFileName returned, as the media route serves a verified request.
// It responds with 404 when the file is missing or not a regular file,
// and logs any other error of opening it with keyID. The URL of r plays
// no part.
//
// It returns the error message of an error response for the request log,
// or "" when it served the file or a 304.
func (fsrv *FileServer) ServeFile(w http.ResponseWriter, r *http.Request, name, cacheControl, keyID string) string {
	return fsrv.serve(w, r, &fileJob{name: name, cacheControl: cacheControl}, keyID)
}

// ServePlaylist serves body, a playlist that RewritePlaylist returned, as
// the media route serves a rewritten playlist: Range requests select
// bytes of body, and there is neither ETag nor Last-Modified. It returns
// the error message of an error response, or "".
func (fsrv *FileServer) ServePlaylist(w http.ResponseWriter, r *http.Request, body []byte, cacheControl string) string {
	return fsrv.serve(w, r, &fileJob{playlist: true, body: body, cacheControl: cacheControl}, "")
}

func (fsrv *FileServer) serve(w http.ResponseWriter, r *http.Request, job *fileJob, keyID string) string {
	rec := &record{keyID: keyID}
	ctx := context.WithValue(r.Context(), recordKey{}, rec)
	ctx = context.WithValue(ctx, fileJobKey{}, job)
	fsrv.engine.ServeHTTP(w, r.WithContext(ctx))
	return rec.err
}

func (fsrv *FileServer) handle(c *gin.Context) {
	job := c.Request.Context().Value(fileJobKey{}).(*fileJob)
	if !job.playlist {
		fsrv.s.serveFile(c, fsrv.s.media, job.name, job.cacheControl)
		return
	}
	h := c.Writer.Header()
	h.Set("Cache-Control", job.cacheControl)
	h.Set("Content-Type", playlistType)
	h["X-Content-Type-Options"] = nosniff
	fsrv.s.serveContent(c, "", time.Time{}, bytes.NewReader(job.body), int64(len(job.body)))
}

// AmbiguousRequestPath reports whether the raw path of r has an empty, "."
// or ".." segment or an encoded slash or backslash, which signet edge
// rejects with ReasonAmbiguousPath as the media route does.
func AmbiguousRequestPath(r *http.Request) bool { return ambiguousPath(rawPath(r)) }

// CheckServablePath returns an error naming the parameter name when the
// path of rawURL, a URL or resource pattern to sign, is one that the media
// route, forward authentication and signet edge reject with
// ReasonAmbiguousPath.
func CheckServablePath(name, rawURL string) error { return checkServablePath(name, rawURL) }

// MaxHostBytes bounds the Host header, which signet serve and signet edge
// reject with 400 and HostTooLongMessage when it is longer.
const MaxHostBytes = maxHostBytes

// HostTooLongMessage returns the error text of a Host header of length
// bytes, more than MaxHostBytes.
func HostTooLongMessage(length int) string { return hostTooLongMessage(length) }

// HiddenRequestPath reports whether the path of r has a segment that
// starts with '.', such as .git or .htpasswd, which the media route does
// not serve and forward authentication refuses with ReasonHiddenPath.
func HiddenRequestPath(r *http.Request) bool { return hiddenPath(rawPath(r)) }

// OriginForm returns the path and query of a request target, which a
// client may send in absolute form (http://host/path?query), as the
// request log of the media route shows it.
func OriginForm(target string) string { return originForm(target) }

// TargetTooLongMessage returns the error text of a request target of
// length bytes, more than limits.max-url-bytes, for the configuration of
// program.
func TargetTooLongMessage(length, limit int, program string) string {
	return targetTooLongMessage(length, limit, program)
}

// ValidRequestTarget reports whether a request target is in origin form or
// in http or https absolute form, the forms that the media route and
// signet edge accept.
func ValidRequestTarget(target string) bool { return validTargetForm(target) }
