package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/signet-media/signet/config"
	"github.com/signet-media/signet/core"
)

// Timeouts of the http.Server that Serve runs. There is no write timeout
// because a media response may stream for as long as the client plays.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = time.Minute
	idleTimeout       = 2 * time.Minute
	shutdownTimeout   = 10 * time.Second
)

// fixedRoutes are the path prefixes of the routes other than media and
// forward authentication, each with a trailing slash.
var fixedRoutes = []string{"/api/security/sign/", "/healthz/", playerPath, metricsPath + "/"}

// metricsPath is the path of the Prometheus metrics.
const metricsPath = "/metrics"

// headerBytesBeyondURL is the room for request headers that the
// http.Server grants on top of config.MaxURLBytesLimit.
const headerBytesBeyondURL = 32 << 10

// Server serves the signing API and the protected media. It is safe for
// concurrent use.
//
// NOTE: a Server keeps MediaDir and PlayerDir open for its lifetime,
// because it has no Close method. The exception is a Server of a
// Reloader, which closes them once it has replaced the Server and the
// Server's requests have ended.
type Server struct {
	cfg      config.Config // with defaults applied
	logger   *slog.Logger
	now      func() time.Time
	signer   *core.Signer
	verifier *core.Verifier
	auth     *authenticator
	proxies  *proxyPolicy
	metrics  *Metrics
	failures *failureLimiter // shared across reloads; nil: the authenticator's own
	media    fs.FS           // nil: no media route
	player   fs.FS           // nil: no player route
	handler  http.Handler

	roots     []*sharedRoot          // of MediaDir and PlayerDir
	reusable  []*sharedRoot          // roots of the replaced Server, only during New
	inUse     atomic.Int64           // 1 until retired, plus 1 per request in flight
	successor atomic.Pointer[Server] // the Server that serves in place of a retired one

	mediaDirChecked atomic.Int64 // Unix nanoseconds of the last checkMediaDir

	// skipVerify serves media without verification. Only the option of
	// benchmark builds (build tag signet_benchmark) sets it.
	skipVerify bool
}

// Option configures a Server in New.
type Option func(*Server)

// WithClock makes the Server read the current time from now, which tests
// set to a fixed clock. The default is time.Now.
func WithClock(now func() time.Time) Option {
	return func(s *Server) { s.now = now }
}

// withFailureLimiter makes the Server count failed logins in l, which a
// Reloader shares between the Servers of successive configurations.
func withFailureLimiter(l *failureLimiter) Option {
	return func(s *Server) { s.failures = l }
}

// WithMetrics makes the Server count into m, which a Reloader shares
// between the Servers it swaps. The default is a new Metrics per Server.
func WithMetrics(m *Metrics) Option {
	return func(s *Server) { s.metrics = m }
}

// New checks cfg and builds the signer, the verifier and the routes. It
// returns an error, naming the field at fault, when cfg is unusable. Zero
// fields of cfg take their defaults as documented in package config. A nil
// logger means slog.Default().
//
// New sets gin's global mode to release mode, so gin prints no debug
// output.
func New(cfg *config.Config, logger *slog.Logger, opts ...Option) (*Server, error) {
	if cfg == nil {
		return nil, errors.New("server: nil configuration")
	}
	if logger == nil {
		logger = slog.Default()
	}
	s := &Server{cfg: withDefaults(*cfg), logger: logger, now: time.Now}
	for _, opt := range opts {
		opt(s)
	}
	err := s.setup()
	s.reusable = nil
	if err != nil {
		s.releaseDirs()
		return nil, fmt.Errorf("server: %w", err)
	}
	s.logStartup()
	return s, nil
}

