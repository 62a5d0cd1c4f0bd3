package server

import (
	"errors"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/signet-media/signet/config"
)

func TestProxyResolve(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	tests := []struct {
		name       string
		header     string // config.ClientHeader; default X-Forwarded-For
		peer       string
		headers    []string // name and value pairs, added in order
		wantClient string   // "" for the zero Addr
		wantScheme string
		wantHost   string
		wantErr    string
	}{
		{name: "untrusted peer ignores headers", peer: "192.0.2.1:5000",
			headers:    []string{"X-Forwarded-For", "198.51.100.7", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "evil.example"},
			wantClient: "192.0.2.1", wantScheme: "http", wantHost: "media.example.org"},
		{name: "untrusted peer ignores garbage", peer: "192.0.2.1:5000",
			headers:    []string{"X-Forwarded-For", "not an address", "X-Forwarded-Proto", "gopher"},
			wantClient: "192.0.2.1", wantScheme: "http", wantHost: "media.example.org"},
		{name: "trusted peer without headers", peer: "10.1.2.3:5000",
			wantClient: "10.1.2.3", wantScheme: "http", wantHost: "media.example.org"},
		{name: "rightmost untrusted", peer: "10.1.2.3:5000",
			headers:    []string{"X-Forwarded-For", "203.0.113.9, 198.51.100.7, 10.9.9.9"},
			wantClient: "198.51.100.7", wantScheme: "http", wantHost: "media.example.org"},
		{name: "several header lines", peer: "10.1.2.3:5000",
			headers:    []string{"X-Forwarded-For", "203.0.113.9", "X-Forwarded-For", "198.51.100.7, 10.0.0.2"},
			wantClient: "198.51.100.7", wantScheme: "http", wantHost: "media.example.org"},
		{name: "all trusted takes leftmost", peer: "[::1]:5000",
			headers:    []string{"X-Forwarded-For", "10.0.0.5, 10.0.0.6"},
			wantClient: "10.0.0.5", wantScheme: "http", wantHost: "media.example.org"},
		{name: "ports and IPv6", peer: "10.1.2.3:5000",
			headers:    []string{"X-Forwarded-For", "[2001:db8::7]:4711, 10.0.0.1:80"},
			wantClient: "2001:db8::7", wantScheme: "http", wantHost: "media.example.org"},
		{name: "mapped address", peer: "10.1.2.3:5000",
			headers:    []string{"X-Forwarded-For", "::ffff:198.51.100.7"},
			wantClient: "198.51.100.7", wantScheme: "http", wantHost: "media.example.org"},
		{name: "unknown client", peer: "10.1.2.3:5000",
			headers:    []string{"X-Forwarded-For", "198.51.100.7, unknown"},
			wantClient: "", wantScheme: "http", wantHost: "media.example.org"},
		{name: "garbage left of the client is not read", peer: "10.1.2.3:5000",
			headers:    []string{"X-Forwarded-For", "garbage, 198.51.100.7"},
			wantClient: "198.51.100.7", wantScheme: "http", wantHost: "media.example.org"},
		{name: "scheme and host", peer: "10.1.2.3:5000",
			headers:    []string{"X-Forwarded-Proto", "HTTPS", "X-Forwarded-Host", "cdn.example.org:8443"},
			wantClient: "10.1.2.3", wantScheme: "https", wantHost: "cdn.example.org:8443"},
		{name: "Forwarded ignored when X-Forwarded-For is configured", peer: "10.1.2.3:5000",
			headers:    []string{"Forwarded", "for=198.51.100.7"},
			wantClient: "10.1.2.3", wantScheme: "http", wantHost: "media.example.org"},
		{name: "Forwarded", header: config.HeaderForwarded, peer: "10.1.2.3:5000",
			headers:    []string{"Forwarded", `for=203.0.113.9;proto=https, for="[2001:db8:cafe::17]:4711";by=10.0.0.1, for=10.0.0.2`},
			wantClient: "2001:db8:cafe::17", wantScheme: "http", wantHost: "media.example.org"},
		{name: "Forwarded obfuscated", header: config.HeaderForwarded, peer: "10.1.2.3:5000",
			headers:    []string{"Forwarded", "for=_hidden"},
			wantClient: "", wantScheme: "http", wantHost: "media.example.org"},
		{name: "X-Forwarded-For ignored when Forwarded is configured", header: config.HeaderForwarded, peer: "10.1.2.3:5000",
			headers:    []string{"X-Forwarded-For", "198.51.100.7"},
			wantClient: "10.1.2.3", wantScheme: "http", wantHost: "media.example.org"},

		{name: "garbage", peer: "10.1.2.3:5000",
			headers: []string{"X-Forwarded-For", "198.51.100.7, <script>"}, wantErr: "not an IP address"},
		{name: "empty hop", peer: "10.1.2.3:5000",
			headers: []string{"X-Forwarded-For", "198.51.100.7,,10.0.0.1"}, wantErr: "not an IP address"},
		{name: "zone", peer: "10.1.2.3:5000",
			headers: []string{"X-Forwarded-For", "fe80::1%eth0"}, wantErr: "not an IP address"},
		{name: "too long", peer: "10.1.2.3:5000",
			headers: []string{"X-Forwarded-For", strings.Repeat("10.0.0.1, ", 500)}, wantErr: "longer than 4096 bytes"},
		{name: "bad proto", peer: "10.1.2.3:5000",
			headers: []string{"X-Forwarded-Proto", "gopher"}, wantErr: "expected http or https"},
		{name: "proto list", peer: "10.1.2.3:5000",
			headers: []string{"X-Forwarded-Proto", "https, http"}, wantErr: "expected http or https"},
		{name: "two hosts", peer: "10.1.2.3:5000",
			headers: []string{"X-Forwarded-Host", "a.example", "X-Forwarded-Host", "b.example"}, wantErr: "given 2 times"},
		{name: "host with user info", peer: "10.1.2.3:5000",
			headers: []string{"X-Forwarded-Host", "user@evil.example"}, wantErr: "expected one host[:port]"},
		{name: "host with path", peer: "10.1.2.3:5000",
			headers: []string{"X-Forwarded-Host", "evil.example/x"}, wantErr: "expected one host[:port]"},
		{name: "Forwarded unterminated", header: config.HeaderForwarded, peer: "10.1.2.3:5000",
			headers: []string{"Forwarded", `for="[2001:db8::1]`}, wantErr: "unterminated"},
		{name: "Forwarded without for", header: config.HeaderForwarded, peer: "10.1.2.3:5000",
			headers: []string{"Forwarded", "proto=https"}, wantErr: "no valid for="},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newProxyPolicy(&config.Config{TrustedProxies: trusted, ClientHeader: tc.header})
			r := httptest.NewRequest("GET", "http://media.example.org/a.mp4", nil)
			r.RemoteAddr = tc.peer
			for i := 0; i+1 < len(tc.headers); i += 2 {
				r.Header.Add(tc.headers[i], tc.headers[i+1])
			}
			o, err := p.resolve(r)
			if tc.wantErr != "" {
				if err == nil || !errors.Is(err, errForwarded) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("resolve error = %v, want one containing %q", err, tc.wantErr)
				}
				if !o.trusted {
					t.Error("origin of a rejected request is not marked trusted")
				}
				return
			}
			if err != nil {
				t.Fatalf("resolve: %v", err)
			}
			var want netip.Addr
			if tc.wantClient != "" {
				want = netip.MustParseAddr(tc.wantClient)
			}
			if o.client != want {
				t.Errorf("client = %v, want %v", o.client, want)
			}
			if o.scheme != tc.wantScheme {
				t.Errorf("scheme = %q, want %q", o.scheme, tc.wantScheme)
			}
			if o.host != tc.wantHost {
				t.Errorf("host = %q, want %q", o.host, tc.wantHost)
			}
		})
	}
}

