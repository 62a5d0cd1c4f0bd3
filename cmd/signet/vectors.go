package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/signet-media/signet/internal/vectors"
)

func runVectors(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("vectors", "[--engine native] FILE...", stderr)
	engineName := fs.String("engine", "native", "the `engine` to run the cases on: native")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("%w: expected at least one vector FILE", errUsage)
	}
	engine, err := newEngine(*engineName)
	if err != nil {
		return err
	}
	passed, failed := 0, 0
	for _, path := range fs.Args() {
		file, err := vectors.Load(path)
		if err != nil {
			return err
		}
		for i := range file.Cases {
			out := vectors.Run(engine, &file.Cases[i])
			if out.Passed {
				passed++
				continue
			}
			failed++
			printFailure(stdout, path, out)
		}
	}
	fmt.Fprintf(stdout, "%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		return exitError(1)
	}
	return nil
}

func newEngine(name string) (vectors.Engine, error) {
	switch name {
	case "native":
		return vectors.Native{}, nil
	}
	return nil, fmt.Errorf("%w: unknown engine %q; expected native", errUsage, name)
}

func printFailure(w io.Writer, path string, out vectors.Outcome) {
	fmt.Fprintf(w, "FAIL %s: %s\n", path, out.Case.ID)
	fmt.Fprintf(w, "  input:    %s\n", compact(out.Case.Input))
	fmt.Fprintf(w, "  expected: %s\n", out.Expected)
	fmt.Fprintf(w, "  actual:   %s\n", out.Actual)
	if out.Case.Note != "" {
		fmt.Fprintf(w, "  note:     %s\n", out.Case.Note)
	}
}

// compact returns JSON on one line.
func compact(raw []byte) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}
