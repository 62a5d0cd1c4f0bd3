package core

import (
	"net/url"
	"strconv"
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
