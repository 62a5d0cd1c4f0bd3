package main

import (
	"context"
	"flag"
	"os"
	"path/filepath"

	"github.com/signet-media/signet/wasm"
)

// wasmFlags are the options of the commands that run the WebAssembly
// module.
type wasmFlags struct {
	module   string
	cacheDir string
}

// add registers the flags on fs.
func (f *wasmFlags) add(fs *flag.FlagSet) {
	fs.StringVar(&f.module, "module", defaultModulePath(), "WebAssembly module `FILE`, built by \"make wasm\"")
	fs.StringVar(&f.cacheDir, "cache-dir", defaultCacheDir(), "`directory` of the compilation cache; empty for none")
}

// compile reads and compiles the module.
func (f *wasmFlags) compile(ctx context.Context, opts wasm.Options) (*wasm.Runtime, error) {
	module, err := wasm.ReadModule(f.module)
	if err != nil {
		return nil, err
	}
	opts.CacheDir = f.cacheDir
	return wasm.Compile(ctx, module, opts)
}

// defaultModulePath returns signet.wasm in the directory of the running
// binary, where "make wasm" puts it beside bin/signet.
func defaultModulePath() string {
	exe, err := os.Executable()
	if err != nil {
		return "signet.wasm"
	}
	return filepath.Join(filepath.Dir(exe), "signet.wasm")
}

// defaultCacheDir returns signet/wazero in the user's cache directory, or
// nothing when there is none.
func defaultCacheDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "signet", "wazero")
}