// withDefaults returns cfg with every zero field that has a default set to
// it.
func withDefaults(cfg config.Config) config.Config {
	if cfg.DefaultLifetime == 0 {
		cfg.DefaultLifetime = config.DefaultLifetime
	}
	if cfg.MaxLifetime == 0 {
		cfg.MaxLifetime = config.DefaultMaxLifetime
	}
	if cfg.CredentialCache == 0 {
		cfg.CredentialCache = config.DefaultCredentialCache
	}
	if cfg.MediaPath == "" {
		cfg.MediaPath = config.DefaultMediaPath
	}
	if cfg.MaxURLBytes == 0 {
		cfg.MaxURLBytes = config.DefaultMaxURLBytes
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = config.DefaultMaxBodyBytes
	}
	if cfg.MaxPlaylistBytes == 0 {
		cfg.MaxPlaylistBytes = config.DefaultMaxPlaylistBytes
	}
	if cfg.ClientHeader == "" {
		cfg.ClientHeader = config.HeaderXForwardedFor
	}
	if cfg.ForwardAuthPath == "" {
		cfg.ForwardAuthPath = config.DefaultForwardAuthPath
	}
	return cfg
}

func (s *Server) setup() error {
	if err := checkLimits(&s.cfg); err != nil {
		return err
	}
	if err := s.buildCore(); err != nil {
		return err
	}
	auth, err := newAuthenticator(s.cfg.Users, s.cfg.Tokens, s.cfg.CredentialCache)
	if err != nil {
		return err
	}
	s.auth = auth
	if s.failures != nil {
		auth.failures = s.failures
	}
	s.proxies = newProxyPolicy(&s.cfg)
	if s.metrics == nil {
		s.metrics = NewMetrics()
	}
	if err := s.openDirs(); err != nil {
		return err
	}
	engine, err := s.buildEngine()
	if err != nil {
		return err
	}
	s.inUse.Store(1)
	s.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.acquire() {
			s.successor.Load().handler.ServeHTTP(w, r)
			return
		}
		defer s.release()
		s.serveHTTP(engine, w, r)
	})
	s.metrics.setKeys(&s.cfg)
	return nil
}

func checkLimits(cfg *config.Config) error {
	switch {
	case cfg.DefaultLifetime < 0:
		return fmt.Errorf("negative DefaultLifetime %v", cfg.DefaultLifetime)
	case cfg.MaxLifetime < cfg.DefaultLifetime:
		return fmt.Errorf("MaxLifetime %v is shorter than DefaultLifetime %v", cfg.MaxLifetime, cfg.DefaultLifetime)
	case cfg.MaxURLBytes < 0:
		return fmt.Errorf("negative MaxURLBytes %d", cfg.MaxURLBytes)
	case cfg.MaxBodyBytes < 0:
		return fmt.Errorf("negative MaxBodyBytes %d", cfg.MaxBodyBytes)
	case cfg.MaxPlaylistBytes < 0:
		return fmt.Errorf("negative MaxPlaylistBytes %d", cfg.MaxPlaylistBytes)
	case cfg.ClientHeader != config.HeaderXForwardedFor && cfg.ClientHeader != config.HeaderForwarded:
		return fmt.Errorf("invalid ClientHeader %q: use %s or %s", cfg.ClientHeader,
			config.HeaderXForwardedFor, config.HeaderForwarded)
	}
	if err := checkMediaPath(cfg.MediaPath); err != nil {
		return err
	}
	return checkForwardAuthPath(cfg.ForwardAuthPath, cfg.MediaPath)
}

func checkForwardAuthPath(p, mediaPath string) error {
	if err := config.CheckRoutePath(p); err != nil {
		return fmt.Errorf("ForwardAuthPath: %w", err)
	}
	if strings.HasPrefix(p+"/", mediaPath) || strings.HasPrefix(mediaPath, p+"/") {
		return fmt.Errorf("ForwardAuthPath %q overlaps MediaPath %q", p, mediaPath)
	}
	return nil
}

func checkMediaPath(p string) error {
	if len(p) < 3 || p[0] != '/' || p[len(p)-1] != '/' {
		return fmt.Errorf("invalid MediaPath %q: write a path such as /media/, with a slash at both ends", p)
	}
	if strings.ContainsAny(p, "*:?#%\\") || strings.Contains(p, "//") {
		return fmt.Errorf("invalid MediaPath %q: use letters, digits and single slashes", p)
	}
	for _, route := range fixedRoutes {
		if strings.HasPrefix(p, route) || strings.HasPrefix(route, p) {
			return fmt.Errorf("invalid MediaPath %q: it overlaps the route %s", p, route)
		}
	}
	return nil
}

