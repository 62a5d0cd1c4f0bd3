// Package abi defines the binary interface between the signet WebAssembly
// module and its hosts: the version, the reason codes, and the layouts of
// the configuration and of a verification result. wasm/README.md
// describes the same interface for hosts in other languages.
//
// The package imports no reflection-based package, because the module
// links it.
package abi

import (
	"errors"
	"strconv"
	"time"

	"github.com/signet-media/signet/core"
)

// Version is the ABI version that the module's signet_abi_version export
// returns. It changes whenever an export, a layout or a code changes.
const Version = 1

// Return values of signet_verify and signet_configure other than a result.
const (
	// ErrNotConfigured is returned by signet_verify before a successful
	// signet_configure.
	ErrNotConfigured = -1

	// ErrConfigure is returned by signet_configure when the configuration
	// is rejected; signet_last_error returns the message.
	ErrConfigure = -2
)

// Reasons lists the reason codes: a reason's code is its index.
var Reasons = [...]core.Reason{
	core.ReasonOK,
	core.ReasonUnsigned,
	core.ReasonMissingParameter,
	core.ReasonDuplicateParameter,
	core.ReasonUnknownKey,
	core.ReasonMalformedPolicy,
	core.ReasonInvalidSignature,
	core.ReasonIPMismatch,
	core.ReasonResourceMismatch,
	core.ReasonExpired,
	core.ReasonNotYetValid,
}

// ReasonCode returns the code of a reason, or -1 for an unknown reason.
func ReasonCode(r core.Reason) int32 {
	for i, known := range Reasons {
		if known == r {
			return int32(i)
		}
	}
	return -1
}

// Reason returns the reason with the given code.
func Reason(code int32) (core.Reason, bool) {
	if code < 0 || int(code) >= len(Reasons) {
		return "", false
	}
	return Reasons[code], true
}

// PackStatus returns the value signet_verify returns: the HTTP status
// shifted left by 8 bits, ORed with the reason code.
func PackStatus(status int, reason core.Reason) int32 {
	return int32(status)<<8 | ReasonCode(reason)
}

// UnpackStatus splits a value of PackStatus into status and reason code.
func UnpackStatus(v int32) (status int, code int32) {
	return int(v >> 8), v & 0xff
}

// ResultSize is the size in bytes of the result record that signet_verify
// writes when the caller passes a non-zero result pointer.
//
// Layout, little-endian:
//
//	offset 0  i32  HTTP status
//	offset 4  i32  reason code
//	offset 8  i64  the policy's DateLessThan in Unix milliseconds
//	offset 16 i32  index of the key in the configuration, -1 for none
//	offset 20 u32  flags: FlagValidUntil, FlagPrefix
const ResultSize = 24

// Result flags.
const (
	// FlagValidUntil is set when the policy was read, so that the
	// DateLessThan field holds its end of validity.
	FlagValidUntil = 1 << 0

	// FlagPrefix is set when the policy's Resource is a prefix pattern.
	FlagPrefix = 1 << 1
)

// PutResult writes the record of r into b, which has ResultSize bytes.
func PutResult(b []byte, r core.Result, keyIndex int32) {
	var flags uint32
	var until int64
	if !r.ValidUntil.IsZero() {
		flags |= FlagValidUntil
		until = r.ValidUntil.UnixMilli()
	}
	if r.Prefix {
		flags |= FlagPrefix
	}
	putUint32(b[0:], uint32(r.Status))
	putUint32(b[4:], uint32(ReasonCode(r.Reason)))
	putUint64(b[8:], uint64(until))
	putUint32(b[16:], uint32(keyIndex))
	putUint32(b[20:], flags)
}

// ParseResult reads a result record written by PutResult. It returns the
// result without KeyID, and the key index.
func ParseResult(b []byte) (core.Result, int32, error) {
	if len(b) < ResultSize {
		return core.Result{}, 0, errors.New("abi: result record of " + strconv.Itoa(len(b)) + " bytes; expected " + strconv.Itoa(ResultSize))
	}
	code := int32(uint32At(b[4:]))
	reason, ok := Reason(code)
	if !ok {
		return core.Result{}, 0, errors.New("abi: unknown reason code " + strconv.Itoa(int(code)))
	}
	flags := uint32At(b[20:])
	r := core.Result{Status: int(int32(uint32At(b[0:]))), Reason: reason, Prefix: flags&FlagPrefix != 0}
	if flags&FlagValidUntil != 0 {
		r.ValidUntil = time.UnixMilli(int64(uint64At(b[8:])))
	}
	return r, int32(uint32At(b[16:])), nil
}

func putUint32(b []byte, v uint32) {
	_ = b[3]
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}

func putUint64(b []byte, v uint64) {
	putUint32(b, uint32(v))
	putUint32(b[4:], uint32(v>>32))
}

func uint32At(b []byte) uint32 {
	_ = b[3]
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

func uint64At(b []byte) uint64 {
	return uint64(uint32At(b)) | uint64(uint32At(b[4:]))<<32
}
