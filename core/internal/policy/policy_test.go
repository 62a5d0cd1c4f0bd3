package policy

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestParseRejects(t *testing.T) {
	const resource = `"Resource":"http:\/\/h\/a.mp4"`
	tests := []struct {
		name string
		json string
		want error
	}{
		{"empty", ``, ErrSyntax},
		{"array", `[]`, ErrWrongType},
		{"no statement", `{}`, ErrMissingKey},
		{"no condition", `{"Statement":{` + resource + `}}`, ErrMissingKey},
		{"no resource", `{"Statement":{"Condition":{"DateLessThan":1}}}`, ErrMissingKey},
		{"no DateLessThan", `{"Statement":{"Condition":{},` + resource + `}}`, ErrMissingKey},
		{"unknown top key", `{"Statement":{"Condition":{"DateLessThan":1},` + resource + `},"X":1}`, ErrUnknownKey},
		{"unknown condition", `{"Statement":{"Condition":{"DateLessThan":1,"Referer":"x"},` + resource + `}}`, ErrUnknownKey},
		{"duplicate date", `{"Statement":{"Condition":{"DateLessThan":1,"DateLessThan":2},` + resource + `}}`, ErrDuplicateKey},
		{"duplicate resource", `{"Statement":{"Condition":{"DateLessThan":1},` + resource + `,` + resource + `}}`, ErrDuplicateKey},
		{"date as string", `{"Statement":{"Condition":{"DateLessThan":"1"},` + resource + `}}`, ErrWrongType},
		{"date fraction", `{"Statement":{"Condition":{"DateLessThan":1.5},` + resource + `}}`, ErrNotInteger},
		{"date exponent", `{"Statement":{"Condition":{"DateLessThan":1e3},` + resource + `}}`, ErrNotInteger},
		{"date overflow", `{"Statement":{"Condition":{"DateLessThan":9223372036854775808},` + resource + `}}`, ErrNotInteger},
		{"date leading zero", `{"Statement":{"Condition":{"DateLessThan":01},` + resource + `}}`, ErrSyntax},
		{"ip host name", `{"Statement":{"Condition":{"DateLessThan":1,"IpAddress":"localhost"},` + resource + `}}`, ErrInvalidIP},
		{"ip with zone", `{"Statement":{"Condition":{"DateLessThan":1,"IpAddress":"fe80::1%eth0"},` + resource + `}}`, ErrInvalidIP},
		{"resource number", `{"Statement":{"Condition":{"DateLessThan":1},"Resource":5}}`, ErrWrongType},
		{"lone surrogate", `{"Statement":{"Condition":{"DateLessThan":1},"Resource":"\ud800"}}`, ErrInvalidUTF8},
		{"raw control", "{\"Statement\":{\"Condition\":{\"DateLessThan\":1},\"Resource\":\"a\x01\"}}", ErrSyntax},
		{"trailing content", `{"Statement":{"Condition":{"DateLessThan":1},` + resource + `}} x`, ErrTrailingContent},
		{"missing comma", `{"Statement":{"Condition":{"DateLessThan":1}` + resource + `}}`, ErrSyntax},
		{"invalid UTF-8", "{\"Statement\":{\"Condition\":{\"DateLessThan\":1},\"Resource\":\"\xff\"}}", ErrInvalidUTF8},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf Buffer
			if _, err := Parse([]byte(tc.json), &buf); !errors.Is(err, tc.want) {
				t.Errorf("Parse error = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestParseAcceptsAnyOrderAndSpace(t *testing.T) {
	in := " { \"Statement\" : { \"Resource\" : \"http://h/\\u00e9\\/a\" , \"Condition\" : { \"IpAddress\" : \"::ffff:10.0.0.1\" , \"DateLessThan\" : -5 , \"DateGreaterThan\" : 0 } } } "
	var buf Buffer
	p, err := Parse([]byte(in), &buf)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(AppendJSON(nil, &p)); got != `{"Statement":{"Condition":{"DateGreaterThan":0,"DateLessThan":-5,"IpAddress":"10.0.0.1"},"Resource":"http:\/\/h\/é\/a"}}` {
		t.Errorf("rendered %s", got)
	}
}

func TestAppendJSONEscapes(t *testing.T) {
	p := Policy{Resource: []byte("a\"\\/\b\f\n\r\t\x01\x7f\u0085\u2028€😀é&='"), DateLessThan: 1}
	want := `{"Statement":{"Condition":{"DateLessThan":1},"Resource":"a\"\\\/\b\f\n\r\t\u0001\u007F\u0085\u2028\u20AC😀é&='"}}`
	if got := string(AppendJSON(nil, &p)); got != want {
		t.Errorf("AppendJSON =\n%s\nwant\n%s", got, want)
	}
}

func TestAppendIP(t *testing.T) {
	tests := []struct{ in, want string }{
		{"10.0.0.1", "10.0.0.1"},
		{"::1", "0:0:0:0:0:0:0:1"},
		{"2001:DB8::ABCD", "2001:db8:0:0:0:0:0:abcd"},
		{"::ffff:10.0.0.1", "10.0.0.1"},
		{"10.1.2.3/8", "10.0.0.0/8"},
		{"2001:db8::/48", "2001:db8:0:0:0:0:0:0/48"},
		{"::ffff:10.0.0.0/104", "10.0.0.0/8"},
	}
	for _, tc := range tests {
		prefix, isPrefix, err := ParseIP(tc.in)
		if err != nil {
			t.Errorf("ParseIP(%q): %v", tc.in, err)
			continue
		}
		if got := string(AppendIP(nil, prefix, isPrefix)); got != tc.want {
			t.Errorf("AppendIP(ParseIP(%q)) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, bad := range []string{"", " 10.0.0.1", "010.0.0.1", "10.0.0.1/33", "10.0.0.1/08", "fe80::1%eth0", "h"} {
		if _, _, err := ParseIP(bad); err == nil {
			t.Errorf("ParseIP(%q) accepted", bad)
		}
	}
}

func TestContains(t *testing.T) {
	prefix, _, _ := ParseIP("10.0.0.0/8")
	p := Policy{IP: prefix, HasIP: true}
	for addr, want := range map[string]bool{"10.1.2.3": true, "::ffff:10.1.2.3": true, "11.0.0.1": false, "::1": false} {
		if got := p.Contains(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Contains(%s) = %v, want %v", addr, got, want)
		}
	}
}

// FuzzParseIPPrefix checks that a prefix parses exactly when
// netip.ParsePrefix accepts it, to the same network.
func FuzzParseIPPrefix(f *testing.F) {
	for _, s := range []string{"10.0.0.0/8", "10.1.2.3/32", "10.0.0.0/33", "10.0.0.0/08", "10.0.0.0/+8",
		"10.0.0.0/", "/8", "2001:db8::/32", "2001:db8::/129", "::ffff:10.0.0.0/104", "::1/0", "1.2.3.4/0", "a/b/8"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !strings.Contains(s, "/") || strings.Contains(s, "%") {
			return
		}
		got, isPrefix, err := ParseIP(s)
		want, wantErr := netip.ParsePrefix(s)
		if (err == nil) != (wantErr == nil) || !isPrefix {
			t.Fatalf("ParseIP(%q) = %v, %v, %v; netip.ParsePrefix gives %v, %v", s, got, isPrefix, err, want, wantErr)
		}
		if err != nil {
			return
		}
		if want.Addr().Is4In6() && want.Bits() >= 96 {
			want = netip.PrefixFrom(want.Addr().Unmap(), want.Bits()-96)
		}
		if got != want.Masked() {
			t.Fatalf("ParseIP(%q) = %v; expected %v", s, got, want.Masked())
		}
	})
}
