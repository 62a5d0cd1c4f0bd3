package server

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/signet-media/signet/core"
)

// Response headers of the forward authentication route, which web servers
// can pass on to the client: nginx with auth_request_set, Caddy with
// copy_headers, Traefik with authResponseHeaders.
const (
	statusHeader       = "X-Signet-Status"        // the verifier's status, also when nginx gets 403
	keyIDHeader        = "X-Signet-Key-Id"        // the key that signed a verified URL
	cacheControlHeader = "X-Signet-Cache-Control" // Cache-Control for the media response
)

// nginxMode reads the values of the nginx query parameter. No value means
// false and one boolean (1, true, 0, false...) means its value. Anything
// else is an error, which the caller rejects in the form nginx can read.
func nginxMode(values []string) (bool, error) {
	switch len(values) {
	case 0:
		return false, nil
	case 1:
		if on, err := strconv.ParseBool(values[0]); err == nil {
			return on, nil
		}
	}
	return false, fmt.Errorf("invalid query parameter %s=%s: give it once, as %s=1",
		nginxParam, strings.Join(values, ","), nginxParam)
}

// nginxParam is the query parameter that marks a request from nginx's
// auth_request, which accepts only 2xx, 401 and 403 from the
// authentication server.
const nginxParam = "nginx"

// handleForwardAuth verifies the original URL of a request that a trusted
// proxy forwards for a decision, as nginx auth_request, Caddy forward_auth
// and Traefik ForwardAuth do. The original URL is X-Forwarded-Proto (or
// the scheme of this request), X-Forwarded-Host (or the Host header), and
// X-Original-URI or X-Forwarded-Uri. A granted request gets 200 with an
// empty body; a rejected one the verifier's status, or with ?nginx=1 a 403
// in place of 400 and 410.
//
// NOTE: the tests run nginx and Caddy in front of this route, but not
// Traefik (docs/traefik.yml), which Debian does not package and which
// cannot be built from the Go module proxy here.
func (s *Server) handleForwardAuth(c *gin.Context) {
	r := c.Request
	nginx, err := nginxMode(c.Request.URL.Query()[nginxParam])
	if err != nil {
		s.denyForward(c, true, http.StatusBadRequest, ReasonInvalidForwarded, err.Error())
		return
	}
	o, err := s.proxies.resolve(r)
	switch {
	case !o.trusted:
		s.denyForward(c, nginx, http.StatusForbidden, ReasonUntrustedProxy, ReasonMessage(ReasonUntrustedProxy))
		return
	case err != nil:
		s.denyForward(c, nginx, http.StatusBadRequest, ReasonInvalidForwarded, err.Error())
		return
	}
	rec := recordOf(r)
	rec.forwarded = o.client.String()
	target, reason, err := originalURI(r.Header, s.cfg.MaxURLBytes)
	if err != nil {
		s.denyForward(c, nginx, http.StatusBadRequest, reason, err.Error())
		return
	}
	rec.original, _ = redactTarget(target)
	if path, _, _ := strings.Cut(target, "?"); ambiguousPath(path) {
		rec.reason = string(ReasonAmbiguousPath)
		s.denyForward(c, nginx, http.StatusBadRequest, ReasonAmbiguousPath, ReasonMessage(ReasonAmbiguousPath))
		return
	}

	now := s.now()
	res := s.verifier.Verify(o.url(target), o.client, now)
	s.metrics.observeVerification(res, now)
	rec.keyID, rec.reason = res.KeyID, string(res.Reason)
	if !res.OK() {
		s.denyForward(c, nginx, res.Status, res.Reason, ReasonMessage(res.Reason))
		return
	}
	if path, _, _ := strings.Cut(target, "?"); hiddenPath(path) {
		rec.reason = string(ReasonHiddenPath)
		s.denyForward(c, nginx, http.StatusNotFound, ReasonHiddenPath, ReasonMessage(ReasonHiddenPath))
		return
	}
	h := c.Writer.Header()
	h.Set(statusHeader, "200")
	h.Set(reasonHeader, string(res.Reason))
	h.Set(keyIDHeader, res.KeyID)
	cacheControl := mediaCacheControl(res.ValidUntil, now)
	if nginx {
		if ttl := grantCacheSeconds(res.ValidUntil, now); ttl > 0 {
			h.Set(accelExpiresHeader, strconv.FormatInt(ttl, 10))
			// nginx may pass this response on until the end of the second
			// ttl seconds from now, so the browser's lifetime counts from
			// then.
			cacheControl = mediaCacheControl(res.ValidUntil, now.Add(time.Duration(ttl+1)*time.Second))
		}
	}
	h.Set(cacheControlHeader, cacheControl)
	h.Set("Cache-Control", "no-store")
	c.Status(http.StatusOK)
}

