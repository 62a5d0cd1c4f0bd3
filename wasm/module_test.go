package wasm

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// buildModule builds the reactor module once per test binary, so that the
// tests need no earlier "make wasm".
var buildModule = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "signet-wasm")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "signet.wasm")
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-trimpath", "-ldflags=-s -w", "-o", out, "./guest")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build ./guest: %v\n%s", err, b)
	}
	return os.ReadFile(out)
})

// testCacheDir is the compilation cache that the tests share, so that the
// module is compiled once per test binary.
var testCacheDir = sync.OnceValues(func() (string, error) {
	return os.MkdirTemp("", "signet-wasm-cache")
})

// testRuntime compiles the module with opts and closes it after the test.
// Without opts.CacheDir it uses the shared test cache.
func testRuntime(t testing.TB, opts Options) *Runtime {
	t.Helper()
	module, err := buildModule()
	if err != nil {
		t.Fatal(err)
	}
	if opts.CacheDir == "" {
		if opts.CacheDir, err = testCacheDir(); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	rt, err := Compile(ctx, module, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close(ctx) })
	return rt
}
