// Package wasm runs the signet WebAssembly module (built from ./guest) in
// wazero: it compiles the module once and verifies requests on pools of
// instances.
//
// Each instance gets no file system, no arguments, the environment
// variable GOMEMLIMIT and nothing else, a memory limit, a fake wall clock
// and crypto/rand as its random source. The module never reads the clock
// for a decision; the host passes the current time with every request.
// Every call runs under a deadline, unless Options.NoCallTimeout is set,
// and an instance whose call traps or times out is closed and replaced.
//
// # Deadlines cost time
//
// wazero (v1.12) stops a running call at its deadline only in modules
// compiled with WithCloseOnContextDone, which makes compiled code leave for
// Go at every loop header. The Go compiler's WebAssembly output jumps
// between basic blocks through such a loop, so the check runs at almost
// every branch of the guest, and a verification takes about five times
// as long (docs/benchmarks.md). Options.NoCallTimeout compiles the module
// without the checks: a call then cannot be stopped once it runs, and
// only the length of the URL, which the pool bounds, bounds its work.
package wasm

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// Defaults of Options.
const (
	DefaultMemoryLimit = 64 << 20 // bytes per instance
	DefaultCallTimeout = time.Second
)

// pageSize is the size of a WebAssembly memory page in bytes.
const pageSize = 64 << 10

// Options configures a Runtime. The zero value of every field is its
// default.
type Options struct {
	// CacheDir, when set, is the directory of wazero's on-disk compilation
	// cache, so that a restarted process does not compile the module
	// again. It is created when missing.
	CacheDir string

	// MemoryLimit bounds the linear memory of each instance, in bytes,
	// rounded up to 64 KiB pages. Default DefaultMemoryLimit. The guest's
	// GOMEMLIMIT is set to three quarters of it.
	MemoryLimit int64

	// CallTimeout bounds each call into an instance. Default
	// DefaultCallTimeout.
	CallTimeout time.Duration

	// NoCallTimeout runs calls without a deadline, so that wazero compiles
	// the module without the interrupt checks that a deadline needs and a
	// verification runs about five times faster. A call that loops forever
	// then blocks its goroutine and its instance for good, so set it only
	// for a module built from this repository. CallTimeout is ignored.
	NoCallTimeout bool
}

// Runtime is a compiled module. It is safe for concurrent use.
type Runtime struct {
	opts     Options
	runtime  wazero.Runtime
	cache    wazero.CompilationCache // nil without CacheDir
	compiled wazero.CompiledModule
}

// ReadModule reads a module file. When the file is missing, the error
// names the file and how to build it.
func ReadModule(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("WebAssembly module %s not found; build it with \"make wasm\" or name it with --module", path)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read WebAssembly module: %w", err)
	}
	return b, nil
}

// Compile compiles the module, checks its imports and exports, and returns
// a Runtime that makes instances of it. Call Close when done.
func Compile(ctx context.Context, module []byte, opts Options) (*Runtime, error) {
	opts = withDefaults(opts)
	if opts.MemoryLimit < pageSize || opts.MemoryLimit > 4<<30 {
		return nil, fmt.Errorf("wasm: memory limit %d bytes is out of range; use 64 KiB to 4 GiB", opts.MemoryLimit)
	}
	r := &Runtime{opts: opts}
	config := wazero.NewRuntimeConfig().
		WithMemoryLimitPages(uint32((opts.MemoryLimit + pageSize - 1) / pageSize)).
		// TODO: a verification takes 63 us with the deadline and 13.6 us
		// without, against a goal of 20 us. The cost is wazero's call into
		// Go at every loop header. Check every Nth iteration instead once
		// a wazero release offers that.
		WithCloseOnContextDone(!opts.NoCallTimeout)
	if opts.CacheDir != "" {
		cache, err := wazero.NewCompilationCacheWithDir(opts.CacheDir)
		if err != nil {
			return nil, fmt.Errorf("wasm: compilation cache in %s: %w", opts.CacheDir, err)
		}
		r.cache = cache
		config = config.WithCompilationCache(cache)
	}
	r.runtime = wazero.NewRuntimeWithConfig(ctx, config)
	if err := r.compile(ctx, module); err != nil {
		r.Close(ctx)
		return nil, err
	}
	return r, nil
}

func withDefaults(opts Options) Options {
	if opts.MemoryLimit == 0 {
		opts.MemoryLimit = DefaultMemoryLimit
	}
	if opts.CallTimeout == 0 {
		opts.CallTimeout = DefaultCallTimeout
	}
	return opts
}

func (r *Runtime) compile(ctx context.Context, module []byte) error {
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, r.runtime); err != nil {
		return fmt.Errorf("wasm: WASI: %w", err)
	}
	compiled, err := r.runtime.CompileModule(ctx, module)
	if err != nil {
		return fmt.Errorf("wasm: invalid module: %w; rebuild it with \"make wasm\"", err)
	}
	r.compiled = compiled
	return checkInterface(compiled)
}

// checkInterface checks that the module imports only WASI and exports
// the functions of the ABI.
func checkInterface(m wazero.CompiledModule) error {
	for _, f := range m.ImportedFunctions() {
		if module, name, _ := f.Import(); module != wasi_snapshot_preview1.ModuleName {
			return fmt.Errorf("wasm: the module imports %s.%s; a signet module imports only %s", module, name, wasi_snapshot_preview1.ModuleName)
		}
	}
	exports := m.ExportedFunctions()
	for _, name := range []string{"_initialize", fnVersion, fnAlloc, fnFree, fnConfigure, fnLastError, fnVerify} {
		if _, ok := exports[name]; !ok {
			return fmt.Errorf("wasm: the module does not export %s; build the reactor with \"make wasm\"", name)
		}
	}
	return nil
}

// callContext returns the context of one call: ctx with the call
// deadline, or ctx itself under NoCallTimeout, where wazero ignores
// contexts.
func (r *Runtime) callContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if r.opts.NoCallTimeout {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, r.opts.CallTimeout)
}

// Close releases the compiled module and the runtime, which closes every
// instance of it.
func (r *Runtime) Close(ctx context.Context) error {
	err := r.runtime.Close(ctx)
	if r.cache != nil {
		err = errors.Join(err, r.cache.Close(ctx))
	}
	return err
}
