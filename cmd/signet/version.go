package main

import (
	"fmt"
	"io"
	"runtime/debug"
)

func runVersion(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("version", "", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("%w: unexpected argument %q; version takes no arguments", errUsage, fs.Arg(0))
	}
	info, _ := debug.ReadBuildInfo()
	fmt.Fprintln(stdout, "signet "+versionText(info))
	return nil
}

// versionText returns the module version that the go command recorded in
// the binary, such as v1.2.0 or a pseudo-version with the commit. A build
// without one, such as a test or a build with -buildvcs=false, is "devel".
// The VCS revision follows when the binary records one, with "(modified)"
// for a working tree with uncommitted changes. info may be nil.
func versionText(info *debug.BuildInfo) string {
	if info == nil {
		return "devel"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var revision, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	switch {
	case revision == "":
		return "devel"
	case modified == "true":
		return "devel " + revision + " (modified)"
	}
	return "devel " + revision
}
