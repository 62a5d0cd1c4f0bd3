// Package edge is the HTTP gateway of signet edge: it verifies every
// request with the WebAssembly module and then proxies it to an origin or
// serves it from a directory. Statuses, the X-Signet-Reason header, JSON
// error bodies, Cache-Control and log redaction are those of signet
// serve's media route.
package edge

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path"
	"sync/atomic"
	"time"

	"github.com/signet-media/signet/server"
	"github.com/signet-media/signet/wasm"
)

// maxTargetBytes bounds the request target; longer ones get 414.
const maxTargetBytes = 8 << 10

// Gateway verifies requests and passes the accepted ones to a backend. It
// is safe for concurrent use.
type Gateway struct {
	pool   atomic.Pointer[wasm.Pool]
	logger *slog.Logger
	now    func() time.Time
	proxy  *httputil.ReverseProxy // nil when serving files
	files  fs.FS                  // nil when proxying
}

// Config configures a Gateway. Exactly one of Origin and Files is set.
type Config struct {
	Pool   *wasm.Pool
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
	}
	g.pool.Store(cfg.Pool)
	return g, nil
}

// SetPool replaces the pool, as after a reload of the keys, and returns
// the old one, which the caller closes.
func (g *Gateway) SetPool(p *wasm.Pool) *wasm.Pool {
	return g.pool.Swap(p)
}

// ServeHTTP verifies the request and passes it on, or answers with the
// verifier's status.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	rec := g.serve(sw, r)
	g.logRequest(r, sw, rec, time.Since(start))
}

// record is what the log line of a request reports beyond the request.
type record struct {
	reason, keyID, err string
}

func (g *Gateway) serve(w http.ResponseWriter, r *http.Request) record {
	switch {
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		w.Header().Set("Allow", "GET, HEAD")
		return writeProblem(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed; use GET or HEAD", "")
	case len(r.RequestURI) > maxTargetBytes:
		return writeProblem(w, http.StatusRequestURITooLong, "request target longer than 8192 bytes", "")
	}
	now := g.now()
	// TODO: take the scheme, host and client address from the
	// X-Forwarded-* headers of trusted proxies, as signet serve cannot yet.
	res, err := g.pool.Load().Verify(r.Context(), server.MediaRequestURL(r), server.MediaClientAddr(r), now)
	if err != nil {
		g.logger.Error("WebAssembly verification failed", "error", err)
		return writeProblem(w, http.StatusInternalServerError, "internal server error", "")
	}
	if !res.OK() {
		w.Header().Set("X-Signet-Reason", string(res.Reason))
		rec := writeProblem(w, res.Status, server.ReasonMessage(res.Reason), string(res.Reason))
		rec.keyID = res.KeyID
		return rec
	}
	rec := record{reason: string(res.Reason), keyID: res.KeyID}
	cacheControl := server.MediaCacheControl(res.ValidUntil, now)
	if g.proxy != nil {
		ctx := context.WithValue(r.Context(), cacheControlKey{}, cacheControl)
		g.proxy.ServeHTTP(w, r.WithContext(ctx))
		return rec
	}
	return g.serveFile(w, r, cacheControl, rec)
}

type cacheControlKey struct{}

// newProxy returns a reverse proxy to origin that sets X-Forwarded-* and
// replaces the origin's Cache-Control with the token's, unless the origin
// forbids storing the response.
func (g *Gateway) newProxy(origin *url.URL) *httputil.ReverseProxy {
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(origin)
			pr.Out.URL.RawQuery = pr.In.URL.RawQuery
			pr.SetXForwarded()
		},
		ModifyResponse: func(resp *http.Response) error {
			h := resp.Header
			if resp.StatusCode >= 400 || containsToken(h.Get("Cache-Control"), "no-store") {
				h.Set("Cache-Control", "no-store")
				return nil
			}
			cc, _ := resp.Request.Context().Value(cacheControlKey{}).(string)
			h.Set("Cache-Control", cc)
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			g.logger.Error("origin request failed", "error", err)
			writeProblem(w, http.StatusBadGateway, "the origin did not answer", "")
		},
	}
}

func (g *Gateway) serveFile(w http.ResponseWriter, r *http.Request, cacheControl string, rec record) record {
	name, ok := server.MediaFileName(r, "/")
	if !ok || name == "." {
		return writeProblem(w, http.StatusNotFound, "not found", "")
	}
	f, info, err := server.OpenMediaFile(g.files, name)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			g.logger.Warn("cannot open file", "file", name, "error", err, "key_id", rec.keyID)
		}
		return writeProblem(w, http.StatusNotFound, "not found", "")
	}
	defer f.Close()
	content, ok := f.(io.ReadSeeker)
	if !ok {
		g.logger.Error("file does not support seeking", "file", name)
		return writeProblem(w, http.StatusInternalServerError, "internal server error", "")
	}
	h := w.Header()
	h.Set("Cache-Control", cacheControl)
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, path.Base(name), info.ModTime(), content)
	return rec
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

func (g *Gateway) logRequest(r *http.Request, sw *statusWriter, rec record, elapsed time.Duration) {
	target, sigHash := server.RedactTarget(r.RequestURI)
	attrs := []slog.Attr{
		slog.String("method", r.Method),
		slog.String("target", target),
		slog.Int("status", sw.Status()),
		slog.Int64("bytes", sw.bytes),
		slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
		slog.String("client", r.RemoteAddr),
	}
	for _, a := range [][2]string{{"reason", rec.reason}, {"key_id", rec.keyID}, {"signature_sha256", sigHash}, {"error", rec.err}} {
		if a[1] != "" {
			attrs = append(attrs, slog.String(a[0], a[1]))
		}
	}
	level := slog.LevelInfo
	if sw.Status() >= 500 {
		level = slog.LevelError
	}
	g.logger.LogAttrs(r.Context(), level, "request", attrs...)
}
