package server

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/signet-media/signet/config"
)

// Reloader serves the Server of the current configuration and replaces it
// when the configuration is reloaded. Each request runs on the Server that
// was current when it arrived, so a reload never fails or mixes up a
// request in flight. A configuration that fails to load or to build is
// logged and counted, and the current Server keeps serving. It is safe
// for concurrent use.
type Reloader struct {
	load    func() (*config.Config, error)
	logger  *slog.Logger
	opts    []Option
	metrics *Metrics
	current atomic.Pointer[Server]
	handler http.Handler

	mu     sync.Mutex           // serializes reloads
	stamps map[string]fileStamp // of the configuration files, at the last attempt
}

// fileStamp identifies the version of a file by modification time and
// size.
type fileStamp struct {
	modTime time.Time
	size    int64
	missing bool
}

// NewReloader loads the first configuration with load and builds its
// Server with New(cfg, logger, opts...). Every reload calls load again.
// All Servers count into the Metrics given with WithMetrics, or into a
// new Metrics.
func NewReloader(load func() (*config.Config, error), logger *slog.Logger, opts ...Option) (*Reloader, error) {
	if logger == nil {
		logger = slog.Default()
	}
	r := &Reloader{load: load, logger: logger}
	// The options are applied to a scratch Server to find WithMetrics.
	probe := &Server{}
	for _, opt := range opts {
		opt(probe)
	}
	r.metrics = probe.metrics
	if r.metrics == nil {
		r.metrics = NewMetrics()
	}
	// Failed logins are counted across reloads too, so that a reload
	// does not give an attacker a fresh allowance.
	r.opts = append(opts, WithMetrics(r.metrics), withFailureLimiter(newFailureLimiter()))

	cfg, err := load()
	if err != nil {
		return nil, err
	}
	srv, err := New(cfg, logger, r.opts...)
	if err != nil {
		return nil, err
	}
	r.stamps = stampNew(nil, cfg.Sources)
	r.current.Store(srv)
	r.metrics.lastReload.SetToCurrentTime()
	r.handler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.current.Load().handler.ServeHTTP(w, req)
	})
	return r, nil
}

// Current returns the Server that serves new requests.
func (r *Reloader) Current() *Server {
	return r.current.Load()
}

// Handler returns the handler that passes each request to the current
// Server.
func (r *Reloader) Handler() http.Handler {
	return r.handler
}

// Metrics returns the metrics that every Server of r counts into.
func (r *Reloader) Metrics() *Metrics {
	return r.metrics
}

// Serve serves HTTP on ln until ctx is done, as Server.Serve does, with
// the current Server for each request.
func (r *Reloader) Serve(ctx context.Context, ln net.Listener) error {
	return serve(ctx, ln, r.handler, r.logger)
}

// Reload loads the configuration and, when it loads and builds, makes
// its Server current. trigger names the cause for the log, such as
// "SIGHUP". On error the current Server stays, and the error is logged
// and returned.
func (r *Reloader) Reload(trigger string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.Current()
	stamps := stampFiles(old.cfg.Sources)
	err := r.reload(old)
	r.stamps = stamps
	if err != nil {
		r.metrics.observeReload(false, time.Now())
		r.logger.Error("configuration reload failed; the previous configuration keeps serving",
			"trigger", trigger, "error", err)
		return err
	}
	r.stamps = stampNew(stamps, r.Current().cfg.Sources)
	r.metrics.observeReload(true, time.Now())
	r.logger.Info("configuration reloaded", "trigger", trigger, "sources", r.Current().cfg.Sources)
	return nil
}

func (r *Reloader) reload(old *Server) error {
	cfg, err := r.load()
	if err != nil {
		return err
	}
	srv, err := New(cfg, r.logger, append(slices.Clip(r.opts), withRootsOf(old))...)
	if err != nil {
		return err
	}
	if srv.cfg.Listen != old.cfg.Listen {
		r.logger.Warn("the listen address changed, which takes effect only after a restart",
			"listening", old.cfg.Listen, "configured", srv.cfg.Listen)
		srv.cfg.Listen = old.cfg.Listen
	}
	r.current.Store(srv)
	old.retire(srv)
	return nil
}

// Watch checks the configuration files for changes of modification time
// or size, at the interval of the current configuration's
// ReloadInterval, and reloads when one has changed, until ctx is done.
// With an interval of zero it only waits for one to be set.
func (r *Reloader) Watch(ctx context.Context) {
	for {
		interval := r.Current().cfg.ReloadInterval
		enabled := interval > 0
		if !enabled {
			interval = time.Second
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
		if enabled && r.changed() {
			r.Reload("file change")
		}
	}
}

// changed reports whether a configuration file differs from its stamp.
func (r *Reloader) changed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for path, stamp := range r.stamps {
		if stampFile(path) != stamp {
			return true
		}
	}
	return false
}

// stampFiles returns the stamps of the files at paths.
func stampFiles(paths []string) map[string]fileStamp {
	stamps := make(map[string]fileStamp, len(paths))
	for _, path := range paths {
		stamps[path] = stampFile(path)
	}
	return stamps
}

// stampNew returns stamps with the stamps of the paths that it lacks
// added, taken now. Files stamped before a load keep their earlier stamp,
// so that a change during the load is seen at the next check.
func stampNew(stamps map[string]fileStamp, paths []string) map[string]fileStamp {
	result := make(map[string]fileStamp, len(paths))
	for _, path := range paths {
		stamp, ok := stamps[path]
		if !ok {
			stamp = stampFile(path)
		}
		result[path] = stamp
	}
	return result
}

func stampFile(path string) fileStamp {
	info, err := os.Stat(path)
	if err != nil {
		return fileStamp{missing: true}
	}
	return fileStamp{modTime: info.ModTime(), size: info.Size()}
}
