package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseProperties(t *testing.T) {
	type p = property
	tests := []struct {
		name string
		text string
		want []property
	}{
		{"equals", "a=1\nb = 2\n", []p{{"a", "1", 1}, {"b", "2", 2}}},
		{"colon", "a:1\nb : 2", []p{{"a", "1", 1}, {"b", "2", 2}}},
		{"white space separator", "a 1\nb\t\t2\nc\f3", []p{{"a", "1", 1}, {"b", "2", 2}, {"c", "3", 3}}},
		{"space then equals", "a   =   1", []p{{"a", "1", 1}}},
		{"second separator is value", "a==1\nb::2\nc = =3", []p{{"a", "=1", 1}, {"b", ":2", 2}, {"c", "=3", 3}}},
		{"key without value", "a\nb=\nc :", []p{{"a", "", 1}, {"b", "", 2}, {"c", "", 3}}},
		{"trailing space kept", "a = 1  ", []p{{"a", "1  ", 1}}},
		{"leading space of line", "   a = 1", []p{{"a", "1", 1}}},
		{"comments", "# one\n! two\n  # indented\na = 1 # not a comment\n", []p{{"a", "1 # not a comment", 4}}},
		{"blank lines", "\n\n  \t\na=1\n\n\nb=2\n", []p{{"a", "1", 4}, {"b", "2", 7}}},
		{"CRLF", "a=1\r\nb=2\r\n", []p{{"a", "1", 1}, {"b", "2", 2}}},
		{"CR", "a=1\rb=2\r", []p{{"a", "1", 1}, {"b", "2", 2}}},
		{"no final newline", "a=1", []p{{"a", "1", 1}}},
		{"continuation", "a = one, \\\n    two, \\\n\tthree\nb = 4", []p{{"a", "one, two, three", 1}, {"b", "4", 4}}},
		{"continuation in key", "ke\\\n  y = 1", []p{{"key", "1", 1}}},
		{"continuation keeps comment character", "a = 1\\\n  # 2\nb = 3", []p{{"a", "1# 2", 1}, {"b", "3", 3}}},
		{"continuation by blank line ends", "a = 1\\\n\nb = 2", []p{{"a", "1", 1}, {"b", "2", 3}}},
		{"continuation at end of file", "a = 1\\", []p{{"a", "1", 1}}},
		{"continuation with CRLF", "a = 1\\\r\n  2\r\nb = 3\r\n", []p{{"a", "12", 1}, {"b", "3", 3}}},
		{"even backslashes do not continue", "a = 1\\\\\nb = 2", []p{{"a", `1\`, 1}, {"b", "2", 2}}},
		{"odd backslashes continue", "a = 1\\\\\\\n2", []p{{"a", `1\2`, 1}}},
		{"comment does not continue", "# a \\\nb = 1", []p{{"b", "1", 2}}},
		{"line after long continuation", "# c\na = \\\n 1\\\n 2\\\n 3\n\nb = 4\n", []p{{"a", "123", 2}, {"b", "4", 7}}},
		{"escapes", `a = x\ty\nz\rw\fv`, []p{{"a", "x\ty\nz\rw\fv", 1}}},
		{"escaped other characters", `a = \q\=\:\#\!\\`, []p{{"a", `q=:#!\`, 1}}},
		{"escaped separators in key", `a\=b\:c\ d = 1`, []p{{"a=b:c d", "1", 1}}},
		{"escaped leading space of value", `a = \  x`, []p{{"a", "  x", 1}}},
		{"unicode escape", `a = caf\u00e9 \u20AC`, []p{{"a", "café €", 1}}},
		{"unicode escape in key", `k\u0065y = 1`, []p{{"key", "1", 1}}},
		{"surrogate pair", `a = \uD83D\uDE00!`, []p{{"a", "😀!", 1}}},
		{"UTF-8 text", "a = ünïcødé 😀", []p{{"a", "ünïcødé 😀", 1}}},
		{"byte order mark", "\uFEFFa = 1", []p{{"a", "1", 1}}},
		{"empty", "", nil},
		{"only comments", "# a\n! b\n", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseProperties("test.conf", []byte(tc.text))
			if err != nil {
				t.Fatalf("parseProperties(%q): %v", tc.text, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("parseProperties(%q)\n got %+v\nwant %+v", tc.text, got, tc.want)
			}
		})
	}
}

func TestParsePropertiesErrors(t *testing.T) {
	tests := []struct {
		name string
		text string
		want string // the message of the error
	}{
		{"duplicate key", "listen = 1\n\nb = 2\nlisten = 3", "test.conf:4: listen: duplicate key, first given at line 1; delete one of them"},
		{"short unicode escape", "x = 1\nlisten = \\u12", `test.conf:2: listen: malformed \uXXXX escape; write four hex digits after \u`},
		{"non-hex unicode escape", `listen = \u12G4`, `test.conf:1: listen: malformed \uXXXX escape`},
		{"unicode escape in key", `k\uZZZZ = 1`, `test.conf:1: malformed \uXXXX escape`},
		{"high surrogate alone", `listen = \uD83Dx`, `test.conf:1: listen: unpaired UTF-16 surrogate \uD83D`},
		{"low surrogate alone", `listen = \uDE00`, `test.conf:1: listen: unpaired UTF-16 surrogate \uDE00`},
		{"two high surrogates", `listen = \uD83D\uD83D`, `test.conf:1: listen: unpaired UTF-16 surrogate \uD83D`},
		{"duplicate unknown key", "6EDB5EDDCF994B74\n6EDB5EDDCF994B74", "test.conf:2: duplicate key, first given at line 1; delete one of them (the key is not shown"},
		{"duplicate secret without separator", "key.k.secret6EDB5EDDCF994B74\nkey.k.secret6EDB5EDDCF994B74", "test.conf:2: key.k...: duplicate key"},
		{"missing key", "a = 1\n = 2", "test.conf:2: missing key before the separator"},
		{"invalid UTF-8", "a = 1\r\nb = 2\r\nc = caf\xe9\n", "test.conf:3: invalid UTF-8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseProperties("test.conf", []byte(tc.text))
			if err == nil {
				t.Fatalf("parseProperties(%q) succeeded, want error %q", tc.text, tc.want)
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("parseProperties(%q) error\n got %q\nwant prefix %q", tc.text, err, tc.want)
			}
			var cfgErr *Error
			if !errors.As(err, &cfgErr) {
				t.Errorf("error %T is not an *Error", err)
			}
		})
	}
}

func TestLineOf(t *testing.T) {
	data := []byte("a\r\nb\rc\nd")
	tests := []struct {
		offset int
		want   int
	}{{0, 1}, {3, 2}, {5, 3}, {7, 4}}
	for _, tc := range tests {
		if got := lineOf(data, tc.offset); got != tc.want {
			t.Errorf("lineOf(%q, %d) = %d, want %d", data, tc.offset, got, tc.want)
		}
	}
}

func FuzzParseProperties(f *testing.F) {
	for _, seed := range []string{
		"a=1\n", "a = \\\n  b\nc d", `k\u0065y = \uD83D\uDE00`, "# c\r\n!d\rk v\\", "\uFEFFa:\\\\",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		props, err := parseProperties("fuzz.conf", []byte(text))
		if err != nil {
			return
		}
		lastLine := lineOf([]byte(text), len(text))
		seen := make(map[string]bool)
		for _, p := range props {
			if p.key == "" {
				t.Errorf("empty key in %q", text)
			}
			if seen[p.key] {
				t.Errorf("key %q returned twice for %q", p.key, text)
			}
			seen[p.key] = true
			if p.line < 1 || p.line > lastLine {
				t.Errorf("line %d of key %q outside 1 to %d in %q", p.line, p.key, lastLine, text)
			}
		}
	})
}
