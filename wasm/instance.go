package wasm

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/signet-media/signet/wasm/internal/abi"
)

// The exports of the ABI.
const (
	fnVersion   = "signet_abi_version"
	fnAlloc     = "signet_alloc"
	fnFree      = "signet_free"
	fnConfigure = "signet_configure"
	fnLastError = "signet_last_error"
	fnVerify    = "signet_verify"
)

// initialBuffer is the size of the buffer in guest memory that holds the
// result record, the URL and the client IP of a call. It grows for longer
// URLs.
const initialBuffer = 16 << 10

// maxStderr bounds the guest's stderr that an instance keeps, in bytes,
// for the error of a call that traps.
const maxStderr = 4 << 10

// instance is one configured module instance. It runs one call at a time.
type instance struct {
	mod    api.Module
	mem    api.Memory
	alloc  api.Function
	free   api.Function
	verify api.Function
	buf    uint32 // address of the call buffer
	size   uint32 // its size in bytes
	stack  [6]uint64
	ip     [64]byte // scratch space for the client address as text
	stderr *tailWriter
}

// newInstance instantiates the module, checks its ABI version and
// configures it with the configuration record.
func (r *Runtime) newInstance(ctx context.Context, config []byte) (*instance, error) {
	stderr := &tailWriter{max: maxStderr}
	limit := r.opts.MemoryLimit * 3 / 4
	mc := wazero.NewModuleConfig().
		WithName("").
		WithStartFunctions("_initialize").
		WithEnv("GOMEMLIMIT", strconv.FormatInt(limit, 10)+"B").
		WithRandSource(rand.Reader).
		WithSysNanotime().
		WithStderr(stderr)
	ctx, cancel := r.callContext(ctx)
	defer cancel()
	mod, err := r.runtime.InstantiateModule(ctx, r.compiled, mc)
	if err != nil {
		return nil, fmt.Errorf("wasm: instantiate: %w%s", err, stderr.suffix())
	}
	in := &instance{
		mod: mod, mem: mod.Memory(), stderr: stderr,
		alloc: mod.ExportedFunction(fnAlloc), free: mod.ExportedFunction(fnFree),
		verify: mod.ExportedFunction(fnVerify),
	}
	if err := in.setup(ctx, config); err != nil {
		in.close(ctx)
		return nil, err
	}
	return in, nil
}

func (in *instance) setup(ctx context.Context, config []byte) error {
	v, err := in.mod.ExportedFunction(fnVersion).Call(ctx)
	if err != nil {
		return in.callError(fnVersion, err)
	}
	if got := int32(v[0]); got != abi.Version {
		return fmt.Errorf("wasm: the module has ABI version %d, this host needs %d; rebuild it with \"make wasm\"", got, abi.Version)
	}
	if err := in.configure(ctx, config); err != nil {
		return err
	}
	return in.grow(ctx, initialBuffer)
}

// configure copies the configuration record into the guest and applies it.
func (in *instance) configure(ctx context.Context, config []byte) error {
	ptr, err := in.allocate(ctx, uint32(len(config)))
	if err != nil {
		return err
	}
	defer in.free.Call(ctx, uint64(ptr))
	in.mem.Write(ptr, config)
	res, err := in.mod.ExportedFunction(fnConfigure).Call(ctx, uint64(ptr), uint64(len(config)))
	if err != nil {
		return in.callError(fnConfigure, err)
	}
	if int32(res[0]) == 0 {
		return nil
	}
	return errors.New("wasm: configuration rejected: " + in.lastError(ctx))
}

func (in *instance) lastError(ctx context.Context) string {
	res, err := in.mod.ExportedFunction(fnLastError).Call(ctx)
	if err != nil {
		return in.callError(fnLastError, err).Error()
	}
	msg, ok := in.mem.Read(uint32(res[0]>>32), uint32(res[0]))
	if !ok {
		return "(message out of range)"
	}
	return string(msg)
}

func (in *instance) allocate(ctx context.Context, size uint32) (uint32, error) {
	res, err := in.alloc.Call(ctx, uint64(max(size, 1)))
	if err != nil {
		return 0, in.callError(fnAlloc, err)
	}
	if res[0] == 0 {
		return 0, fmt.Errorf("wasm: the module cannot allocate %d bytes", size)
	}
	return uint32(res[0]), nil
}

// grow makes the call buffer at least size bytes.
func (in *instance) grow(ctx context.Context, size uint32) error {
	if size <= in.size {
		return nil
	}
	ptr, err := in.allocate(ctx, size)
	if err != nil {
		return err
	}
	if in.buf != 0 {
		if _, err := in.free.Call(ctx, uint64(in.buf)); err != nil {
			return in.callError(fnFree, err)
		}
	}
	in.buf, in.size = ptr, size
	return nil
}

// run verifies one request. The result record is written at the start of
// the buffer, the URL and the client IP after it.
func (in *instance) run(ctx context.Context, rawURL string, clientIP []byte, nowMillis int64) ([]byte, error) {
	need := uint64(abi.ResultSize) + uint64(len(rawURL)) + uint64(len(clientIP))
	if need > maxRequestBytes {
		return nil, fmt.Errorf("%w: a URL of %d bytes and a client address of %d bytes exceed the maximum of %d bytes "+
			"for both together; send a shorter URL", ErrURLTooLong, len(rawURL), len(clientIP), maxRequestBytes-abi.ResultSize)
	}
	if err := in.grow(ctx, uint32(need)); err != nil {
		return nil, err
	}
	urlAt := in.buf + abi.ResultSize
	ipAt := urlAt + uint32(len(rawURL))
	in.mem.WriteString(urlAt, rawURL)
	in.mem.Write(ipAt, clientIP)
	s := in.stack[:]
	s[0], s[1], s[2], s[3] = uint64(urlAt), uint64(len(rawURL)), uint64(ipAt), uint64(len(clientIP))
	s[4], s[5] = uint64(nowMillis), uint64(in.buf)
	if err := in.verify.CallWithStack(ctx, s); err != nil {
		return nil, in.callError(fnVerify, err)
	}
	if int32(s[0]) < 0 {
		return nil, fmt.Errorf("wasm: %s returned %d", fnVerify, int32(s[0]))
	}
	record, _ := in.mem.Read(in.buf, abi.ResultSize)
	return record, nil
}

// maxRequestBytes bounds the URL and client IP of one call, in bytes.
const maxRequestBytes = 1 << 20

// callError wraps the error of a call with the tail of the guest's
// stderr, where the Go runtime prints a panic.
func (in *instance) callError(fn string, err error) error {
	return &TrapError{Function: fn, Err: err, Stderr: in.stderr.String()}
}

func (in *instance) close(ctx context.Context) {
	in.mod.Close(ctx)
}

// TrapError is the error of a call that trapped, timed out or found the
// instance closed. The instance is discarded.
type TrapError struct {
	Function string // the export called
	Err      error
	Stderr   string // the tail of the guest's stderr
}

func (e *TrapError) Error() string {
	msg := "wasm: " + e.Function + " failed: " + e.Err.Error()
	if e.Stderr != "" {
		msg += "; guest stderr: " + e.Stderr
	}
	return msg
}

func (e *TrapError) Unwrap() error { return e.Err }

// tailWriter keeps the last max bytes written to it. It is safe for
// concurrent use.
type tailWriter struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer
}

func (w *tailWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if extra := w.buf.Len() - w.max; extra > 0 {
		w.buf.Next(extra)
	}
	return len(p), nil
}

func (w *tailWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func (w *tailWriter) suffix() string {
	if s := w.String(); s != "" {
		return "; guest stderr: " + s
	}
	return ""
}
