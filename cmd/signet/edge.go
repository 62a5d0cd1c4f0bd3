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
	"strings"
	"syscall"
	"time"

	"github.com/tetratelabs/wazero"

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
	fs.StringVar(&o.origin, "origin", "", "origin `URL` that verified requests are proxied to, as http://host:port; a path in it prefixes each request's path")
	fs.StringVar(&o.root, "root", "", "`directory` that verified requests are served from")
	fs.StringVar(&o.listen, "listen", "", "TCP `address` to listen on, overriding the configuration's listen (default "+defaultEdgeListen+")")
	fs.IntVar(&o.poolSize, "pool-size", runtime.GOMAXPROCS(0), "maximum `number` of module instances")
	fs.Int64Var(&o.memoryLimit, "memory-limit", wasm.DefaultMemoryLimit, "memory limit of each instance, in `bytes`")
	fs.DurationVar(&o.callTimeout, "call-timeout", wasm.DefaultCallTimeout, "deadline of each call into the module, the start of an instance included; 0 for none, which makes verification about 5 times faster but lets a stuck call block its instance")
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
	case o.poolSize < 1:
		return fmt.Errorf("%w: --pool-size %d is not a positive number of instances; give 1 or more, such as the "+
			"default, the number of CPUs (%d)", errUsage, o.poolSize, runtime.GOMAXPROCS(0))
	case o.callTimeout < 0:
		return fmt.Errorf("%w: --call-timeout %v is negative; use 0 for none", errUsage, o.callTimeout)
	case o.memoryLimit <= 0:
		return fmt.Errorf("%w: --memory-limit %d is not a positive number of bytes; give the memory limit of each instance "+
			"in bytes, such as the default %d", errUsage, o.memoryLimit, wasm.DefaultMemoryLimit)
	case o.memoryLimit > maxMemoryLimit:
		return fmt.Errorf("%w: --memory-limit %d bytes is more than the %d bytes (4 GiB) that a WebAssembly memory can hold; "+
			"give at most %d bytes; the default is %d", errUsage, o.memoryLimit, int64(maxMemoryLimit), int64(maxMemoryLimit),
			wasm.DefaultMemoryLimit)
	}
	if o.listen != "" {
		if err := config.CheckListen(o.listen); err != nil {
			return fmt.Errorf("%w: --listen: %v", errUsage, err)
		}
	}
	return nil
}

// defaultEdgeListen is the address of signet edge when neither --listen
// nor the configuration names one. It differs from the default of signet
// serve, so that both can run on one machine with a configuration file
// that has no listen setting.
const defaultEdgeListen = "127.0.0.1:8081"

// listenAddress returns the address to listen on: that of --listen, else
// that of the configuration's listen setting, else defaultEdgeListen.
func (o *edgeOptions) listenAddress(cfg *config.Config) string {
	switch {
	case o.listen != "":
		return o.listen
	case cfg.ListenAt != "":
		return cfg.Listen
	}
	return defaultEdgeListen
}

func (o *edgeOptions) run(logger *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	opts := wasm.Options{MemoryLimit: o.memoryLimit, CallTimeout: o.callTimeout, NoCallTimeout: o.callTimeout == 0}
	rt, err := o.wasm.compile(ctx, opts)
	if err != nil {
		return o.compileError(ctx, err)
	}
	defer rt.Close(context.Background())
	cfg, settings, err := o.loadSettings(ctx, rt, logger)
	if err != nil {
		return err
	}
	gw, err := o.newGateway(settings, logger)
	if err != nil {
		settings.Pool.Close(ctx)
		return err
	}

	// CORS comes from the configuration at start; a reload does not
	// change it.
	handler, err := server.CORSHandler(cfg.CORS, gw)
	if err != nil {
		return err
	}
	addr := o.listenAddress(cfg)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return listenError(addr, listenOrigin(o.listen, cfg), err)
	}
	go o.reloadOnHangup(ctx, rt, gw, addr, logger)
	logger.Info("edge gateway listening", "address", ln.Addr().String(), "module", o.wasm.module, "pool_size", o.poolSize)
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: edgeMaxHeaderBytes}
	return serveUntilDone(ctx, srv, ln, logger)
}

// edgeMaxHeaderBytes bounds the request line and headers that the HTTP
// server reads. It leaves room for the longest target that
// limits.max-url-bytes allows, so that a reload may raise the setting.
// On top of that come 32 KiB of headers, as signet serve grants them.
const edgeMaxHeaderBytes = config.MaxURLBytesLimit + 32<<10

// loadSettings loads the configuration file and builds the module pool
// and the native verifier from its keys, and the trusted proxies and the
// limits of playlists and request targets from its other keys.
func (o *edgeOptions) loadSettings(ctx context.Context, rt *wasm.Runtime, logger *slog.Logger) (*config.Config, edge.Settings, error) {
	cfg, err := config.Load(o.config)
	if err != nil {
		return nil, edge.Settings{}, err
	}
	verifier, err := core.NewVerifier(cfg.VerifierConfig())
	if err != nil {
		return nil, edge.Settings{}, err
	}
	pool, err := rt.NewPool(ctx, cfg.VerifierConfig(), o.poolSize)
	if err != nil {
		return nil, edge.Settings{}, o.instanceError(ctx, cfg.VerifierConfig(), err)
	}
	logger.Info("configuration loaded", "config", o.config, "trusted_proxies", cfg.TrustedProxies,
		"client_header", cfg.ClientHeader, "max_playlist_bytes", cfg.MaxPlaylistBytes, "max_url_bytes", cfg.MaxURLBytes)
	return cfg, edge.Settings{
		Pool:             pool,
		Verifier:         verifier,
		Proxies:          server.NewProxyPolicy(cfg),
		MaxPlaylistBytes: cfg.MaxPlaylistBytes,
		MaxURLBytes:      cfg.MaxURLBytes,
	}, nil
}

// compileError explains an error of compiling the module. wazero rejects
// a module that defines more initial memory than --memory-limit allows
// as invalid, and the wasm package then advises a rebuild, but the fix is
// a higher --memory-limit.
func (o *edgeOptions) compileError(ctx context.Context, err error) error {
	pages, ok := moduleMemoryPages(ctx, o.wasm.module)
	limitPages := (o.memoryLimit + wasmPageSize - 1) / wasmPageSize
	if !ok || int64(pages) <= limitPages {
		return err
	}
	return fmt.Errorf("--memory-limit %d bytes is less than the %d bytes of memory that the module %s starts with; "+
		"raise --memory-limit, for example to the default %d", o.memoryLimit, int64(pages)*wasmPageSize, o.wasm.module,
		wasm.DefaultMemoryLimit)
}

// wasmPageSize is the size of a WebAssembly memory page in bytes.
const wasmPageSize = 64 << 10

// maxMemoryLimit is the highest --memory-limit: 65536 pages, the most
// that the 32-bit addresses of a WebAssembly memory reach.
const maxMemoryLimit = 4 << 30

// moduleMemoryPages returns the initial size, in pages, of the memory
// that the module file at path exports, or false when it cannot tell. It
// compiles the module with wazero's interpreter, which compiles faster
// than wazero's compiler and has no memory limit below the 4 GiB of
// WebAssembly.
func moduleMemoryPages(ctx context.Context, path string) (uint32, bool) {
	module, err := wasm.ReadModule(path)
	if err != nil {
		return 0, false
	}
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer rt.Close(ctx)
	compiled, err := rt.CompileModule(ctx, module)
	if err != nil {
		return 0, false
	}
	for _, memory := range compiled.ExportedMemories() {
		return memory.Min(), true
	}
	return 0, false
}

