package edge

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"testing"
	"time"

	"github.com/signet-media/signet/config"
	"github.com/signet-media/signet/core"
	"github.com/signet-media/signet/server"
)

// newForwardedGateway starts a gateway that serves a.mp4 and trusts the
// proxies of proxies, with the client address in header.
func newForwardedGateway(t *testing.T, proxies []netip.Prefix, header string) *httptest.Server {
	t.Helper()
	files := movieFiles(t)
	policy := server.NewProxyPolicy(&config.Config{TrustedProxies: proxies, ClientHeader: header})
	gw, err := New(Config{
		Settings: Settings{Pool: newTestPool(t), Proxies: policy},
		Files:    files,
		Logger:   slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	return srv
}

// getWithHeader fetches u with one extra request header.
func getWithHeader(t *testing.T, u, name, value string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(name, value)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")}

func TestGatewayTrustedProxy(t *testing.T) {
	tests := []struct {
		name          string
		trusted       []netip.Prefix
		clientHeader  string
		header, value string
		status        int
		reason        string
	}{
		{"forwarded client", loopback, config.HeaderXForwardedFor, "X-Forwarded-For", "192.0.2.7", 200, ""},
		{"chain of proxies", loopback, config.HeaderXForwardedFor, "X-Forwarded-For", "192.0.2.7, 127.0.0.1", 200, ""},
		{"other client", loopback, config.HeaderXForwardedFor, "X-Forwarded-For", "192.0.2.8", 403, "ip-mismatch"},
		{"junk", loopback, config.HeaderXForwardedFor, "X-Forwarded-For", "junk", 400, "invalid-forwarded-header"},
		{"junk proto", loopback, config.HeaderXForwardedFor, "X-Forwarded-Proto", "gopher", 400, "invalid-forwarded-header"},
		{"Forwarded", loopback, config.HeaderForwarded, "Forwarded", "for=192.0.2.7", 200, ""},
		{"X-Forwarded-For ignored", loopback, config.HeaderForwarded, "X-Forwarded-For", "192.0.2.7", 403, "ip-mismatch"},
		{"untrusted peer", nil, config.HeaderXForwardedFor, "X-Forwarded-For", "192.0.2.7", 403, "ip-mismatch"},
		{"untrusted junk", nil, config.HeaderXForwardedFor, "X-Forwarded-For", "junk", 403, "ip-mismatch"},
		{"other network", []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")},
			config.HeaderXForwardedFor, "X-Forwarded-For", "192.0.2.7", 403, "ip-mismatch"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newForwardedGateway(t, tc.trusted, tc.clientHeader)
			signed := signRequest(t, srv.URL, core.SignRequest{
				URL: "/a.mp4", IP: "192.0.2.7", ValidUntil: time.Now().Add(time.Minute),
			})
			resp, body := getWithHeader(t, signed, tc.header, tc.value)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, expected %d; body %s", resp.StatusCode, tc.status, body)
			}
			if got := resp.Header.Get("X-Signet-Reason"); got != tc.reason {
				t.Errorf("X-Signet-Reason %q, expected %q", got, tc.reason)
			}
		})
	}
}

// TestGatewayTrustedProxyOrigin checks the forwarding headers that the
// origin receives behind a trusted proxy.
func TestGatewayTrustedProxyOrigin(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header
		fmt.Fprintf(w, "%s|%s|%s", h.Get("X-Forwarded-For"), h.Get("X-Forwarded-Host"), h.Get("X-Forwarded-Proto"))
	}))
	defer origin.Close()
	u, _ := url.Parse(origin.URL)
	policy := server.NewProxyPolicy(&config.Config{TrustedProxies: loopback})
	gw, err := New(Config{
		Settings: Settings{Pool: newTestPool(t), Proxies: policy},
		Origin:   u,
		Logger:   slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	defer srv.Close()

	signed := signRequest(t, srv.URL, core.SignRequest{URL: "/a.mp4", IP: "192.0.2.7", ValidUntil: time.Now().Add(time.Minute)})
	req, _ := http.NewRequest(http.MethodGet, signed, nil)
	req.Header.Set("X-Forwarded-For", "192.0.2.7")
	req.Header.Set("X-Forwarded-Host", "media.example")
	req.Header.Set("X-Forwarded-Proto", "https")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if want := "192.0.2.7, 127.0.0.1|media.example|https"; resp.StatusCode != 200 || string(body) != want {
		t.Errorf("origin received %d %q, expected 200 %q", resp.StatusCode, body, want)
	}
}