// accelExpiresHeader holds the seconds for which nginx's proxy_cache may
// keep a response; other caches ignore it. nginx reads it only while it
// has not read a Cache-Control that forbids caching, so docs/nginx.conf
// has nginx ignore Cache-Control for /auth.
const accelExpiresHeader = "X-Accel-Expires"

// maxGrantCache is the longest time that nginx may keep a granted
// decision of /auth?nginx=1 in a proxy_cache. It bounds how long a URL
// keeps working after a reload removed its key.
const maxGrantCache = 60 * time.Second

// grantCacheSeconds returns how many whole seconds nginx may cache the
// grant of a URL valid until validUntil: at most maxGrantCache, and a
// second less than the URL has left. nginx counts whole seconds from the
// start of the one it stores the response in. Zero means not at all.
func grantCacheSeconds(validUntil, now time.Time) int64 {
	return int64(min(validUntil.Sub(now)-time.Second, maxGrantCache) / time.Second)
}

// denyForward rejects a forward authentication request. The status and
// reason are in the headers X-Signet-Status and X-Signet-Reason, also when
// nginx gets 403 for a 400 or 410 that auth_request cannot pass on.
func (s *Server) denyForward(c *gin.Context, nginx bool, status int, reason core.Reason, message string) {
	if reason == ReasonUntrustedProxy || reason == ReasonInvalidForwarded || reason == ReasonMissingOriginalURI ||
		reason == ReasonAmbiguousPath {
		s.metrics.observeRejection(reason)
	}
	h := c.Writer.Header()
	h.Set(statusHeader, strconv.Itoa(status))
	h.Set(reasonHeader, string(reason))
	sent := status
	if nginx && status != http.StatusUnauthorized && status != http.StatusForbidden {
		sent = http.StatusForbidden
	}
	s.fail(c, sent, problem{Error: message, Reason: string(reason)})
}

// originalURI returns the request target of the original request, from
// X-Original-URI (nginx) or X-Forwarded-Uri (Caddy, Traefik). When both
// are present they must be equal, so that a client cannot add the one
// its proxy does not set. The target must be in origin form.
func originalURI(h http.Header, maxBytes int) (string, core.Reason, error) {
	original, hasOriginal, err := singleHeader(h, "X-Original-URI")
	if err != nil {
		return "", ReasonInvalidForwarded, err
	}
	forwarded, hasForwarded, err := singleHeader(h, "X-Forwarded-Uri")
	if err != nil {
		return "", ReasonInvalidForwarded, err
	}
	target := original
	switch {
	case hasOriginal && hasForwarded && original != forwarded:
		return "", ReasonInvalidForwarded, fmt.Errorf("%w: X-Original-URI and X-Forwarded-Uri differ; "+
			"the proxy must set one and remove the other", errForwarded)
	case !hasOriginal && !hasForwarded:
		return "", ReasonMissingOriginalURI, fmt.Errorf("missing original URL: the proxy must send X-Original-URI or X-Forwarded-Uri")
	case !hasOriginal:
		target = forwarded
	}
	if len(target) > maxBytes || !strings.HasPrefix(target, "/") || strings.ContainsFunc(target, isSpaceOrControl) {
		return "", ReasonInvalidForwarded, fmt.Errorf("%w: the original URL is not a path and query of at most %d bytes "+
			"without white space", errForwarded, maxBytes)
	}
	return target, "", nil
}

func isSpaceOrControl(r rune) bool {
	return r <= ' ' || r == 0x7f
}
