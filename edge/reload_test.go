package edge

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signet-media/signet/core"
	"github.com/signet-media/signet/wasm"
)

// newReloadPool returns a pool of the module with the test key. The test
// does not close it, because the gateway closes it after a reload.
func newReloadPool(t *testing.T) *wasm.Pool {
	t.Helper()
	rt, err := testRuntime()
	if err != nil {
		t.Fatal(err)
	}
	pool, err := rt.NewPool(context.Background(), core.VerifierConfig{Keys: testKeys, NonStrict: true}, 2)
	if err != nil {
		t.Fatal(err)
	}
	return pool
}

// TestGatewayReloadKeepsPoolOfRequest checks that a reload closes the old
// pool only when the last request that read the old settings releases
// them.
func TestGatewayReloadKeepsPoolOfRequest(t *testing.T) {
	gw, _ := newLimitGateway(t, 0)
	s := gw.acquire()
	gw.Reload(Settings{Pool: newTestPool(t)})

	ctx := context.Background()
	client := netip.MustParseAddr("127.0.0.1")
	if _, err := s.Pool.Verify(ctx, "http://127.0.0.1/a.mp4", client, time.Now()); err != nil {
		t.Fatalf("the pool of a request that read the settings before the reload: %v", err)
	}
	s.release()
	if _, err := s.Pool.Verify(ctx, "http://127.0.0.1/a.mp4", client, time.Now()); !errors.Is(err, wasm.ErrPoolClosed) {
		t.Errorf("after its last request, the old pool returned %v, expected %v", err, wasm.ErrPoolClosed)
	}
	if live := s.Pool.Stats().Live; live != 0 {
		t.Errorf("the old pool has %d live instances, expected 0", live)
	}
}

// TestGatewayReloadUnderLoad reloads the settings every few milliseconds
// while several clients request a file, and checks that every request
// gets 200 and that every replaced pool ends up closed. A reload used to
// close the old pool at once, and a request that had read the old
// settings then got 503 from the closed pool.
func TestGatewayReloadUnderLoad(t *testing.T) {
	files := movieFiles(t)
	logs := &lockedBuffer{}
	pools := []*wasm.Pool{newReloadPool(t)}
	gw, err := New(Config{
		Settings: Settings{Pool: pools[0]},
		Files:    files,
		Logger:   slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn})),
		// The gateway reads the clock after it has read the settings
		// and before it calls their pool. The pause widens that window,
		// so that reloads fall into it.
		Now: func() time.Time {
			time.Sleep(time.Millisecond)
			return time.Now()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw) // on 127.0.0.1 and a port that the system chooses
	defer srv.Close()
	signed := sign(t, srv.URL, "/a.mp4", time.Now().Add(time.Hour))

	const clients = 8
	transport := &http.Transport{MaxIdleConnsPerHost: clients}
	defer transport.CloseIdleConnections()
	httpClient := &http.Client{Transport: transport, Timeout: 10 * time.Second}

	deadline := time.Now().Add(2 * time.Second)
	var requests, failures atomic.Int64
	var failure atomic.Value // the first failure, for the message
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				requests.Add(1)
				resp, err := httpClient.Get(signed)
				if err != nil {
					failures.Add(1)
					failure.CompareAndSwap(nil, err.Error())
					continue
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					failures.Add(1)
					failure.CompareAndSwap(nil, resp.Status+": "+string(body))
				}
			}
		})
	}
	reloads := 0
	for time.Now().Before(deadline) {
		pool := newReloadPool(t)
		pools = append(pools, pool)
		gw.Reload(Settings{Pool: pool})
		reloads++
		time.Sleep(2 * time.Millisecond)
	}
	wg.Wait()
	t.Logf("%d requests, %d reloads", requests.Load(), reloads)

	if n := failures.Load(); n > 0 {
		t.Errorf("%d of %d requests failed during %d reloads; the first: %v", n, requests.Load(), reloads, failure.Load())
	}
	if reloads < 5 {
		t.Errorf("only %d reloads; expected at least 5", reloads)
	}
	if requests.Load() < 100 {
		t.Errorf("only %d requests; expected at least 100", requests.Load())
	}
	if logged := logs.String(); logged != "" {
		t.Errorf("warnings or errors logged:\n%s", logged)
	}
	current := pools[len(pools)-1]
	for i, pool := range pools[:len(pools)-1] {
		if live := pool.Stats().Live; live != 0 {
			t.Errorf("replaced pool %d has %d live instances after its requests ended, expected 0", i, live)
		}
	}
	current.Close(context.Background())
}
