package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/signet-media/signet/config"
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
	tests := []struct {
		name string
		args []string
		want string // part of the error
	}{
		{"id with dot", []string{"--id", "with.dot"}, `--id: invalid key id "with.dot": use letters, digits, '-' and '_'`},
		{"id with space", []string{"--id", "with space"}, `invalid key id "with space"`},
		{"empty id", []string{"--id", ""}, "--id: the key id is empty; give 1 to 64 letters, digits, '-' and '_', or leave out --id"},
		{"empty id with URL", []string{"--id=", "--url", "/engage/"}, "--id: the key id is empty"},
		{"long id", []string{"--id", strings.Repeat("k", 65)}, "it is 65 characters long; write 1 to 64"},
		{"argument", []string{"extra"}, `unexpected argument "extra"`},
		{"URL with spaces", []string{"--url", "not a url"}, `--url "not a url": invalid URL prefix: raw space at byte 3`},
		{"URL with a password", []string{"--url", "https://u:PASSWORD123@x/"}, `--url "https://REDACTED@x/": invalid URL prefix: a prefix has no query, fragment or user info`},
		{"URL with query", []string{"--url", "https://x/?q=1"}, `--url "https://x/?q=1": invalid URL prefix: a prefix has no query, fragment or user info`},
		{"URL without host", []string{"--url", "https:///engage/"}, `--url "https:///engage/": invalid URL prefix`},
		{"relative path", []string{"--url", "engage/"}, `--url "engage/": invalid URL prefix`},
		{"second URL", []string{"--url", "/engage/", "--url", "https://x/#top"}, `--url "https://x/#top": invalid URL prefix`},
		{"empty URL", []string{"--url", ""}, "--url is empty; give a URL prefix such as https://media.example.org/engage/"},
		{"URL with line break", []string{"--url", "https://x/\nkey.y.secret = 0123456789abcdef0123"}, "contains a line break; give one URL prefix per --url"},
		{"URL with leading space", []string{"--url", " /engage/"}, `--url " /engage/": a properties file does not read it as given`},
		{"URL with escape", []string{"--url", "/engage/\\u0041"}, `a properties file does not read it as given`},
		{"URL with substitution", []string{"--url", "/engage/${x}/"}, `--url "/engage/${x}/": ${...} substitution is not supported`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(append([]string{"keygen"}, tc.args...)...)
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if out != "" {
				t.Errorf("printed a key despite the error:\n%s", out)
			}
			if !strings.Contains(errOut, tc.want) {
				t.Errorf("stderr %q does not contain %q", errOut, tc.want)
			}
		})
	}
}

// TestKeygenAcceptsLoadableURLs checks that keygen accepts the URL
// prefixes that loading a configuration accepts, schemes other than http
// and https included, and prints a snippet that loads with them.
func TestKeygenAcceptsLoadableURLs(t *testing.T) {
	urls := []string{"ftp://media.example.org/engage/", "rtmp://media.example.org:1935/live", "HTTPS://Media.Example.org", "/engage/"}
	args := []string{"keygen", "--id", "k"}
	for _, u := range urls {
		args = append(args, "--url", u)
	}
	code, out, errOut := runCLI(args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	cfg, err := config.Parse("snippet.conf", []byte(out))
	if err != nil {
		t.Fatalf("the snippet does not load: %v", err)
	}
	if got := cfg.Keys[0].URLs; !slices.Equal(got, urls) {
		t.Errorf("loaded URL prefixes %q, want %q", got, urls)
	}
}

func TestURLIndex(t *testing.T) {
	tests := []struct {
		key  string
		want int
	}{
		{"key.k.url", 0},
		{"key.k.url.2", 1},
		{"key.k.url.10", 9},
		{"key.k.url.1", -1},
		{"key.k.url.x", -1},
		{"key.k.urlx", -1},
		{"key.k.secret", -1},
		{"key.kk.url", -1},
		{"listen", -1},
	}
	for _, tc := range tests {
		if got := urlIndex(tc.key, "k"); got != tc.want {
			t.Errorf("urlIndex(%q) = %d, want %d", tc.key, got, tc.want)
		}
	}
}