// instanceError explains an error of making the first instance of the
// module, which runs the module's initialization and configuration with
// the verifier configuration vc.
//
// The call deadline bounds this work as it bounds a verification,
// because the pool also makes instances while it serves requests, and a
// hung initialization would otherwise block a request and hold a slot of
// the pool for good. A deadline too short for it is reported as such.
//
// An instance that runs out of memory is reported without err, whose
// text holds a stack trace of wazero and the guest's stderr, more than
// a hundred lines that only repeat that the memory ran out.
func (o *edgeOptions) instanceError(ctx context.Context, vc core.VerifierConfig, err error) error {
	switch {
	case o.callTimeout > 0 && errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("--call-timeout %v is too short to start an instance of the module, whose initialization "+
			"runs under the same deadline as each verification; give a longer --call-timeout, such as the default %v, "+
			"or 0 for none: %w", o.callTimeout, wasm.DefaultCallTimeout, err)
	case isOutOfMemory(err) || o.startsWithDefaultMemory(ctx, vc):
		return fmt.Errorf("the module ran out of memory under --memory-limit %d bytes; raise --memory-limit, "+
			"for example to the default %d", o.memoryLimit, wasm.DefaultMemoryLimit)
	}
	return err
}

// isOutOfMemory reports whether err contains the guest's stderr of a Go
// runtime that could not allocate memory. The fatal errors of the Go 1.26
// runtime contain "out of memory" or "cannot allocate memory".
//
// The Go runtime prints these words before the stacks of all goroutines,
// but the wasm package keeps only the last 4 KiB of the guest's stderr.
// So the words may be missing, and startsWithDefaultMemory then decides.
func isOutOfMemory(err error) bool {
	message := err.Error()
	return strings.Contains(message, "out of memory") || strings.Contains(message, "cannot allocate memory")
}

// startsWithDefaultMemory reports whether an instance of the module, which
// failed to start under a --memory-limit below the default, starts under
// the default limit with the same verifier configuration vc and call
// deadline. If it does, the memory limit caused the failure.
func (o *edgeOptions) startsWithDefaultMemory(ctx context.Context, vc core.VerifierConfig) bool {
	if o.memoryLimit >= wasm.DefaultMemoryLimit {
		return false
	}
	opts := wasm.Options{MemoryLimit: wasm.DefaultMemoryLimit, CallTimeout: o.callTimeout, NoCallTimeout: o.callTimeout == 0}
	rt, err := o.wasm.compile(ctx, opts)
	if err != nil {
		return false
	}
	defer rt.Close(ctx)
	pool, err := rt.NewPool(ctx, vc, 1)
	if err != nil {
		return false
	}
	pool.Close(ctx)
	return true
}

func (o *edgeOptions) newGateway(settings edge.Settings, logger *slog.Logger) (*edge.Gateway, error) {
	cfg := edge.Config{Settings: settings, Logger: logger}
	if o.origin != "" {
		u, err := url.Parse(o.origin)
		switch {
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			return nil, fmt.Errorf("%w: invalid --origin %q; write http://host:port", errUsage, core.WithoutUserInfo(o.origin))
		case u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
			return nil, fmt.Errorf("%w: invalid --origin %q: an origin has no user information, query or fragment; "+
				"write http://host:port, optionally with a path that prefixes every request's path", errUsage,
				core.WithoutUserInfo(o.origin))
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
// trusted proxies and the limits of playlists and request targets. A
// configuration that fails to load keeps the old one. A new listen
// address takes effect only after a restart, so it is logged and
// ignored. listening is the address in use.
func (o *edgeOptions) reloadOnHangup(ctx context.Context, rt *wasm.Runtime, gw *edge.Gateway, listening string, logger *slog.Logger) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		}
		cfg, settings, err := o.loadSettings(ctx, rt, logger)
		if err != nil {
			logger.Error("reload failed; keeping the old configuration", "config", o.config, "error", err)
			continue
		}
		if configured := o.listenAddress(cfg); configured != listening {
			logger.Warn("the listen address changed, which takes effect only after a restart",
				"listening", listening, "configured", configured)
		}
		// The gateway closes the old pool when the requests that
		// read the old settings have called it.
		gw.Reload(settings)
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
