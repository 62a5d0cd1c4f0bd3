// Package guest is the state and the command mode of the signet
// WebAssembly module, shared by its reactor and command builds.
package guest

import (
	"errors"
	"net/netip"
	"time"

	"github.com/signet-media/signet/core"
)

// verifier is the module's verifier, nil until configure succeeds. A
// WebAssembly instance runs one call at a time, so the state needs no lock.
var (
	verifier *core.Verifier
	keyIndex map[string]int32 // key id to its index in the configuration
)

// Configure builds the verifier. It may succeed once per instance.
func Configure(cfg core.VerifierConfig) error {
	if verifier != nil {
		return errors.New("signet: the module is already configured; make a new instance for other keys")
	}
	v, err := core.NewVerifier(cfg)
	if err != nil {
		return err
	}
	keyIndex = make(map[string]int32, len(cfg.Keys))
	for i, k := range cfg.Keys {
		if _, ok := keyIndex[k.ID]; !ok {
			keyIndex[k.ID] = int32(i)
		}
	}
	verifier = v
	return nil
}

// Configured reports whether Configure has succeeded.
func Configured() bool { return verifier != nil }

// Verify verifies a request and returns the result with the index of its
// key, -1 for none. A client IP that is no address matches no IP
// condition.
func Verify(rawURL, clientIP string, nowMillis int64) (core.Result, int32) {
	client, err := netip.ParseAddr(clientIP)
	if err != nil {
		client = netip.Addr{}
	}
	r := verifier.Verify(rawURL, client, time.UnixMilli(nowMillis))
	index, ok := keyIndex[r.KeyID]
	if !ok {
		index = -1
	}
	return r, index
}
