// Package edge is the HTTP gateway of signet edge: it verifies every
// request with the WebAssembly module and then proxies it to an origin or
// serves it from a directory. Statuses, the X-Signet-Reason header, JSON
// error bodies, Cache-Control, trusted proxies, the rewriting of HLS
// playlists and log redaction are those of signet serve's media route.
// Files of the directory, and playlists rewritten from them, are served
// by server.FileServer, which runs the media route's own code for
// headers, ETag, Range and conditional requests.
package edge

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/signet-media/signet/config"
	"github.com/signet-media/signet/core"
	"github.com/signet-media/signet/internal/httplog"
	"github.com/signet-media/signet/server"
	"github.com/signet-media/signet/wasm"
)

// Gateway verifies requests and passes the accepted ones to a backend. It
// is safe for concurrent use.
type Gateway struct {
	current atomic.Pointer[generation]
	logger  *slog.Logger
	now     func() time.Time
	proxy   *httputil.ReverseProxy // nil when serving files
	files   fs.FS                  // nil when proxying
	fileSrv *server.FileServer     // serves files as the media route does; nil when proxying
}

// Settings is the part of a Gateway's configuration that a reload of the
// configuration file replaces.
type Settings struct {
	// Pool verifies every request in the WebAssembly module. The
	// Gateway closes it after a reload, once no request calls it.
	Pool *wasm.Pool

	// Verifier holds the same keys natively. It verifies a playlist
	// request again after Pool granted it, because only the native
	// verifier returns the scope of a prefix-scoped policy, which the
	// playlist is rewritten for. When nil, playlists pass unchanged.
	Verifier *core.Verifier

	// Proxies are the trusted proxies whose forwarding headers name the
	// scheme, host and client address of a request. The zero value
	// trusts no peer.
	Proxies server.ProxyPolicy

	// MaxPlaylistBytes bounds a playlist that is rewritten, both as read
	// and as rewritten; longer ones get 507. Default
	// config.DefaultMaxPlaylistBytes.
	MaxPlaylistBytes int

	// MaxURLBytes bounds the request target, the setting
	// limits.max-url-bytes; longer ones get 414. Default
	// config.DefaultMaxURLBytes, as in signet serve.
	MaxURLBytes int
}

// generation is the Settings of one configuration, with a count of the
// requests that may still call its pool. Reload retires it, and the last
// release closes the pool, so that a request that read the settings
// before a reload never finds their pool closed.
type generation struct {
	Settings
	inUse atomic.Int64 // 1 until retired, plus 1 for each request between acquire and release
}

