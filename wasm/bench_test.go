package wasm

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/signet-media/signet/core"
)

// BenchmarkVerifyWasm verifies the URL of core's BenchmarkVerify on a pool
// of one instance, with the call deadline and without it.
func BenchmarkVerifyWasm(b *testing.B) {
	for _, mode := range []struct {
		name string
		opts Options
	}{
		{"deadline", Options{}},
		{"no-deadline", Options{NoCallTimeout: true}},
	} {
		b.Run(mode.name, func(b *testing.B) { benchmarkVerify(b, mode.opts) })
	}
}

func benchmarkVerify(b *testing.B, opts Options) {
	rt := testRuntime(b, opts)
	ctx := context.Background()
	pool, err := rt.NewPool(ctx, core.VerifierConfig{Keys: testKeys}, 1)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close(ctx)
	now := time.UnixMilli(1767225600000)
	u := signTest(b, "https://media.example.org/engage/4f6c2a9e-1b2c-4d5e-8f90-123456789abc/presenter/video.mp4", now, 2*time.Hour)
	client := netip.MustParseAddr("192.168.1.20")
	if r, err := pool.Verify(ctx, u, client, now); err != nil || !r.OK() {
		b.Fatalf("Verify = %d %s, %v; expected 200 ok", r.Status, r.Reason, err)
	}
	b.ReportAllocs()
	for b.Loop() {
		pool.Verify(ctx, u, client, now)
	}
}

// BenchmarkCompile compiles the module without a cache.
func BenchmarkCompile(b *testing.B) {
	module, err := buildModule()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for b.Loop() {
		rt, err := Compile(ctx, module, Options{})
		if err != nil {
			b.Fatal(err)
		}
		rt.Close(ctx)
	}
}

// BenchmarkCompileCached compiles the module from a warm on-disk cache.
func BenchmarkCompileCached(b *testing.B) {
	module, err := buildModule()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	dir := b.TempDir()
	rt, err := Compile(ctx, module, Options{CacheDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	rt.Close(ctx)
	for b.Loop() {
		rt, err := Compile(ctx, module, Options{CacheDir: dir})
		if err != nil {
			b.Fatal(err)
		}
		rt.Close(ctx)
	}
}

// BenchmarkInstantiate makes and configures one instance, and reports the
// size of its linear memory afterwards.
func BenchmarkInstantiate(b *testing.B) {
	rt := testRuntime(b, Options{})
	ctx := context.Background()
	config := core.VerifierConfig{Keys: testKeys}
	var memBytes uint32
	for b.Loop() {
		pool, err := rt.NewPool(ctx, config, 1)
		if err != nil {
			b.Fatal(err)
		}
		in := <-pool.idle
		memBytes = in.mem.Size()
		pool.idle <- in
		pool.Close(ctx)
	}
	b.ReportMetric(float64(memBytes)/(1<<20), "MiB/instance")
}
