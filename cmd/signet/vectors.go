package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/signet-media/signet/internal/vectors"
	"github.com/signet-media/signet/wasm"
)

func runVectors(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("vectors", "[--engine native|wasm] [--module FILE] FILE...", stderr)
	engineName := fs.String("engine", "native", "the `engine` to run the cases on: native, or wasm for the WebAssembly module (sign cases then run natively)")
	var wf wasmFlags
	wf.add(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("%w: expected at least one vector FILE", errUsage)
	}
	if err := checkWasmOnlyFlags(fs, *engineName); err != nil {
		return err
	}
	engine, err := newEngine(*engineName, &wf)
	if err != nil {
		return err
	}
	defer engine.close()
	passed, failed := 0, 0
	for _, path := range fs.Args() {
		file, err := vectors.Load(path)
		if err != nil {
			return err
		}
		for i := range file.Cases {
			out := vectors.Run(engine.Engine, &file.Cases[i])
			if out.Passed {
				passed++
				continue
			}
			failed++
			printFailure(stdout, path, out)
		}
	}
	if summary := engine.summary(); summary != "" {
		fmt.Fprintln(stdout, summary)
	}
	fmt.Fprintf(stdout, "%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		return exitError(1)
	}
	return nil
}

// checkWasmOnlyFlags rejects --module and --cache-dir with the native
// engine. They would be ignored, and a passing run would then appear to
// have tested a module that never ran.
func checkWasmOnlyFlags(fs *flag.FlagSet, engineName string) error {
	if engineName != "native" {
		return nil
	}
	for _, name := range []string{"module", "cache-dir"} {
		if isFlagSet(fs, name) {
			return fmt.Errorf("%w: --%s applies only to --engine wasm, but the engine is native; "+
				"add --engine wasm or remove --%s", errUsage, name, name)
		}
	}
	return nil
}

// engine is a vectors.Engine with a function that releases it and a line
// that reports where the cases ran.
type engine struct {
	vectors.Engine
	close   func()
	summary func() string
}

func newEngine(name string, wf *wasmFlags) (engine, error) {
	switch name {
	case "native":
		return engine{vectors.Native{}, func() {}, func() string { return "" }}, nil
	case "wasm":
		ctx := context.Background()
		rt, err := wf.compile(ctx, wasm.Options{})
		if err != nil {
			return engine{}, err
		}
		e := wasm.NewVectorEngine(rt)
		release := func() {
			e.Close()
			rt.Close(ctx)
		}
		return engine{e, release, e.Summary}, nil
	}
	return engine{}, fmt.Errorf("%w: unknown engine %q; expected native or wasm", errUsage, name)
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