// acquire counts a request on g. It returns false when g has been
// retired and its last request has released it, because its pool is then
// closed or being closed.
func (g *generation) acquire() bool {
	for {
		n := g.inUse.Load()
		if n == 0 {
			return false
		}
		if g.inUse.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// release ends a request that acquire counted, or retires g when Reload
// calls it. The last one closes the pool.
func (g *generation) release() {
	if g.inUse.Add(-1) == 0 {
		g.Pool.Close(context.Background())
	}
}

// Config configures a Gateway. Exactly one of Origin and Files is set.
type Config struct {
	Settings
	Origin *url.URL // requests go here, path and query unchanged
	Files  fs.FS    // or are served from here, the URL path being the name
	Logger *slog.Logger
	Now    func() time.Time // default time.Now
}

// New returns a Gateway.
func New(cfg Config) (*Gateway, error) {
	if (cfg.Origin == nil) == (cfg.Files == nil) {
		return nil, errors.New("edge: set either an origin or a directory, not both or neither")
	}
	g := &Gateway{logger: cfg.Logger, now: cfg.Now, files: cfg.Files}
	if g.logger == nil {
		g.logger = slog.Default()
	}
	if g.now == nil {
		g.now = time.Now
	}
	if cfg.Origin != nil {
		g.proxy = g.newProxy(cfg.Origin)
	} else {
		g.fileSrv = server.NewFileServer(cfg.Files, g.logger)
	}
	g.Reload(cfg.Settings)
	return g, nil
}

// Reload replaces the settings, as after a reload of the configuration.
// Requests that arrive afterwards use the new settings. The gateway
// closes the pool of the old settings once the requests that read them
// have made their call of it, so every Settings needs a pool of its own.
func (g *Gateway) Reload(s Settings) {
	if s.MaxPlaylistBytes <= 0 {
		s.MaxPlaylistBytes = config.DefaultMaxPlaylistBytes
	}
	if s.MaxURLBytes <= 0 {
		s.MaxURLBytes = config.DefaultMaxURLBytes
	}
	next := &generation{Settings: s}
	next.inUse.Store(1)
	if old := g.current.Swap(next); old != nil {
		old.release()
	}
}

// acquire returns the current settings, counted for a request until it
// calls release.
func (g *Gateway) acquire() *generation {
	for {
		// A generation that Reload retired after the Load, and whose
		// last request has ended since, has a successor that is current.
		if s := g.current.Load(); s.acquire() {
			return s
		}
	}
}

// ServeHTTP verifies the request and passes it on, or rejects it with the
// verifier's status.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := httplog.NewWriter(w)
	rec := g.serve(sw, r)
	g.logRequest(r, sw, rec, time.Since(start))
}

// record is the outcome of a request for its log line: reason code, key id
// and error text.
type record struct {
	reason, keyID, err string
	forwarded          string // the client address named by a trusted proxy
}

// failed records the error response that the backend wrote for a
// verified request. It keeps the key id, the forwarded client and, unless
// the response names its own, the verification's reason code, as the log
// line of signet serve's media route does.
func (rec *record) failed(written record) {
	if written.reason != "" {
		rec.reason = written.reason
	}
	rec.err = written.err
}

// allowedMethods is the Allow header of a 405, and the end of its message,
// as signet serve's media route sends them.
const allowedMethods = "GET, HEAD"

// urlTooLongMessage returns the error text of a request URL of length
// bytes, the scheme and host included, that the module rejects as too
// long, though the target alone fits limits.max-url-bytes.
func urlTooLongMessage(length int) string {
	return "request URL of " + strconv.Itoa(length) + " bytes, scheme and host included, is longer than the " +
		"WebAssembly module accepts; request a shorter URL"
}

func (g *Gateway) serve(w http.ResponseWriter, r *http.Request) record {
	s := g.acquire()
	v, rec, ok := g.verify(w, r, &s.Settings)
	// Release now, not at the end of the request. The pool is the only
	// part of the settings that a reload closes, and the request makes
	// no more calls of it. A long download would otherwise keep the
	// instances of a replaced pool alive.
	s.release()
	if !ok {
		return rec
	}
	rec = record{reason: string(v.res.Reason), keyID: v.res.KeyID, forwarded: v.origin.ForwardedClient}

	pl, rejected := g.playlistScope(&s.Settings, r, &v.origin, v.now)
	if rejected != nil {
		return writeVerifyRejection(w, *rejected)
	}
	return g.pass(w, r, &request{
		cacheControl: server.MediaCacheControl(v.res.ValidUntil, v.now),
		origin:       v.origin,
		playlist:     pl,
		rec:          &rec,
	})
}

// verified is a request that the module granted.
type verified struct {
	res    core.Result
	origin server.MediaOrigin
	now    time.Time
}

// verify checks the request and verifies it on the pool of s. When it
// does not grant the request, it writes the response and returns its
// record and false.
func (g *Gateway) verify(w http.ResponseWriter, r *http.Request, s *Settings) (verified, record, bool) {
	// signet serve checks the length of the target before the method.
	switch {
	case len(r.RequestURI) > s.MaxURLBytes:
		message := server.TargetTooLongMessage(len(r.RequestURI), s.MaxURLBytes, "signet edge")
		return verified{}, writeProblem(w, http.StatusRequestURITooLong, message, ""), false
	case !server.ValidRequestTarget(r.RequestURI):
		// The proxy forwards r.URL.Path, so the verifier must read the
		// same path: see server.ValidRequestTarget.
		return verified{}, writeProblem(w, http.StatusBadRequest,
			"invalid request target: send a path such as /media/a.mp4, or an http or https URL", ""), false
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		w.Header().Set("Allow", allowedMethods)
		message := "method " + r.Method + " not allowed; use " + allowedMethods
		return verified{}, writeProblem(w, http.StatusMethodNotAllowed, message, ""), false
	case len(r.Host) > server.MaxHostBytes:
		return verified{}, writeProblem(w, http.StatusBadRequest, server.HostTooLongMessage(len(r.Host)), ""), false
	}
	origin, err := s.Proxies.Resolve(r)
	if err != nil {
		return verified{}, writeRejection(w, http.StatusBadRequest, err.Error(), server.ReasonInvalidForwarded), false
	}
	if server.AmbiguousRequestPath(r) {
		return verified{}, writeRejection(w, http.StatusBadRequest, server.ReasonMessage(server.ReasonAmbiguousPath),
			server.ReasonAmbiguousPath), false
	}

	now := g.now()
	res, err := s.Pool.Verify(r.Context(), origin.URL, origin.Client, now)
	switch {
	case errors.Is(err, wasm.ErrURLTooLong):
		// The URL is at fault, not the module. A target within
		// limits.max-url-bytes may still be too long once the scheme
		// and host are added.
		return verified{}, writeProblem(w, http.StatusRequestURITooLong, urlTooLongMessage(len(origin.URL)), ""), false
	case err != nil && r.Context().Err() != nil:
		// The client went away while the request waited for an
		// instance or ran: no one reads the response, and nothing failed.
		return verified{}, writeProblem(w, http.StatusServiceUnavailable, "the request was cancelled", ""), false
	case err != nil:
		// The module trapped or timed out: the request is not granted,
		// and a retry may find a fresh instance.
		g.logger.Error("WebAssembly verification failed", "error", err)
		w.Header().Set("Retry-After", "1")
		return verified{}, writeProblem(w, http.StatusServiceUnavailable, "verification failed; try again", ""), false
	case !res.OK():
		return verified{}, writeVerifyRejection(w, res), false
	case server.HiddenRequestPath(r):
		// As /auth: an origin, unlike signet's own file serving, might
		// serve .git or .htpasswd under a prefix that a signature covers.
		rec := writeRejection(w, http.StatusNotFound, server.ReasonMessage(server.ReasonHiddenPath), server.ReasonHiddenPath)
		rec.keyID = res.KeyID
		return verified{}, rec, false
	}
	return verified{res: res, origin: origin, now: now}, record{}, true
}

// request carries the verification results that the backend uses.
type request struct {
	cacheControl string
	origin       server.MediaOrigin
	playlist     *playlist // the scope to rewrite a playlist for, or nil
	rec          *record   // updated by the backend when it fails
}

// pass passes a verified request to the origin or the directory.
func (g *Gateway) pass(w http.ResponseWriter, r *http.Request, req *request) record {
	switch {
	case g.proxy != nil:
		ctx := context.WithValue(r.Context(), requestKey{}, req)
		g.proxy.ServeHTTP(w, r.WithContext(ctx))
	case req.playlist != nil:
		g.servePlaylistFile(w, r, req)
	default:
		g.serveFile(w, r, req)
	}
	return *req.rec
}

// serveFile serves the file that r names with the media route's code.
func (g *Gateway) serveFile(w http.ResponseWriter, r *http.Request, req *request) {
	name, ok := server.MediaFileName(r, "/")
	if !ok || name == "." {
		req.rec.failed(writeProblem(w, http.StatusNotFound, "not found", ""))
		return
	}
	if message := g.fileSrv.ServeFile(w, r, name, req.cacheControl, req.rec.keyID); message != "" {
		req.rec.failed(record{err: message})
	}
}

// openFile opens the regular file that r names. When it cannot, it
// writes 404, sets rec and returns false.
func (g *Gateway) openFile(w http.ResponseWriter, r *http.Request, rec *record) (fs.File, fs.FileInfo, string, bool) {
	name, ok := server.MediaFileName(r, "/")
	if !ok || name == "." {
		rec.failed(writeProblem(w, http.StatusNotFound, "not found", ""))
		return nil, nil, "", false
	}
	f, info, err := server.OpenMediaFile(g.files, name)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			g.logger.Warn("cannot open file", "file", name, "error", err, "key_id", rec.keyID)
		}
		rec.failed(writeProblem(w, http.StatusNotFound, "not found", ""))
		return nil, nil, "", false
	}
	return f, info, name, true
}

