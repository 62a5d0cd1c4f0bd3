package abi

import (
	"errors"
	"strconv"
	"time"

	"github.com/signet-media/signet/core"
)

// The configuration that signet_configure reads, little-endian:
//
//	u32  flags: ConfigNonStrict
//	i64  leeway in milliseconds, 0 or more
//	u32  number of keys
//	per key: u32 id length, id bytes, u32 secret length, secret bytes
//
// Ids and secrets are UTF-8 bytes, as in core.Key.
const configHeaderSize = 16

// ConfigNonStrict is the flag for core.VerifierConfig.NonStrict.
const ConfigNonStrict = 1 << 0

// MaxConfigSize bounds the configuration that the module accepts, in bytes.
const MaxConfigSize = 1 << 20

// AppendConfig appends the configuration record of cfg to dst. Only the
// ID and Secret of each key are written.
func AppendConfig(dst []byte, cfg core.VerifierConfig) []byte {
	var flags uint32
	if cfg.NonStrict {
		flags |= ConfigNonStrict
	}
	var head [configHeaderSize]byte
	putUint32(head[0:], flags)
	putUint64(head[4:], uint64(cfg.Leeway.Milliseconds()))
	putUint32(head[12:], uint32(len(cfg.Keys)))
	dst = append(dst, head[:]...)
	for _, k := range cfg.Keys {
		dst = appendBytes(dst, k.ID)
		dst = appendBytes(dst, k.Secret)
	}
	return dst
}

func appendBytes(dst []byte, s string) []byte {
	var n [4]byte
	putUint32(n[:], uint32(len(s)))
	return append(append(dst, n[:]...), s...)
}

// ParseConfig reads a configuration record written by AppendConfig.
func ParseConfig(b []byte) (core.VerifierConfig, error) {
	if len(b) > MaxConfigSize {
		return core.VerifierConfig{}, errors.New("abi: configuration of " + strconv.Itoa(len(b)) + " bytes; at most " + strconv.Itoa(MaxConfigSize) + " are accepted")
	}
	if len(b) < configHeaderSize {
		return core.VerifierConfig{}, errors.New("abi: configuration of " + strconv.Itoa(len(b)) + " bytes is shorter than its 16-byte header")
	}
	flags := uint32At(b[0:])
	if flags&^ConfigNonStrict != 0 {
		return core.VerifierConfig{}, errors.New("abi: unknown configuration flags " + strconv.FormatUint(uint64(flags), 16) + " (hex); only 1 (non-strict) is defined")
	}
	leeway := int64(uint64At(b[4:]))
	cfg := core.VerifierConfig{NonStrict: flags&ConfigNonStrict != 0, Leeway: time.Duration(leeway) * time.Millisecond}
	if leeway < 0 || leeway > int64(time.Duration(1<<62)/time.Millisecond) {
		return core.VerifierConfig{}, errors.New("abi: leeway of " + strconv.FormatInt(leeway, 10) + " ms is out of range; use 0 or more")
	}
	count := uint32At(b[12:])
	rest := b[configHeaderSize:]
	for i := uint32(0); i < count; i++ {
		var k core.Key
		var ok bool
		if k.ID, rest, ok = cutBytes(rest); !ok {
			return core.VerifierConfig{}, errTruncated(i)
		}
		if k.Secret, rest, ok = cutBytes(rest); !ok {
			return core.VerifierConfig{}, errTruncated(i)
		}
		cfg.Keys = append(cfg.Keys, k)
	}
	if len(rest) != 0 {
		return core.VerifierConfig{}, errors.New("abi: " + strconv.Itoa(len(rest)) + " bytes after the last key; the key count is wrong")
	}
	return cfg, nil
}

func errTruncated(i uint32) error {
	return errors.New("abi: configuration ends inside key " + strconv.FormatUint(uint64(i), 10) + "; check the lengths and the key count")
}

func cutBytes(b []byte) (string, []byte, bool) {
	if len(b) < 4 {
		return "", nil, false
	}
	n := uint32At(b)
	b = b[4:]
	if uint64(n) > uint64(len(b)) {
		return "", nil, false
	}
	return string(b[:n]), b[n:], true
}
