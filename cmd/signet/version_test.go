package main

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionCommand(t *testing.T) {
	code, out, errOut := runCLI("version")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.HasPrefix(out, "signet ") || strings.Count(out, "\n") != 1 {
		t.Errorf("output %q, want one line starting with \"signet \"", out)
	}
	if code, _, _ := runCLI("version", "extra"); code != 2 {
		t.Errorf("version extra: exit %d, want 2", code)
	}
}

func TestUsageListsVersion(t *testing.T) {
	_, out, _ := runCLI("help")
	if !strings.Contains(out, "signet version") {
		t.Errorf("usage does not list signet version:\n%s", out)
	}
}

func TestVersionText(t *testing.T) {
	const revision = "171ee507673c50ee6bfd1132220b518d87ae17c1"
	build := func(version string, settings ...debug.BuildSetting) *debug.BuildInfo {
		return &debug.BuildInfo{Main: debug.Module{Path: "github.com/signet-media/signet", Version: version}, Settings: settings}
	}
	tests := []struct {
		name string
		info *debug.BuildInfo
		want string
	}{
		{"no build info", nil, "devel"},
		{"release", build("v1.2.0"), "v1.2.0"},
		{"pseudo-version", build("v0.0.0-20261204182130-171ee507673c+dirty"), "v0.0.0-20261204182130-171ee507673c+dirty"},
		{"devel without VCS", build("(devel)"), "devel"},
		{"devel with revision", build("(devel)", debug.BuildSetting{Key: "vcs.revision", Value: revision},
			debug.BuildSetting{Key: "vcs.modified", Value: "false"}), "devel " + revision},
		{"devel modified", build("(devel)", debug.BuildSetting{Key: "vcs.revision", Value: revision},
			debug.BuildSetting{Key: "vcs.modified", Value: "true"}), "devel " + revision + " (modified)"},
		{"empty version", build("", debug.BuildSetting{Key: "vcs.revision", Value: revision}), "devel " + revision},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := versionText(tc.info); got != tc.want {
				t.Errorf("versionText = %q, want %q", got, tc.want)
			}
		})
	}
}