// buildCore builds the signer from the keys with URL prefixes, and the
// verifier from every key.
func (s *Server) buildCore() error {
	signer, err := core.NewSigner(s.cfg.SignerConfig())
	if err != nil {
		return err
	}
	verifier, err := core.NewVerifier(s.cfg.VerifierConfig())
	if err != nil {
		return err
	}
	s.signer, s.verifier = signer, verifier
	return nil
}

// openDirs opens MediaDir and PlayerDir with os.OpenRoot, so that no path
// and no symbolic link reaches outside them, or reuses the roots of the
// replaced Server. MediaFS replaces MediaDir and PlayerFS replaces
// PlayerDir.
func (s *Server) openDirs() error {
	s.media = s.cfg.MediaFS
	if s.media == nil && s.cfg.MediaDir != "" {
		root, err := s.openRoot(s.cfg.MediaDir)
		if err != nil {
			return fmt.Errorf("cannot open MediaDir: %w", err)
		}
		s.media = newRootFS(root)
	}
	s.player = s.cfg.PlayerFS
	if s.player == nil && s.cfg.PlayerDir != "" {
		root, err := s.openRoot(s.cfg.PlayerDir)
		if err != nil {
			return fmt.Errorf("cannot open PlayerDir: %w", err)
		}
		s.player = newRootFS(root)
	}
	return nil
}

// maxQuietLeeway is the largest verify.leeway that passes without a
// warning: clocks that need more are a problem to fix, not to allow for.
const maxQuietLeeway = 5 * time.Minute

// warnRiskySettings logs settings that are valid but weaken verification:
// trusting every address as a proxy, and a long leeway.
func (s *Server) warnRiskySettings() {
	for _, network := range s.cfg.TrustedProxies {
		if network.Bits() == 0 {
			s.logger.Warn("proxy.trusted contains "+network.String()+
				", so every client may set the forwarding headers; list only your proxies", "network", network.String())
		}
	}
	if s.cfg.Leeway > maxQuietLeeway {
		s.logger.Warn("verify.leeway accepts expired URLs for a long time; synchronize the clocks and lower it",
			"leeway", s.cfg.Leeway.String())
	}
}

// logStartup logs the key ids with their prefixes, never a secret.
func (s *Server) logStartup() {
	if s.skipVerify {
		s.logger.Warn("benchmark build: the media route serves files without verification")
	}
	s.warnRiskySettings()
	for _, k := range s.cfg.Keys {
		if !s.cfg.Signs(k) {
			s.logger.Info("key verifies only", "key_id", k.ID)
			continue
		}
		s.logger.Info("key signs and verifies", "key_id", k.ID,
			"prefixes", k.URLs, "organization", k.Organization)
	}
	s.logger.Info("server configured",
		"sources", s.cfg.Sources,
		"users", len(s.cfg.Users),
		"tokens", len(s.cfg.Tokens),
		"media_path", s.cfg.MediaPath,
		"media", s.mediaSource(),
		"player_dir", s.cfg.PlayerDir,
		"cors_origins", s.cfg.CORS.AllowedOrigins,
		"strict", !s.cfg.NonStrict,
		"trusted_proxies", s.cfg.TrustedProxies,
		"forward_auth_path", s.cfg.ForwardAuthPath,
		"metrics", !s.cfg.DisableMetrics)
}

func (s *Server) mediaSource() string {
	switch {
	case s.cfg.MediaFS != nil:
		return "embedded file system"
	case s.cfg.MediaDir != "":
		return s.cfg.MediaDir
	}
	return "none"
}

// Config returns the configuration of the Server, with defaults applied.
func (s *Server) Config() config.Config {
	return s.cfg
}

// Handler returns the handler of every route, for use with an http.Server
// or httptest.
func (s *Server) Handler() http.Handler {
	return s.handler
}

