package server

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/crypto/bcrypt"

	"github.com/signet-media/signet/config"
)

// The WWW-Authenticate challenges of a 401.
const (
	basicChallenge  = `Basic realm="signet", charset="UTF-8"`
	bearerChallenge = `Bearer realm="signet"`
)

// principalKey is the gin context key of the authenticated *principal.
const principalKey = "signet.principal"

// errBadCredentials is the one error for every failed authentication, so
// that the response does not reveal whether the user exists.
var errBadCredentials = errors.New("invalid user name, password or token")

var errNoCredentials = errors.New("authentication required: use HTTP Basic or a bearer token")

// errTwoCredentials rejects a request with more than one Authorization
// header, of which a proxy and signet could read different ones.
var errTwoCredentials = errors.New("more than one Authorization header; send one")

// principal is an authenticated user or token.
type principal struct {
	name         string
	method       string // "basic" or "bearer"
	canSign      bool
	organization string
}

type user struct {
	principal *principal
	hash      []byte // bcrypt
}

type token struct {
	principal *principal
	sum       [32]byte // SHA-256 of the token
}

// authenticator checks HTTP Basic credentials and bearer tokens. It is
// safe for concurrent use.
type authenticator struct {
	users     map[string]*user
	tokens    []token
	dummyHash []byte // compared for unknown users; nil without users
	cache     *credentialCache
	failures  *failureLimiter

	// compareHash is bcrypt.CompareHashAndPassword; tests count its calls.
	compareHash func(hash, password []byte) error
}

func newAuthenticator(users []config.User, tokens []config.Token, cacheTTL time.Duration) (*authenticator, error) {
	a := &authenticator{
		users:       make(map[string]*user, len(users)),
		cache:       newCredentialCache(cacheTTL),
		failures:    newFailureLimiter(),
		compareHash: bcrypt.CompareHashAndPassword,
	}
	if err := a.addUsers(users); err != nil {
		return nil, err
	}
	if err := a.addTokens(tokens); err != nil {
		return nil, err
	}
	return a, nil
}

// addUsers adds the users and creates the dummy hash, at the highest cost
// among theirs so that an unknown user takes as long as a known one.
func (a *authenticator) addUsers(users []config.User) error {
	maxCost := 0
	for _, u := range users {
		cost, err := bcrypt.Cost([]byte(u.PasswordHash))
		if err != nil {
			return fmt.Errorf("user %q: invalid bcrypt password hash: %w", u.Name, err)
		}
		if u.Name == "" || strings.Contains(u.Name, ":") {
			return fmt.Errorf("invalid user name %q: it must be non-empty and without ':'", u.Name)
		}
		if a.users[u.Name] != nil {
			return fmt.Errorf("user %q is configured twice", u.Name)
		}
		p := newPrincipal(u.Name, "basic", u.Roles, u.Organization)
		a.users[u.Name] = &user{principal: p, hash: []byte(u.PasswordHash)}
		maxCost = max(maxCost, cost)
	}
	if maxCost == 0 {
		return nil
	}
	dummy, err := bcrypt.GenerateFromPassword([]byte(rand.Text()), maxCost)
	if err != nil {
		return fmt.Errorf("cannot create the dummy password hash: %w", err)
	}
	a.dummyHash = dummy
	return nil
}

func (a *authenticator) addTokens(tokens []config.Token) error {
	seen := make(map[[32]byte]bool)
	for _, t := range tokens {
		if seen[t.SHA256] {
			return fmt.Errorf("token %q is configured twice", t.Name)
		}
		seen[t.SHA256] = true
		p := newPrincipal(t.Name, "bearer", t.Roles, t.Organization)
		a.tokens = append(a.tokens, token{principal: p, sum: t.SHA256})
	}
	return nil
}

func newPrincipal(name, method string, roles []string, organization string) *principal {
	if organization == "" {
		organization = config.DefaultOrganization
	}
	return &principal{
		name:         name,
		method:       method,
		canSign:      config.CanSign(roles),
		organization: organization,
	}
}