// problem is the JSON body of an error response, as signet serve writes it.
type problem struct {
	Error  string `json:"error"`
	Reason string `json:"reason,omitempty"`
}

// writeProblem writes a JSON error that no cache may store.
func writeProblem(w http.ResponseWriter, status int, message, reason string) record {
	body, _ := json.Marshal(problem{Error: message, Reason: reason})
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
	return record{reason: reason, err: message}
}

// writeRejection writes a JSON error with a reason code, which it also
// sends in X-Signet-Reason.
func writeRejection(w http.ResponseWriter, status int, message string, reason core.Reason) record {
	w.Header().Set("X-Signet-Reason", string(reason))
	return writeProblem(w, status, message, string(reason))
}

// writeVerifyRejection writes the verifier's rejection of a request.
func writeVerifyRejection(w http.ResponseWriter, res core.Result) record {
	if res.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", server.SignedURLChallenge)
	}
	rec := writeRejection(w, res.Status, server.ReasonMessage(res.Reason), res.Reason)
	rec.keyID = res.KeyID
	return rec
}

// logRequest logs the request line as signet serve logs it: the target in
// origin form, with the signing parameters redacted.
func (g *Gateway) logRequest(r *http.Request, sw *httplog.Writer, rec record, elapsed time.Duration) {
	target, sigHash := server.RedactTarget(server.OriginForm(r.RequestURI))
	attrs := []slog.Attr{
		slog.String("method", r.Method),
		slog.String("target", target),
		slog.Int("status", sw.Status()),
		slog.Int64("bytes", sw.Bytes()),
		slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
		slog.String("client", r.RemoteAddr),
	}
	fields := [][2]string{
		{"forwarded_client", rec.forwarded}, {"reason", rec.reason}, {"key_id", rec.keyID},
		{"signature_sha256", sigHash}, {"error", rec.err},
	}
	for _, a := range fields {
		if a[1] != "" {
			attrs = append(attrs, slog.String(a[0], a[1]))
		}
	}
	level := slog.LevelInfo
	if sw.Status() >= 500 {
		level = slog.LevelError
	}
	httplog.Log(r.Context(), g.logger, level, attrs...)
}
