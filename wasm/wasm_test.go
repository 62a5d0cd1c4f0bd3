package wasm

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signet-media/signet/core"
	"github.com/signet-media/signet/internal/vectors"
)

const vectorFile = "../core/testdata/opencast-compat.json"

var testKeys = []core.Key{{ID: "demoKeyOne", Secret: "6EDB5EDDCF994B7432C371D7C274F", URLs: []string{"https://media.example.org/"}}}

// signTest signs a URL for the test key, valid until now plus lifetime.
func signTest(t testing.TB, rawURL string, now time.Time, lifetime time.Duration) string {
	t.Helper()
	signer, err := core.NewSigner(core.SignerConfig{Keys: testKeys})
	if err != nil {
		t.Fatal(err)
	}
	signed, err := signer.Sign(core.SignRequest{URL: rawURL, ValidUntil: now.Add(lifetime), IP: "192.168.1.20"})
	if err != nil {
		t.Fatal(err)
	}
	return signed.URL
}

// TestVectorsMatchNative runs every vector case through the module, with
// and without the call deadline, and compares each result with the native
// core's.
func TestVectorsMatchNative(t *testing.T) {
	f, err := vectors.Load(vectorFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, opts := range []Options{{}, {NoCallTimeout: true}} {
		t.Run(fmt.Sprintf("NoCallTimeout=%t", opts.NoCallTimeout), func(t *testing.T) {
			engine := NewVectorEngine(testRuntime(t, opts))
			defer engine.Close()
			for i := range f.Cases {
				c := &f.Cases[i]
				t.Run(c.ID, func(t *testing.T) {
					got := vectors.Run(engine, c)
					want := vectors.Run(vectors.Native{}, c)
					if got.Actual != want.Actual {
						t.Errorf("wasm answered %s, native %s", got.Actual, want.Actual)
					}
					if !got.Passed {
						t.Errorf("expected %s, wasm answered %s", got.Expected, got.Actual)
					}
				})
			}
			if engine.Verified == 0 || engine.Signed == 0 {
				t.Errorf("engine ran %d verify and %d sign cases; expected both kinds", engine.Verified, engine.Signed)
			}
		})
	}
}

func TestModuleImportsOnlyWASI(t *testing.T) {
	rt := testRuntime(t, Options{})
	for _, f := range rt.compiled.ImportedFunctions() {
		if module, name, _ := f.Import(); module != "wasi_snapshot_preview1" {
			t.Errorf("import %s.%s", module, name)
		}
	}
}

func TestPoolVerifyResult(t *testing.T) {
	rt := testRuntime(t, Options{})
	ctx := context.Background()
	pool, err := rt.NewPool(ctx, core.VerifierConfig{Keys: testKeys}, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close(ctx)
	now := time.UnixMilli(1767225600000)
	u := signTest(t, "https://media.example.org/engage/a.mp4", now, time.Hour)
	client := netip.MustParseAddr("192.168.1.20")

	r, err := pool.Verify(ctx, u, client, now)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != 200 || r.Reason != core.ReasonOK {
		t.Errorf("Verify = %d %s, expected 200 ok", r.Status, r.Reason)
	}
	if r.KeyID != "demoKeyOne" {
		t.Errorf("KeyID = %q, expected demoKeyOne", r.KeyID)
	}
	if !r.ValidUntil.Equal(now.Add(time.Hour)) {
		t.Errorf("ValidUntil = %v, expected %v", r.ValidUntil, now.Add(time.Hour))
	}
	r, err = pool.Verify(ctx, u, client, now.Add(2*time.Hour))
	if err != nil || r.Status != 410 || r.Reason != core.ReasonExpired {
		t.Errorf("Verify later = %d %s, %v; expected 410 expired", r.Status, r.Reason, err)
	}
}

func TestPoolRejectsConfiguration(t *testing.T) {
	rt := testRuntime(t, Options{})
	_, err := rt.NewPool(context.Background(), core.VerifierConfig{Keys: []core.Key{{ID: "k"}}}, 1)
	if err == nil {
		t.Fatal("NewPool with an empty secret succeeded")
	}
	if want := `core: key "k" has an empty secret`; !contains(err.Error(), want) {
		t.Errorf("error %q does not contain %q", err, want)
	}
}

// TestPoolReplacesTrappedInstance makes the guest write out of bounds,
// which traps, and checks that the next call gets a new instance.
func TestPoolReplacesTrappedInstance(t *testing.T) {
	rt := testRuntime(t, Options{})
	ctx := context.Background()
	pool, err := rt.NewPool(ctx, core.VerifierConfig{Keys: testKeys}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close(ctx)

	err = pool.call(ctx, func(ctx context.Context, in *instance) error {
		s := in.stack[:]
		s[0], s[1], s[2], s[3], s[4], s[5] = 0, 0, 0, 0, 0, 0xfffffff0 // result record out of bounds
		if err := in.verify.CallWithStack(ctx, s); err != nil {
			return in.callError(fnVerify, err)
		}
		return nil
	})
	var trap *TrapError
	if !errors.As(err, &trap) {
		t.Fatalf("call = %v; expected a TrapError", err)
	}
	if st := pool.Stats(); st.Discarded != 1 || st.Live != 0 {
		t.Errorf("after the trap: %+v; expected 1 discarded, 0 live", st)
	}

	now := time.UnixMilli(1767225600000)
	u := signTest(t, "https://media.example.org/engage/a.mp4", now, time.Hour)
	r, err := pool.Verify(ctx, u, netip.MustParseAddr("192.168.1.20"), now)
	if err != nil || !r.OK() {
		t.Fatalf("Verify after the trap = %d %s, %v; expected 200 ok", r.Status, r.Reason, err)
	}
	if st := pool.Stats(); st.Created != 2 || st.Live != 1 {
		t.Errorf("after the replacement: %+v; expected 2 created, 1 live", st)
	}
}

// TestPoolDeadline cuts a call off at its deadline and checks that the
// instance is discarded.
func TestPoolDeadline(t *testing.T) {
	rt := testRuntime(t, Options{})
	ctx := context.Background()
	pool, err := rt.NewPool(ctx, core.VerifierConfig{Keys: testKeys}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close(ctx)
	rt.opts.CallTimeout = time.Nanosecond

	_, err = pool.Verify(ctx, "https://media.example.org/a.mp4", netip.Addr{}, time.Now())
	var trap *TrapError
	if !errors.As(err, &trap) {
		t.Fatalf("Verify = %v; expected a TrapError", err)
	}
	if st := pool.Stats(); st.Discarded != 1 {
		t.Errorf("stats %+v; expected 1 discarded", st)
	}
}

// TestPoolBounds runs many concurrent verifications on a pool of two and
// checks that no more than two instances ever exist.
func TestPoolBounds(t *testing.T) {
	rt := testRuntime(t, Options{})
	ctx := context.Background()
	pool, err := rt.NewPool(ctx, core.VerifierConfig{Keys: testKeys}, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close(ctx)
	now := time.UnixMilli(1767225600000)
	u := signTest(t, "https://media.example.org/engage/a.mp4", now, time.Hour)
	client := netip.MustParseAddr("192.168.1.20")

	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Go(func() {
			for range 20 {
				r, err := pool.Verify(ctx, u, client, now)
				if err == nil && !r.OK() {
					err = errors.New("verification failed: " + string(r.Reason))
				}
				if err != nil {
					errs <- err
					return
				}
				if live := pool.Stats().Live; live > 2 {
					errs <- errors.New("more than 2 live instances")
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if st := pool.Stats(); st.Created > 2 {
		t.Errorf("stats %+v; expected at most 2 instances created", st)
	}
}

func TestPoolClosed(t *testing.T) {
	rt := testRuntime(t, Options{})
	ctx := context.Background()
	pool, err := rt.NewPool(ctx, core.VerifierConfig{Keys: testKeys}, 1)
	if err != nil {
		t.Fatal(err)
	}
	pool.Close(ctx)
	if _, err := pool.Verify(ctx, "/a", netip.Addr{}, time.Now()); !errors.Is(err, ErrPoolClosed) {
		t.Errorf("Verify after Close = %v; expected ErrPoolClosed", err)
	}
}

func TestReadModuleMissing(t *testing.T) {
	_, err := ReadModule("/nonexistent/signet.wasm")
	if err == nil || !contains(err.Error(), "make wasm") {
		t.Errorf("ReadModule = %v; expected an error that names make wasm", err)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
