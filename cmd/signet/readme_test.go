package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signet-media/signet/config"
)

// TestREADMEConfigLoads checks that the example configuration in the
// README loads, with its media directory replaced by a temporary one.
func TestREADMEConfigLoads(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "```properties\nlisten = ")
	if !ok {
		t.Fatal("README has no example configuration starting with listen")
	}
	example, _, _ := strings.Cut("listen = "+rest, "```")
	dir := t.TempDir()
	example = strings.Replace(example, "media.dir = /srv/media", "media.dir = "+dir, 1)
	path := filepath.Join(dir, "signet.conf")
	if err := os.WriteFile(path, []byte(example), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatalf("the README's example configuration does not load: %v", err)
	}
	if len(cfg.Keys) != 1 || len(cfg.Users) != 1 || len(cfg.Tokens) != 1 {
		t.Errorf("loaded %d keys, %d users, %d tokens; want 1 of each", len(cfg.Keys), len(cfg.Users), len(cfg.Tokens))
	}
}