// Serve serves HTTP on ln until ctx is done, then shuts down gracefully:
// it stops accepting connections and waits up to 10 seconds for running
// requests before it closes the rest. Serve closes ln. It returns nil
// after a shutdown that ctx started, and the error otherwise.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	return serve(ctx, ln, s.handler, s.logger)
}

// serve runs an http.Server with handler on ln until ctx is done, as
// Server.Serve describes. The header limit fits the highest
// limits.max-url-bytes, because a reload may raise the limit while the
// listener stays. serveHTTP checks each request against the current one.
func serve(ctx context.Context, ln net.Listener, handler http.Handler, logger *slog.Logger) error {
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    config.MaxURLBytesLimit + headerBytesBeyondURL,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	logger.Info("listening", "address", ln.Addr().String())

	select {
	case err := <-errc:
		logger.Error("server failed", "error", err)
		return err
	case <-ctx.Done():
	}
	return shutdown(srv, errc, logger)
}

func shutdown(srv *http.Server, errc <-chan error, logger *slog.Logger) error {
	logger.Info("shutting down", "timeout", shutdownTimeout)
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		logger.Error("graceful shutdown failed, closing connections", "error", err)
		srv.Close()
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Info("stopped")
	return nil
}

// buildEngine registers the middleware and the routes on a gin engine in
// release mode. The middleware runs in this order for every request,
// unknown routes included: recovery, CORS, request limits.
func (s *Server) buildEngine() (*gin.Engine, error) {
	gin.SetMode(gin.ReleaseMode)
	engine := gin.New()
	engine.HandleMethodNotAllowed = true
	engine.RedirectTrailingSlash = false
	engine.RedirectFixedPath = false

	corsHandler, err := newCORS(s.cfg.CORS, s.denyOrigin)
	if err != nil {
		return nil, err
	}
	engine.Use(s.recovery)
	if corsHandler != nil {
		engine.Use(corsHandler)
	}
	engine.Use(s.limitRequest)
	engine.NoRoute(s.notFound)
	engine.NoMethod(s.methodNotAllowed)

	if err := s.addRoutes(engine); err != nil {
		return nil, err
	}
	return engine, nil
}

// addRoutes registers the routes. gin panics when a route conflicts with
// another, as a MediaPath such as /api/ would, so the panic becomes an
// error.
func (s *Server) addRoutes(engine *gin.Engine) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("MediaPath %q conflicts with another route: %v", s.cfg.MediaPath, v)
		}
	}()
	engine.GET("/healthz", routeName("healthz"), s.health)
	engine.HEAD("/healthz", routeName("healthz"), s.health)
	api := engine.Group("/api/security", routeName("sign"), s.limitBody, s.negotiate, s.authorize)
	api.POST("/sign", s.handleSign)
	if s.media != nil {
		engine.GET(s.cfg.MediaPath+"*file", routeName("media"), s.handleMedia)
		engine.HEAD(s.cfg.MediaPath+"*file", routeName("media"), s.handleMedia)
	}
	// Web servers send the method of the original request, so the route
	// accepts every method; the verification does not depend on it.
	engine.Any(s.cfg.ForwardAuthPath, routeName("auth"), s.handleForwardAuth)
	if !s.cfg.DisableMetrics {
		metrics := gin.WrapH(s.metrics.Handler())
		engine.GET(metricsPath, routeName("metrics"), metrics)
	}
	if s.player != nil {
		engine.GET("/player/*file", routeName("player"), s.handlePlayer)
		engine.HEAD("/player/*file", routeName("player"), s.handlePlayer)
		engine.GET("/", routeName("player"), redirectToPlayer)
		engine.GET("/player", routeName("player"), redirectToPlayer)
	}
	return nil
}

// routeName returns a handler that names the route in the request's
// record, for the metrics. Requests that match no route are "other".
func routeName(name string) gin.HandlerFunc {
	return func(c *gin.Context) { recordOf(c.Request).route = name }
}

func (s *Server) health(c *gin.Context) {
	s.writeJSON(c, http.StatusOK, map[string]string{"status": "ok"})
}
