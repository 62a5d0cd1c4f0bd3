package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/signet-media/signet/config"
	"github.com/signet-media/signet/core"
	"github.com/signet-media/signet/edge"
	"github.com/signet-media/signet/server"
	"github.com/signet-media/signet/wasm"
)

// edgeOptions are the options of signet edge.
type edgeOptions struct {
	config, origin, root, listen string
	poolSize                     int
	memoryLimit                  int64
	callTimeout                  time.Duration
	wasm                         wasmFlags
}

func runEdge(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("edge", "--config FILE (--origin URL | --root DIR) [options]", stderr)
	var o edgeOptions
	fs.StringVar(&o.config, "config", "", "configuration `FILE` with the keys (required)")
	fs.StringVar(&o.origin, "origin", "", "origin `URL` that verified requests are proxied to")
	fs.StringVar(&o.root, "root", "", "`directory` that verified requests are served from")
	fs.StringVar(&o.listen, "listen", "127.0.0.1:8081", "TCP `address` to listen on")
	fs.IntVar(&o.poolSize, "pool-size", runtime.GOMAXPROCS(0), "maximum `number` of module instances")
	fs.Int64Var(&o.memoryLimit, "memory-limit", wasm.DefaultMemoryLimit, "memory limit of each instance, in `bytes`")
	fs.DurationVar(&o.callTimeout, "call-timeout", wasm.DefaultCallTimeout, "deadline of each call into the module; 0 for none, which makes verification about 5 times faster but lets a stuck call block its instance")
	logFormat := fs.String("log-format", "text", "log `format`: text or json")
	o.wasm.add(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := o.check(fs.NArg()); err != nil {
		return err
	}
	logger, err := newLogger(*logFormat, stderr)
	if err != nil {
		return err
	}
	return o.run(logger)
}

func (o *edgeOptions) check(nargs int) error {
	switch {
	case nargs != 0:
		return fmt.Errorf("%w: edge takes only options", errUsage)
	case o.config == "":
		return fmt.Errorf("%w: --config FILE is required", errUsage)
	case (o.origin == "") == (o.root == ""):
		return fmt.Errorf("%w: give either --origin URL or --root DIR", errUsage)
	case o.callTimeout < 0:
		return fmt.Errorf("%w: --call-timeout %v is negative; use 0 for none", errUsage, o.callTimeout)
	}
	return nil
}

func (o *edgeOptions) run(logger *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	opts := wasm.Options{MemoryLimit: o.memoryLimit, CallTimeout: o.callTimeout, NoCallTimeout: o.callTimeout == 0}
	rt, err := o.wasm.compile(ctx, opts)
	if err != nil {
		return err
	}
	defer rt.Close(context.Background())
	settings, err := o.loadSettings(ctx, rt, logger)
	if err != nil {
		return err
	}
	gw, err := o.newGateway(settings, logger)
	if err != nil {
		settings.Pool.Close(ctx)
		return err
	}
	go o.reloadOnHangup(ctx, rt, gw, logger)

	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w; free the port or choose another with --listen", o.listen, err)
	}
	logger.Info("edge gateway listening", "address", ln.Addr().String(), "module", o.wasm.module, "pool_size", o.poolSize)
	return serveUntilDone(ctx, &http.Server{Handler: gw, ReadHeaderTimeout: 10 * time.Second}, ln, logger)
}

// loadSettings loads the configuration file and builds the module pool
// and the native verifier from its keys, and the trusted proxies and the
// playlist limit from its other keys.
func (o *edgeOptions) loadSettings(ctx context.Context, rt *wasm.Runtime, logger *slog.Logger) (edge.Settings, error) {
	cfg, err := config.Load(o.config)
	if err != nil {
		return edge.Settings{}, err
	}
	verifier, err := core.NewVerifier(cfg.VerifierConfig())
	if err != nil {
		return edge.Settings{}, err
	}
	pool, err := rt.NewPool(ctx, cfg.VerifierConfig(), o.poolSize)
	if err != nil {
		return edge.Settings{}, err
	}
	logger.Info("configuration loaded", "config", o.config, "trusted_proxies", cfg.TrustedProxies,
		"client_header", cfg.ClientHeader, "max_playlist_bytes", cfg.MaxPlaylistBytes)
	return edge.Settings{
		Pool:             pool,
		Verifier:         verifier,
		Proxies:          server.NewProxyPolicy(cfg),
		MaxPlaylistBytes: cfg.MaxPlaylistBytes,
	}, nil
}

func (o *edgeOptions) newGateway(settings edge.Settings, logger *slog.Logger) (*edge.Gateway, error) {
	cfg := edge.Config{Settings: settings, Logger: logger}
	if o.origin != "" {
		u, err := url.Parse(o.origin)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("%w: invalid --origin %q; write http://host:port", errUsage, o.origin)
		}
		cfg.Origin = u
	} else {
		root, err := os.OpenRoot(o.root)
		if err != nil {
			return nil, fmt.Errorf("cannot open --root: %w", err)
		}
		cfg.Files = server.RootFS(root)
	}
	return edge.New(cfg)
}

// reloadOnHangup reloads the configuration on SIGHUP: the keys, the
// trusted proxies and the playlist limit. A configuration that fails to
// load keeps the old one.
func (o *edgeOptions) reloadOnHangup(ctx context.Context, rt *wasm.Runtime, gw *edge.Gateway, logger *slog.Logger) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		}
		settings, err := o.loadSettings(ctx, rt, logger)
		if err != nil {
			logger.Error("reload failed; keeping the old configuration", "config", o.config, "error", err)
			continue
		}
		gw.Reload(settings).Close(ctx)
		logger.Info("configuration reloaded", "config", o.config)
	}
}

// serveUntilDone serves on ln until ctx is done, then shuts down.
func serveUntilDone(ctx context.Context, srv *http.Server, ln net.Listener, logger *slog.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if err2 := <-errc; !errors.Is(err2, http.ErrServerClosed) {
		err = errors.Join(err, err2)
	}
	logger.Info("stopped")
	return err
}
