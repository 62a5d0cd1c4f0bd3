package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gin-contrib/cors"
	"github.com/gin-gonic/gin"

	"github.com/signet-media/signet/config"
)

// reasonHeader carries the verifier's reason code on rejected media
// requests.
const reasonHeader = "X-Signet-Reason"

// corsPolicy applies gin-contrib/cors to requests from allowed origins
// only, so that other origins get no CORS headers instead of the empty 403
// that gin-contrib/cors sends them.
type corsPolicy struct {
	allowAll bool
	origins  map[string]bool // lowercased, as gin-contrib/cors compares them
	apply    gin.HandlerFunc
	deny     gin.HandlerFunc // rejects a preflight from an origin not allowed
}

// newCORS returns the CORS middleware, or nil when no origin is allowed.
// Credentials are allowed only with explicit origins, never with "*".
// deny rejects a preflight request from an origin that is not allowed.
func newCORS(c config.CORS, deny gin.HandlerFunc) (gin.HandlerFunc, error) {
	if len(c.AllowedOrigins) == 0 {
		if c.AllowCredentials {
			return nil, errors.New("CORS credentials are allowed but no origin is")
		}
		return nil, nil
	}
	p := &corsPolicy{origins: make(map[string]bool), deny: deny}
	for _, origin := range c.AllowedOrigins {
		if err := p.addOrigin(origin); err != nil {
			return nil, err
		}
	}
	if p.allowAll && c.AllowCredentials {
		return nil, errors.New(`CORS credentials cannot be allowed with origin "*": list the origins instead`)
	}
	conf := p.libraryConfig(c.AllowCredentials)
	if err := conf.Validate(); err != nil {
		return nil, fmt.Errorf("invalid CORS configuration: %w", err)
	}
	p.apply = cors.New(conf)
	return p.handle, nil
}

// addOrigin adds "*" or an origin in the form scheme://host[:port], as
// browsers send it in the Origin header.
func (p *corsPolicy) addOrigin(origin string) error {
	if origin == "*" {
		p.allowAll = true
		return nil
	}
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.Path != "" || u.RawQuery != "" || u.User != nil || u.Fragment != "" ||
		strings.Contains(origin, "*") {
		return fmt.Errorf("invalid CORS origin %q: write scheme://host[:port], such as https://player.example.org, or *", origin)
	}
	p.origins[strings.ToLower(origin)] = true
	return nil
}

func (p *corsPolicy) libraryConfig(credentials bool) cors.Config {
	conf := cors.Config{
		AllowMethods:     []string{"GET", "HEAD", "POST", "OPTIONS"},
		AllowHeaders:     []string{"Authorization", "Content-Type", "Range", "Accept"},
		ExposeHeaders:    []string{"Content-Range", "Content-Length", "Accept-Ranges", "ETag", reasonHeader},
		AllowCredentials: credentials,
		MaxAge:           10 * time.Minute,
	}
	if p.allowAll {
		conf.AllowAllOrigins = true
		return conf
	}
	for origin := range p.origins {
		conf.AllowOrigins = append(conf.AllowOrigins, origin)
	}
	return conf
}

// handle runs gin-contrib/cors for allowed origins. With explicit origins,
// every response varies by Origin, so that a cached response without CORS
// headers is never reused for a cross-origin request.
func (p *corsPolicy) handle(c *gin.Context) {
	if !p.allowAll {
		c.Header("Vary", "Origin")
	}
	origin := c.GetHeader("Origin")
	switch {
	case origin == "":
	case p.allowAll || p.origins[origin]:
		p.apply(c)
	case c.Request.Method == http.MethodOptions && c.GetHeader("Access-Control-Request-Method") != "":
		// Without this, the preflight would reach the router and get 405
		// for OPTIONS, which names the wrong fault.
		p.deny(c)
	}
}

// denyOrigin rejects a CORS preflight request from an origin that
// cors.allowed-origins does not list.
func (s *Server) denyOrigin(c *gin.Context) {
	s.fail(c, http.StatusForbidden, originNotAllowed(c))
}

// originNotAllowed returns the error of a preflight request from an origin
// that cors.allowed-origins does not list.
func originNotAllowed(c *gin.Context) problem {
	return problem{Error: "origin " + quoteInput(c.GetHeader("Origin")) + " is not allowed: list it in cors.allowed-origins"}
}

// CORSHandler returns next with the CORS headers of cfg, as signet serve
// sends them: for signet edge, which serves media to players on other
// origins too. It returns next itself when cfg allows no origin.
func CORSHandler(cfg config.CORS, next http.Handler) (http.Handler, error) {
	deny := func(c *gin.Context) {
		body, err := encodeJSON(originNotAllowed(c))
		if err != nil {
			body = []byte(`{"error":"origin not allowed"}` + "\n")
		}
		c.Header("Cache-Control", "no-store")
		c.Data(http.StatusForbidden, "application/json", body)
		c.Abort()
	}
	handle, err := newCORS(cfg, deny)
	if err != nil || handle == nil {
		return next, err
	}

	gin.SetMode(gin.ReleaseMode)
	engine := gin.New()
	// Every request goes to next as it came: no redirects of gin's own.
	engine.RedirectTrailingSlash = false
	engine.RedirectFixedPath = false
	engine.Use(handle)

	// A route for every path and the usual methods keeps gin from
	// replacing an empty 404 of next with its own body. Other methods
	// reach next through NoRoute.
	pass := gin.WrapH(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&corsWriter{ResponseWriter: w, policy: corsHeaders(w.Header())}, r)
	}))
	engine.Any("/*path", pass)
	engine.NoRoute(pass)
	return engine, nil
}

// corsHeaders returns a copy of the headers of h that the CORS policy
// sets: Access-Control-* and Vary.
func corsHeaders(h http.Header) http.Header {
	policy := make(http.Header)
	for name, values := range h {
		if strings.HasPrefix(name, "Access-Control-") || name == "Vary" {
			policy[name] = slices.Clone(values)
		}
	}
	return policy
}

// corsWriter passes a response of CORSHandler's next on with the
// Access-Control-* headers of signet's policy only: a proxied origin's
// own would otherwise be added to them, and a browser rejects an
// Access-Control-Allow-Origin with two values. It also keeps the policy's
// Vary values.
type corsWriter struct {
	http.ResponseWriter
	policy http.Header
	fixed  bool
}

// fix sets the policy's headers once, before the final status goes out.
func (w *corsWriter) fix() {
	if w.fixed {
		return
	}
	w.fixed = true
	h := w.Header()
	for name := range h {
		if strings.HasPrefix(name, "Access-Control-") {
			delete(h, name)
		}
	}
	for name, values := range w.policy {
		if name != "Vary" {
			h[name] = values
			continue
		}
		for _, v := range values {
			if !slices.Contains(h.Values("Vary"), v) {
				h.Add("Vary", v)
			}
		}
	}
}

// WriteHeader sends status. An informational status, such as 103 Early
// Hints, which a reverse proxy passes on before clearing the headers,
// leaves the policy for the final one.
func (w *corsWriter) WriteHeader(status int) {
	if status >= 200 {
		w.fix()
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *corsWriter) Write(p []byte) (int, error) {
	w.fix()
	return w.ResponseWriter.Write(p)
}

// Flush sends what is buffered, as a reverse proxy does after each write
// of a response of unknown length.
func (w *corsWriter) Flush() {
	w.fix()
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the writer below.
func (w *corsWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
