package signet

import (
	"io/fs"
	"os"
	"testing"
)

func TestPlayerFS(t *testing.T) {
	tests := map[string]string{
		"index.html":                     "player-demo/index.html",
		"app.js":                         "player-demo/app.js",
		"vendor/signet-client/index.js":  "jsclient/src/index.js",
		"vendor/signet-client/client.js": "jsclient/src/client.js",
	}
	for name, source := range tests {
		got, err := fs.ReadFile(PlayerFS(""), name)
		if err != nil {
			t.Errorf("read %s: %v", name, err)
			continue
		}
		want, err := os.ReadFile(source)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("%s differs from %s", name, source)
		}
	}
	script, err := fs.ReadFile(PlayerFS("go.mod"), "vendor/hls.min.js")
	if want, _ := os.ReadFile("go.mod"); err != nil || string(script) != string(want) {
		t.Errorf("vendor/hls.min.js is not the file given: %v", err)
	}
	for _, name := range []string{"../go.mod", "vendor/hls.min.js", "vendor/signet-client/../../go.mod", "vendor/other.js", "jsclient/src/index.js"} {
		if _, err := fs.ReadFile(PlayerFS(""), name); err == nil {
			t.Errorf("read %s: no error, want one", name)
		}
	}
}
