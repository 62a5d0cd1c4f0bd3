// Command command is the signet WebAssembly module in its command form,
// for hosts that only run WASI commands. Build it with
//
//	GOOS=wasip1 GOARCH=wasm go build
//
// It reads a configuration block and then one request per line from
// stdin, and writes one result line per request to stdout. wasm/README.md
// describes the format.
package main

import (
	"os"

	"github.com/signet-media/signet/wasm/internal/guest"
)

func main() {
	if err := guest.RunCommand(os.Stdin, os.Stdout); err != nil {
		os.Stderr.WriteString("signet: " + err.Error() + "\n")
		os.Exit(1)
	}
}
