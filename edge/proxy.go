package edge

import (
	"errors"
	"net/http"
	"net/http/httputil"
	"net/url"

	"github.com/signet-media/signet/internal/hls"
	"github.com/signet-media/signet/server"
)

// requestKey is the context key of a proxied request's *request.
type requestKey struct{}

// requestOf returns the *request that pass stored in the context of r.
func requestOf(r *http.Request) *request {
	req, _ := r.Context().Value(requestKey{}).(*request)
	return req
}

// newProxy returns a reverse proxy to origin that sets X-Forwarded-*,
// rewrites scoped playlists and replaces the origin's Cache-Control with
// the token's, unless the origin forbids storing the response.
func (g *Gateway) newProxy(origin *url.URL) *httputil.ReverseProxy {
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(origin)
			pr.Out.URL.RawQuery = pr.In.URL.RawQuery
			setForwarded(pr, requestOf(pr.In))
		},
		ModifyResponse: modifyResponse,
		ErrorHandler:   g.proxyError,
	}
}

// setForwarded sets the X-Forwarded-* headers of the outbound request.
// Behind a trusted proxy, they continue the proxy's X-Forwarded-For and
// name the scheme and host that the proxy named. Otherwise they describe
// the connection to the gateway.
func setForwarded(pr *httputil.ProxyRequest, req *request) {
	if req.origin.Forwarded {
		pr.Out.Header["X-Forwarded-For"] = pr.In.Header["X-Forwarded-For"]
	}
	pr.SetXForwarded()
	if req.origin.Forwarded {
		pr.Out.Header.Set("X-Forwarded-Host", req.origin.Host)
		pr.Out.Header.Set("X-Forwarded-Proto", req.origin.Scheme)
	}
	if req.playlist != nil {
		requestWholePlaylist(pr.Out)
	}
}

func modifyResponse(resp *http.Response) error {
	req := requestOf(resp.Request)
	cacheControl := req.cacheControl
	if resp.StatusCode >= 400 || containsToken(resp.Header.Get("Cache-Control"), "no-store") {
		cacheControl = "no-store"
	}
	resp.Header.Set("Cache-Control", cacheControl)
	if req.playlist != nil && resp.StatusCode == http.StatusOK {
		return rewriteResponse(resp, req.playlist)
	}
	return nil
}

// proxyError writes the error response of a request that the origin
// failed to respond to, or whose playlist cannot be rewritten. No byte of
// the response has been sent at that point.
func (g *Gateway) proxyError(w http.ResponseWriter, r *http.Request, err error) {
	req := requestOf(r)
	switch {
	case errors.Is(err, hls.ErrTooLarge):
		req.rec.failed(g.writePlaylistTooLarge(w, r.URL.Path, req))
	case errors.Is(err, server.ErrPlaylistURL):
		req.rec.failed(writeProblem(w, http.StatusBadRequest, err.Error(), ""))
	default:
		g.logger.Error("origin request failed", "error", err, "key_id", req.rec.keyID)
		req.rec.failed(writeProblem(w, http.StatusBadGateway, "the origin did not answer", ""))
	}
}
