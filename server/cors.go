package server

import (
	"errors"
	"fmt"
	"net/url"
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
}

// newCORS returns the CORS middleware, or nil when no origin is allowed.
// Credentials are allowed only with explicit origins, never with "*".
func newCORS(c config.CORS) (gin.HandlerFunc, error) {
	if len(c.AllowedOrigins) == 0 {
		if c.AllowCredentials {
			return nil, errors.New("CORS credentials are allowed but no origin is")
		}
		return nil, nil
	}
	p := &corsPolicy{origins: make(map[string]bool)}
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
	if origin == "" || !(p.allowAll || p.origins[origin]) {
		return
	}
	p.apply(c)
}
