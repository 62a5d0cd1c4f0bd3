// Command signet signs and verifies media URLs with Opencast's stream
// security protocol, and serves protected media.
//
// Usage:
//
//	signet serve [--config FILE]...
//	signet sign --config FILE [--valid-until T] [--valid-from T] [--valid-source IP] [--resource PATTERN] URL
//	signet verify --config FILE [--client-ip IP] [--strict=false] [--now T] URL
//	signet vectors [--engine native|wasm] FILE...
//	signet edge --config FILE (--origin URL | --root DIR)
//	signet keygen [--id ID] [--url PREFIX]...
//	signet version
//
// Run a subcommand with -h for its options.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// errUsage marks an error in the command line, which exits with status 2.
var errUsage = errors.New("usage error")

// exitError carries an exit status other than 1 without a message.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `signet signs and verifies media URLs (Opencast stream security).

Usage:
  signet serve [--config FILE]...       serve the sign API and protected media
  signet sign --config FILE [options] URL
                                        print URL signed
  signet verify --config FILE [options] URL
                                        print the status and reason code
  signet vectors [--engine wasm] FILE...
                                        run conformance vector files
  signet edge --config FILE (--origin URL | --root DIR)
                                        verify with the WebAssembly module, then
                                        proxy or serve files
  signet keygen [--id ID] [--url PREFIX]...
                                        print a new random key as configuration
  signet version                        print the version of signet

Run "signet COMMAND -h" for the options of a command.
`

// run executes the command line and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	commands := map[string]func([]string, io.Writer, io.Writer) error{
		"serve":   runServe,
		"sign":    runSign,
		"verify":  runVerify,
		"vectors": runVectors,
		"edge":    runEdge,
		"keygen":  runKeygen,
		"version": runVersion,
	}
	cmd, ok := commands[args[0]]
	switch {
	case args[0] == "-h" || args[0] == "--help" || args[0] == "help":
		fmt.Fprint(stdout, usage)
		return 0
	case !ok:
		fmt.Fprintf(stderr, "signet: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	return exitStatus(cmd(args[1:], stdout, stderr), stderr)
}

func exitStatus(err error, stderr io.Writer) int {
	var code exitError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &code):
		return int(code)
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "signet: %v\n", err)
		return 2
	}
	fmt.Fprintf(stderr, "signet: %v\n", err)
	return 1
}

// newFlagSet returns a flag set that writes its usage to stderr and
// returns errors instead of exiting.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: signet %s %s\n\nOptions:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and wraps a parse failure as a usage error.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}

// stringList is a flag that may be given several times.
type stringList []string

func (l *stringList) String() string     { return fmt.Sprint(*l) }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }
