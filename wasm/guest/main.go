// Command guest is the signet WebAssembly module in its reactor form: the
// core's verifier, built with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared
//
// The host calls _initialize once, then signet_configure once and
// signet_verify as often as it likes. wasm/README.md documents the ABI.
// The command form, for hosts that only run WASI commands, is in
// ./command.
//
// The module never reads a clock for a decision: the host passes the
// current time with every request.
package main

// main is not called in a reactor.
func main() {}
