package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"syscall"

	"github.com/signet-media/signet"
	"github.com/signet-media/signet/config"
	"github.com/signet-media/signet/demo"
	"github.com/signet-media/signet/server"
)

// demoHLSScript is hls.js as npm installs it for the JavaScript client.
// The demo offers it to the player page when it runs from the repository,
// so that browsers without native HLS play the HLS sample.
const demoHLSScript = "jsclient/node_modules/hls.js/dist/hls.min.js"

func runServe(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", "[--config FILE]... [--listen ADDRESS] [--log-format text|json]", stderr)
	var configs stringList
	fs.Var(&configs, "config", "configuration `FILE` (repeatable); without one, serve the built-in demo")
	listen := fs.String("listen", "", "TCP `address` to listen on, overriding the configuration (default 127.0.0.1:8080)")
	logFormat := fs.String("log-format", "text", "log `format`: text or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("%w: unexpected argument %q; serve takes only options", errUsage, fs.Arg(0))
	}
	if *listen != "" {
		if err := config.CheckListen(*listen); err != nil {
			return fmt.Errorf("%w: --listen: %v", errUsage, err)
		}
	}
	logger, err := newLogger(*logFormat, stderr)
	if err != nil {
		return err
	}

	cfg, err := serveConfig(configs, *listen, stdout)
	if err != nil {
		return err
	}
	// The first call returns the configuration loaded above. The demo
	// configuration is never reloaded, because each one has a new key.
	first := cfg
	load := func() (*config.Config, error) {
		if first != nil || len(configs) == 0 {
			loaded := cfg
			first = nil
			return loaded, nil
		}
		return serveConfig(configs, *listen, io.Discard)
	}
	opts := append([]server.Option(nil), benchmarkOptions...)
	srv, err := server.NewReloader(load, logger, opts...)
	if err != nil {
		return err
	}
	listenAddr := srv.Current().Config().Listen
	ln, err := net.Listen("tcp", listenAddr)
	if err != nil {
		return listenError(listenAddr, listenOrigin(*listen, cfg), err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go reloadOnSIGHUP(ctx, srv)
	go srv.Watch(ctx)
	return srv.Serve(ctx, ln)
}

// listenSetting is the origin of the listen address, for errors.
type listenSetting struct {
	prefix   string // the setting at fault, such as "signet.conf:3: listen: "
	changeAt string // the places to set another address, such as "with --listen"
}

// listenOrigin returns where the listen address of cfg came from: the
// --listen option when flagValue is set, else the listen setting of the
// configuration, else the default.
func listenOrigin(flagValue string, cfg *config.Config) listenSetting {
	switch {
	case flagValue != "":
		return listenSetting{"--listen: ", "with --listen"}
	case cfg.ListenAt != "":
		return listenSetting{cfg.ListenAt + ": listen: ", "in this setting or with --listen"}
	}
	return listenSetting{"", "with --listen or the listen setting"}
}

// listenError returns the error for a failed listen on addr, with the
// setting that gave addr, the cause and the fix.
func listenError(addr string, origin listenSetting, err error) error {
	var cause, fix string
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		cause = " (another program listens on this port)"
		fix = "stop it, or choose another port " + origin.changeAt
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		cause = " (the host is not an address of this machine)"
		fix = "give one of its addresses " + origin.changeAt + ", such as 127.0.0.1 for local clients or 0.0.0.0 for all"
	case errors.Is(err, syscall.EACCES):
		cause = " (ports below 1024 need privileges)"
		fix = "choose a port from 1024 " + origin.changeAt + ", or grant the capability CAP_NET_BIND_SERVICE"
	default:
		fix = "give host:port with a host of this machine " + origin.changeAt + ", such as 127.0.0.1:8080"
	}
	// The *net.OpError repeats the address, so only its cause is kept.
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		err = opErr.Err
	}
	return fmt.Errorf("%scannot listen on %s: %w%s; %s", origin.prefix, addr, err, cause, fix)
}

// reloadOnSIGHUP reloads the configuration on every SIGHUP until ctx is
// done. Reload logs its own errors.
func reloadOnSIGHUP(ctx context.Context, srv *server.Reloader) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			srv.Reload("SIGHUP")
		}
	}
}

// benchmarkOptions are server options that only benchmark builds (build
// tag signet_benchmark) set.
var benchmarkOptions []server.Option

// serveConfig loads the configuration files, or creates the demo
// configuration and prints how to use it.
func serveConfig(paths []string, listen string, stdout io.Writer) (*config.Config, error) {
	if len(paths) > 0 {
		cfg, err := config.Load(paths...)
		if err != nil {
			return nil, err
		}
		if listen != "" {
			cfg.Listen, cfg.ListenAt = listen, ""
		}
		return cfg, nil
	}
	cfg, password, err := config.NewDemo(config.DemoOptions{Listen: listen, MediaFS: demo.Media()})
	if err != nil {
		return nil, err
	}
	hlsFile := ""
	if _, err := os.Stat(demoHLSScript); err == nil {
		hlsFile = demoHLSScript
	}
	cfg.PlayerFS = signet.PlayerFS(hlsFile)
	printDemoHelp(stdout, cfg, password)
	return cfg, nil
}

func printDemoHelp(w io.Writer, cfg *config.Config, password string) {
	base := "http://" + cfg.Listen
	fmt.Fprintf(w, `signet demo: no --config given, so a fresh demo key and user were made.

  user:      %s
  password:  %s   (printed only now)
  media:     %s%ssample.mp4 and sample.webm (unsigned requests get 401)

Sign a URL and fetch it:

  curl -s -u %s:%s -d url=%s%ssample.mp4 %s/api/security/sign

`, config.DemoUser, password, base, cfg.MediaPath,
		config.DemoUser, password, base, cfg.MediaPath, base)
	if cfg.PlayerFS != nil || cfg.PlayerDir != "" {
		fmt.Fprintf(w, "Player page: %s/player/\n\n", base)
	}
	if !loopbackListen(cfg.Listen) {
		fmt.Fprintf(w, "Warning: the demo listens on %s, which is not a loopback address, so anyone who can reach it\n"+
			"and has the password above may sign URLs of the demo media. To serve your own configuration, give --config FILE.\n\n",
			cfg.Listen)
	}
}

// loopbackListen reports whether a listen address names a loopback host.
// An empty host, which listens on every address, is not one.
func loopbackListen(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

func newLogger(format string, w io.Writer) (*slog.Logger, error) {
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, nil)), nil
	}
	return nil, fmt.Errorf("%w: --log-format %q; expected text or json", errUsage, format)
}
