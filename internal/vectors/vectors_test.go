package vectors

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadRejects(t *testing.T) {
	tests := []struct {
		name, cases, want string
	}{
		{"misspelled field", `{"id": "v/a", "op": "verify", "input": {"url": "/a", "nowMs": 1}, "expect": {}}`, `unknown input field "nowMs"`},
		{"field in other case", `{"id": "v/a", "op": "verify", "input": {"URL": "/a"}, "expect": {}}`, `unknown input field "URL"`},
		{"duplicate id", `{"id": "v/a", "op": "verify", "input": {}, "expect": {}}, {"id": "v/a", "op": "verify", "input": {}, "expect": {}}`, `id "v/a" is also the id of case 0`},
		{"no id", `{"op": "verify", "input": {}, "expect": {}}`, "case 0 has no id"},
		{"unknown op", `{"id": "x", "op": "sing", "input": {}, "expect": {}}`, `unknown op "sing"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "cases.json")
			if err := os.WriteFile(path, []byte(`{"cases": [`+tc.cases+`]}`), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Load error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestLoadSharedVectors(t *testing.T) {
	f, err := Load("../../core/testdata/opencast-compat.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) != 167 {
		t.Errorf("%d cases, want 167", len(f.Cases))
	}
}
