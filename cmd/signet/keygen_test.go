package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestKeygen(t *testing.T) {
	code, out, errOut := runCLI("keygen", "--id", "lectures-2027", "--url", "https://media.example.org/engage/", "--url", "/engage/")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	secret := regexp.MustCompile(`(?m)^key\.lectures-2027\.secret = ([0-9a-f]{64})$`).FindStringSubmatch(out)
	if secret == nil {
		t.Fatalf("no secret of 64 hex digits in:\n%s", out)
	}
	for _, want := range []string{
		"key.lectures-2027.url = https://media.example.org/engage/\n",
		"key.lectures-2027.url.2 = /engage/\n",
		"# key.lectures-2027 = " + secret[1] + "\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	// The snippet is a configuration that signs.
	path := filepath.Join(t.TempDir(), "signet.conf")
	if err := os.WriteFile(path, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	code, signed, errOut := runCLI("sign", "--config", path, "https://media.example.org/engage/a.mp4")
	if code != 0 || !strings.Contains(signed, "keyId=lectures-2027&") {
		t.Errorf("sign with the new key: exit %d, %s%s", code, signed, errOut)
	}

	_, again, _ := runCLI("keygen", "--id", "lectures-2027")
	if strings.Contains(again, secret[1]) {
		t.Error("two runs of keygen printed the same secret")
	}
}

func TestKeygenErrors(t *testing.T) {
	for _, args := range [][]string{
		{"keygen", "--id", "with.dot"},
		{"keygen", "--id", "with space"},
		{"keygen", "extra"},
	} {
		if code, _, _ := runCLI(args...); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
}
