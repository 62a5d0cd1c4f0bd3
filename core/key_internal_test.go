package core

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// TestQueryEscape compares the keyId escaping with url.QueryEscape on
// every byte.
func TestQueryEscape(t *testing.T) {
	for c := 0; c < 256; c++ {
		s := "k" + string([]byte{byte(c)}) + " id"
		if got, want := queryEscape(s), url.QueryEscape(s); got != want {
			t.Errorf("queryEscape(%q) = %q; url.QueryEscape gives %q", s, got, want)
		}
	}
}

// TestQuoteID checks that an id in an error message keeps printable ASCII
// and escapes everything that could break a log line.
func TestQuoteID(t *testing.T) {
	for in, want := range map[string]string{
		"key-2026":  `"key-2026"`,
		`a"b\c`:     `"a\"b\\c"`,
		"a\nb\x1b[": `"a\x0ab\x1b["`,
		"küche":     `"k\xc3\xbcche"`,
		"":          `""`,
	} {
		if got := quoteID(in); got != want {
			t.Errorf("quoteID(%s) = %s; expected %s", strconv.Quote(in), got, want)
		}
	}
}

// TestPrefixErrorHidesUserInfo checks that the error for a URL prefix with
// a password does not repeat the password.
func TestPrefixErrorHidesUserInfo(t *testing.T) {
	for _, text := range []string{
		"https://user:PASSWORD123@media.example.org/x/",
		"https://user:PASSWORD123@media.example.org",
		"https://a@b:PASSWORD123@media.example.org/x/?q",
		"https://user:PASSWORD123@bad host/x/",
		"https://u:pa/ssPASSWORD123@h.example/media/",
		"//user:PASSWORD123@h.example/x/",
	} {
		_, err := parsePrefix(text)
		if err == nil {
			t.Fatalf("parsePrefix(%q) succeeded", text)
		}
		if strings.Contains(err.Error(), "PASSWORD123") {
			t.Errorf("parsePrefix(%q): error repeats the password: %v", text, err)
		}
		if !strings.Contains(err.Error(), "REDACTED@") {
			t.Errorf("parsePrefix(%q): error %v lacks REDACTED@ in place of the user information", text, err)
		}
	}
	for text, want := range map[string]string{
		"https://u:pa/ss?#@h.example/x/": "https://REDACTED@h.example/x/",
		"//user:PASSWORD123@h.example/x": "//REDACTED@h.example/x",
		"user:PASSWORD123@h.example":     "REDACTED@h.example",
		"https://h.example/x/":           "https://h.example/x/",
	} {
		if got := WithoutUserInfo(text); got != want {
			t.Errorf("WithoutUserInfo(%q) = %q, expected %q", text, got, want)
		}
	}
}

// TestPrefixPort checks the ports that a URL prefix may name.
func TestPrefixPort(t *testing.T) {
	for text, ok := range map[string]bool{
		"http://h.example:8080/a/":   true,
		"http://h.example:1/a/":      true,
		"http://h.example:65535/a/":  true,
		"http://h.example:/a/":       true,
		"http://h.example:0/a/":      false,
		"http://h.example:65536/a/":  false,
		"http://h.example:99999/a/":  false,
		"rtmp://h.example:1935/live": true,
	} {
		_, err := parsePrefix(text)
		if (err == nil) != ok {
			t.Errorf("parsePrefix(%q) error %v, expected accepted = %v", text, err, ok)
		}
		if err != nil && !strings.Contains(err.Error(), "port") {
			t.Errorf("parsePrefix(%q) error %v does not name the port", text, err)
		}
	}
}
