package wasm

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/signet-media/signet/core"
	"github.com/signet-media/signet/wasm/internal/abi"
)

// ErrPoolClosed is returned by Pool.Verify after Close.
var ErrPoolClosed = errors.New("wasm: pool closed")

// ErrURLTooLong is wrapped by the error of Pool.Verify for a URL that,
// with the client address, is longer than the module accepts. The URL,
// not the module, is at fault, so the instance stays in the pool.
var ErrURLTooLong = errors.New("wasm: URL too long")

// Pool verifies requests on at most size instances of the module, all
// configured alike. Instances are made when needed and reused. One that
// traps or times out is closed, and a new one takes its place on a later
// call. A Pool is safe for concurrent use.
type Pool struct {
	rt     *Runtime
	config []byte   // the configuration record
	keyIDs []string // by key index
	idle   chan *instance
	slots  chan struct{} // one token per live instance

	mu     sync.Mutex
	closed bool

	created, discarded atomic.Int64
}

// PoolStats counts the instances of a Pool.
type PoolStats struct {
	Created   int64 // instances made, replacements included
	Discarded int64 // instances closed after a trap or timeout
	Live      int   // instances that exist now
}

// NewPool returns a pool of at most size instances configured with cfg.
// It makes one instance at once, so that an invalid configuration is an
// error here and not on the first request.
func (r *Runtime) NewPool(ctx context.Context, cfg core.VerifierConfig, size int) (*Pool, error) {
	if size < 1 {
		return nil, fmt.Errorf("wasm: pool size %d; use 1 or more", size)
	}
	p := &Pool{
		rt:     r,
		config: abi.AppendConfig(nil, cfg),
		idle:   make(chan *instance, size),
		slots:  make(chan struct{}, size),
	}
	for _, k := range cfg.Keys {
		p.keyIDs = append(p.keyIDs, k.ID)
	}
	in, err := p.create(ctx)
	if err != nil {
		return nil, err
	}
	p.put(ctx, in)
	return p, nil
}

// Verify verifies a request URL, exactly as the client sent it, for a
// client address at the time now, as core.Verifier.Verify does. It waits
// for a free instance while all are busy. An error means the module
// returned no result, so the caller must not grant the request. The error
// wraps ErrURLTooLong when rawURL is too long for the module.
func (p *Pool) Verify(ctx context.Context, rawURL string, client netip.Addr, now time.Time) (core.Result, error) {
	return p.verify(ctx, rawURL, client, "", now.UnixMilli())
}

// verify verifies for the client address, or for clientText when client
// is the zero Addr. The module parses clientText, and text that is no
// address matches no IP condition.
func (p *Pool) verify(ctx context.Context, rawURL string, client netip.Addr, clientText string, nowMillis int64) (core.Result, error) {
	in, err := p.get(ctx)
	if err != nil {
		return core.Result{}, err
	}
	ip := in.ip[:0]
	if client.IsValid() {
		ip = client.AppendTo(ip)
	} else {
		ip = append(ip, clientText...)
	}
	callCtx, cancel := p.rt.callContext(ctx)
	res, err := p.verifyOn(callCtx, in, rawURL, ip, nowMillis)
	cancel()
	p.release(ctx, in, err)
	return res, err
}

// verifyOn verifies on one instance and reads the result record before
// the instance goes back to the pool.
func (p *Pool) verifyOn(ctx context.Context, in *instance, rawURL string, clientIP []byte, nowMillis int64) (core.Result, error) {
	record, err := in.run(ctx, rawURL, clientIP, nowMillis)
	if err != nil {
		return core.Result{}, err
	}
	r, index, err := abi.ParseResult(record)
	if err != nil {
		return core.Result{}, err
	}
	if index >= 0 && int(index) < len(p.keyIDs) {
		r.KeyID = p.keyIDs[index]
	}
	return r, nil
}

// call runs f on an instance under the call deadline.
func (p *Pool) call(ctx context.Context, f func(context.Context, *instance) error) error {
	in, err := p.get(ctx)
	if err != nil {
		return err
	}
	callCtx, cancel := p.rt.callContext(ctx)
	err = f(callCtx, in)
	cancel()
	p.release(ctx, in, err)
	return err
}

// release returns an instance to the pool after a call that returned err.
// An instance whose call failed with a TrapError is discarded.
func (p *Pool) release(ctx context.Context, in *instance, err error) {
	var trap *TrapError
	if err != nil && errors.As(err, &trap) {
		p.discard(ctx, in)
		return
	}
	p.put(ctx, in)
}

// get returns an idle instance, or makes one while fewer than size exist,
// or waits.
func (p *Pool) get(ctx context.Context) (*instance, error) {
	select {
	case in := <-p.idle:
		return in, nil
	default:
	}
	select {
	case in := <-p.idle:
		return in, nil
	case p.slots <- struct{}{}:
		in, err := p.newInstance(ctx)
		if err != nil {
			<-p.slots
			return nil, err
		}
		return in, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// create makes an instance and takes a slot for it.
func (p *Pool) create(ctx context.Context) (*instance, error) {
	p.slots <- struct{}{}
	in, err := p.newInstance(ctx)
	if err != nil {
		<-p.slots
	}
	return in, err
}

func (p *Pool) newInstance(ctx context.Context) (*instance, error) {
	if p.isClosed() {
		return nil, ErrPoolClosed
	}
	in, err := p.rt.newInstance(ctx, p.config)
	if err != nil {
		return nil, err
	}
	p.created.Add(1)
	return in, nil
}

func (p *Pool) put(ctx context.Context, in *instance) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		in.close(ctx)
		<-p.slots
		return
	}
	p.idle <- in // idle has room for size instances, and slots allows no more
}

func (p *Pool) discard(ctx context.Context, in *instance) {
	in.close(ctx)
	p.discarded.Add(1)
	<-p.slots
}

func (p *Pool) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// Stats returns the instance counts.
func (p *Pool) Stats() PoolStats {
	return PoolStats{Created: p.created.Load(), Discarded: p.discarded.Load(), Live: len(p.slots)}
}

// Close closes the idle instances now and the busy ones when their calls
// return. Later calls of Verify return ErrPoolClosed.
func (p *Pool) Close(ctx context.Context) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for {
		select {
		case in := <-p.idle:
			in.close(ctx)
			<-p.slots
		default:
			return
		}
	}
}
