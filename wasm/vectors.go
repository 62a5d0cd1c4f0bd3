package wasm

import (
	"context"
	"net/netip"
	"slices"
	"strconv"

	"github.com/signet-media/signet/core"
	"github.com/signet-media/signet/internal/vectors"
	"github.com/signet-media/signet/wasm/internal/abi"
)

// VectorEngine runs conformance vectors: every verify case in the module,
// and every sign case on the native core, because the module only
// verifies. It keeps one single-instance pool per distinct key set and
// strict flag. It is not safe for concurrent use.
type VectorEngine struct {
	rt    *Runtime
	pools map[string]*Pool

	// Signed and Verified count the cases run natively and in the module.
	Signed, Verified int
}

// NewVectorEngine returns an engine on rt. Call Close when done.
func NewVectorEngine(rt *Runtime) *VectorEngine {
	return &VectorEngine{rt: rt, pools: make(map[string]*Pool)}
}

// Sign signs on the native core.
func (e *VectorEngine) Sign(in vectors.SignInput) (vectors.SignOutput, error) {
	e.Signed++
	return vectors.Native{}.Sign(in)
}

// Verify verifies in the module.
func (e *VectorEngine) Verify(in vectors.VerifyInput) (vectors.VerifyOutput, error) {
	ctx := context.Background()
	pool, err := e.pool(ctx, in)
	if err != nil {
		return vectors.VerifyOutput{}, err
	}
	r, err := pool.verify(ctx, in.URL, netip.Addr{}, in.ClientIP, in.Now)
	if err != nil {
		return vectors.VerifyOutput{}, err
	}
	e.Verified++
	return vectors.VerifyOutput{Status: r.Status, Reason: string(r.Reason)}, nil
}

// pool returns the pool for the case's keys and strict flag.
func (e *VectorEngine) pool(ctx context.Context, in vectors.VerifyInput) (*Pool, error) {
	cfg := core.VerifierConfig{NonStrict: !in.Strict}
	ids := make([]string, 0, len(in.Keys))
	for id := range in.Keys {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		cfg.Keys = append(cfg.Keys, core.Key{ID: id, Secret: in.Keys[id]})
	}
	name := string(abi.AppendConfig(nil, cfg))
	if p, ok := e.pools[name]; ok {
		return p, nil
	}
	p, err := e.rt.NewPool(ctx, cfg, 1)
	if err != nil {
		return nil, err
	}
	e.pools[name] = p
	return p, nil
}

// Close closes the pools.
func (e *VectorEngine) Close() {
	for _, p := range e.pools {
		p.Close(context.Background())
	}
}

// Summary describes where the cases ran, for the vectors command.
func (e *VectorEngine) Summary() string {
	return "engine wasm: " + strconv.Itoa(e.Verified) + " verify cases ran in the WebAssembly module, " +
		strconv.Itoa(e.Signed) + " sign cases on the native core (the module only verifies)"
}
