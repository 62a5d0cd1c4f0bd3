//go:build wasip1

package main

import (
	"unsafe"

	"github.com/signet-media/signet/wasm/internal/abi"
	"github.com/signet-media/signet/wasm/internal/guest"
)

// maxAlloc bounds one signet_alloc buffer, in bytes.
const maxAlloc = 64 << 20

// buffers keeps the buffers handed out by signet_alloc reachable, so that
// the garbage collector does not free them while the host writes into
// them. Go's collector never moves heap objects, so their addresses stay
// valid.
var buffers = map[unsafe.Pointer][]byte{}

// lastError is the message of the last failed signet_configure.
var lastError []byte

//go:wasmexport signet_abi_version
func exportABIVersion() int32 { return abi.Version }

// exportAlloc returns the address of a new zeroed buffer of size bytes, or
// 0 when size is 0 or more than maxAlloc.
//
//go:wasmexport signet_alloc
func exportAlloc(size uint32) unsafe.Pointer {
	if size == 0 || size > maxAlloc {
		return nil
	}
	b := make([]byte, size)
	ptr := unsafe.Pointer(unsafe.SliceData(b))
	buffers[ptr] = b
	return ptr
}

// exportFree releases a buffer from signet_alloc. Other addresses are
// ignored.
//
//go:wasmexport signet_free
func exportFree(ptr unsafe.Pointer) {
	delete(buffers, ptr)
}

// exportConfigure reads the configuration record of size bytes at ptr. It
// returns 0, or abi.ErrConfigure with the message in signet_last_error.
//
//go:wasmexport signet_configure
func exportConfigure(ptr unsafe.Pointer, size uint32) int32 {
	cfg, err := abi.ParseConfig(bytesAt(ptr, size))
	if err == nil {
		err = guest.Configure(cfg)
	}
	if err != nil {
		lastError = []byte(err.Error())
		return abi.ErrConfigure
	}
	return 0
}

// exportLastError returns the address of the last configuration error in
// the upper 32 bits and its length in bytes in the lower 32 bits.
//
//go:wasmexport signet_last_error
func exportLastError() uint64 {
	ptr := uintptr(unsafe.Pointer(unsafe.SliceData(lastError)))
	return uint64(ptr)<<32 | uint64(len(lastError))
}

// exportVerify verifies the URL and the client IP, UTF-8 text in linear
// memory, at nowMillis (Unix milliseconds). It returns the status shifted
// left by 8 bits ORed with the reason code, or abi.ErrNotConfigured. It
// writes the result record at result unless result is 0.
//
//go:wasmexport signet_verify
func exportVerify(rawURL unsafe.Pointer, urlLen uint32, clientIP unsafe.Pointer, ipLen uint32, nowMillis int64, result unsafe.Pointer) int32 {
	if !guest.Configured() {
		return abi.ErrNotConfigured
	}
	r, index := guest.Verify(stringAt(rawURL, urlLen), stringAt(clientIP, ipLen), nowMillis)
	if result != nil {
		abi.PutResult(bytesAt(result, abi.ResultSize), r, index)
	}
	return abi.PackStatus(r.Status, r.Reason)
}

// bytesAt returns size bytes of linear memory at ptr, without copying.
func bytesAt(ptr unsafe.Pointer, size uint32) []byte {
	if size == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(ptr), size)
}

func stringAt(ptr unsafe.Pointer, size uint32) string {
	if size == 0 {
		return ""
	}
	return unsafe.String((*byte)(ptr), size)
}
