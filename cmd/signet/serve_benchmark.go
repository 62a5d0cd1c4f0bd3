//go:build signet_benchmark

package main

import (
	"os"

	"github.com/signet-media/signet/server"
)

// In benchmark builds, the environment variable
// SIGNET_BENCHMARK_UNVERIFIED=1 makes signet serve deliver media without
// verification, as the baseline of make loadtest.
func init() {
	if os.Getenv("SIGNET_BENCHMARK_UNVERIFIED") == "1" {
		benchmarkOptions = append(benchmarkOptions, server.WithoutVerification())
	}
}