// authenticate returns the principal named by the Authorization header.
func (a *authenticator) authenticate(r *http.Request, now time.Time) (*principal, error) {
	if len(r.Header.Values("Authorization")) > 1 {
		return nil, errTwoCredentials
	}
	scheme, credentials, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	switch {
	case strings.EqualFold(scheme, "Basic"):
		name, password, ok := r.BasicAuth()
		if !ok {
			return nil, errBadCredentials
		}
		return a.checkPassword(name, password, now)
	case strings.EqualFold(scheme, "Bearer"):
		return a.checkToken(strings.TrimSpace(credentials))
	}
	return nil, errNoCredentials
}

// checkPassword checks a user name and password, from the cache when they
// were verified within its lifetime, else with bcrypt. An unknown user
// costs one bcrypt comparison too. Only successes are cached.
func (a *authenticator) checkPassword(name, password string, now time.Time) (*principal, error) {
	key := a.cache.key(name, password)
	if p := a.cache.get(key, now); p != nil {
		return p, nil
	}
	u := a.users[name]
	if u == nil {
		if a.dummyHash != nil {
			a.compareHash(a.dummyHash, []byte(password))
		}
		return nil, errBadCredentials
	}
	if err := a.compareHash(u.hash, []byte(password)); err != nil {
		return nil, errBadCredentials
	}
	a.cache.put(key, u.principal, now)
	return u.principal, nil
}

// checkToken compares the SHA-256 of the token with that of every
// configured token in constant time, so that the time taken reveals
// neither the token nor which one matched.
func (a *authenticator) checkToken(text string) (*principal, error) {
	sum := sha256.Sum256([]byte(text))
	var found *principal
	for _, t := range a.tokens {
		if subtle.ConstantTimeCompare(sum[:], t.sum[:]) == 1 {
			found = t.principal
		}
	}
	if text == "" || found == nil {
		return nil, errBadCredentials
	}
	return found, nil
}

// authorize authenticates the caller of the API and lets only principals
// with a signing role continue: others get 401, or 403 when authenticated.
func (s *Server) authorize(c *gin.Context) {
	now := s.now()
	client := s.loginClient(c.Request)
	if wait := s.auth.failures.retryAfter(client, now); wait > 0 {
		c.Header("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
		s.fail(c, http.StatusTooManyRequests, problem{
			Error: "too many failed logins from this address; wait and try again with valid credentials",
		})
		return
	}
	// The name of a failed attempt is not logged: clients put passwords
	// and tokens into the user name field by mistake.
	p, err := s.auth.authenticate(c.Request, now)
	rec := recordOf(c.Request)
	if err != nil {
		if err == errBadCredentials {
			s.auth.failures.fail(client, now)
		}
		s.challenge(c)
		s.fail(c, http.StatusUnauthorized, problem{Error: err.Error()})
		return
	}
	rec.user, rec.auth = p.name, p.method
	if !p.canSign {
		s.fail(c, http.StatusForbidden, problem{
			Error: fmt.Sprintf("%q may not sign URLs: it needs role %s or %s", p.name,
				config.RoleAdmin, config.RoleAPISecurityEdit),
		})
		return
	}
	c.Set(principalKey, p)
}

// loginClient returns the address that failed logins are counted for: the
// client that trusted proxies name, else the connection's peer.
func (s *Server) loginClient(r *http.Request) netip.Addr {
	if o, err := s.proxies.resolve(r); err == nil && o.client.IsValid() {
		return o.client
	}
	return clientAddr(r)
}

func (s *Server) challenge(c *gin.Context) {
	h := c.Writer.Header()
	h.Add("WWW-Authenticate", basicChallenge)
	if len(s.auth.tokens) > 0 {
		h.Add("WWW-Authenticate", bearerChallenge)
	}
}