func TestProxyNoTrustedNetworks(t *testing.T) {
	p := newProxyPolicy(&config.Config{})
	r := httptest.NewRequest("GET", "http://media.example.org/a.mp4", nil)
	r.RemoteAddr = "127.0.0.1:80"
	r.Header.Set("X-Forwarded-For", "198.51.100.7")
	o, err := p.resolve(r)
	if err != nil || o.trusted || o.client != netip.MustParseAddr("127.0.0.1") {
		t.Errorf("resolve = %+v, %v; want the untrusted peer 127.0.0.1", o, err)
	}
}

func FuzzProxyResolve(f *testing.F) {
	f.Add("198.51.100.7, 10.0.0.1", `for="[2001:db8::1]:80";proto=https`, "https", "a.example:80")
	f.Add("unknown", "for=_x, for=unknown", "HTTP", "")
	f.Add(",,", `for="`, "", "[::1]")
	f.Fuzz(func(t *testing.T, xff, forwarded, proto, host string) {
		for _, header := range []string{config.HeaderXForwardedFor, config.HeaderForwarded} {
			p := newProxyPolicy(&config.Config{
				TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
				ClientHeader:   header,
			})
			r := httptest.NewRequest("GET", "http://media.example.org/a.mp4", nil)
			r.RemoteAddr = "10.0.0.9:1234"
			r.Header["X-Forwarded-For"] = []string{xff}
			r.Header["Forwarded"] = []string{forwarded}
			r.Header["X-Forwarded-Proto"] = []string{proto}
			r.Header["X-Forwarded-Host"] = []string{host}
			o, err := p.resolve(r)
			if err == nil && (o.scheme != "http" && o.scheme != "https" || !validHost(o.host) && o.host != "media.example.org") {
				t.Errorf("resolve accepted scheme %q host %q", o.scheme, o.host)
			}
		}
	})
}
