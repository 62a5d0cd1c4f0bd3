package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"

	"github.com/signet-media/signet/config"
	"github.com/signet-media/signet/core"
)

// Reasons that the server adds to the verifier's, for requests whose
// forwarding headers cannot be used.
const (
	// ReasonUntrustedProxy (403) rejects a forward authentication request
	// from a peer outside config.Config.TrustedProxies.
	ReasonUntrustedProxy core.Reason = "untrusted-proxy"

	// ReasonMissingOriginalURI (400) rejects a forward authentication
	// request without X-Original-URI or X-Forwarded-Uri.
	ReasonMissingOriginalURI core.Reason = "missing-original-uri"

	// ReasonInvalidForwarded (400) rejects a request from a trusted proxy
	// whose forwarding headers are malformed, too long or contradict each
	// other.
	ReasonInvalidForwarded core.Reason = "invalid-forwarded-header"
)

// maxForwardedBytes bounds the values of the client address header
// (X-Forwarded-For or Forwarded) together, in bytes. It leaves room for a
// chain of about a hundred addresses.
const maxForwardedBytes = 4096

// maxHostBytes bounds the Host and X-Forwarded-Host headers: a DNS name of
// 253 bytes, or an IPv6 literal with a zone, plus a port.
const maxHostBytes = 300

// errForwarded wraps every error about forwarding headers.
var errForwarded = errors.New("invalid forwarding header")

// proxyPolicy decides which peers are trusted proxies and reads their
// forwarding headers. It is immutable and safe for concurrent use.
type proxyPolicy struct {
	trusted []netip.Prefix
	header  string // config.HeaderXForwardedFor or config.HeaderForwarded
}

func newProxyPolicy(cfg *config.Config) *proxyPolicy {
	header := cfg.ClientHeader
	if header == "" {
		header = config.HeaderXForwardedFor
	}
	return &proxyPolicy{trusted: cfg.TrustedProxies, header: header}
}

// trusts reports whether addr lies in a trusted network.
func (p *proxyPolicy) trusts(addr netip.Addr) bool {
	for _, network := range p.trusted {
		if network.Contains(addr) {
			return true
		}
	}
	return false
}

// origin is the source of a request and the URL the client requested, as
// far as the server can tell.
type origin struct {
	peer    netip.Addr // the connection's peer
	trusted bool       // the peer is a trusted proxy
	client  netip.Addr // the client; the zero Addr when a proxy does not know it
	named   bool       // the trusted proxy's client header named the client
	scheme  string     // "http" or "https"
	host    string     // host[:port]
}

// forwardedClient returns the client that a trusted proxy's client header
// named, for the request log: "" when no header named one, and "unknown"
// when the proxy did not know it.
func (o *origin) forwardedClient() string {
	switch {
	case !o.named:
		return ""
	case !o.client.IsValid():
		return "unknown"
	}
	return o.client.String()
}

// url returns the absolute URL of a request target in origin form.
func (o *origin) url(target string) string {
	return o.scheme + "://" + o.host + target
}

// resolve returns the origin of r. From a trusted proxy, the client is
// the rightmost address of the client header that is not itself trusted,
// and X-Forwarded-Proto and X-Forwarded-Host, when present, replace the
// scheme and host. From any other peer, these headers are ignored. The
// error, which wraps errForwarded, reports malformed headers of a trusted
// proxy; the origin returned with it has only peer and trusted set.
func (p *proxyPolicy) resolve(r *http.Request) (origin, error) {
	o := origin{peer: clientAddr(r), scheme: "http", host: r.Host}
	if r.TLS != nil {
		o.scheme = "https"
	}
	o.client = o.peer
	if len(p.trusted) == 0 || !o.peer.IsValid() || !p.trusts(o.peer) {
		return o, nil
	}
	o.trusted = true

	client, found, err := p.forwardedClient(r.Header)
	if err != nil {
		return origin{peer: o.peer, trusted: true}, err
	}
	if found {
		o.client, o.named = client, true
	}
	if err := readForwardedURL(r.Header, &o); err != nil {
		return origin{peer: o.peer, trusted: true}, err
	}
	return o, nil
}

// forwardedClient walks the hops of the client header from the right and
// returns the first address that is not trusted, or the leftmost one when
// all are. found is false when the header is absent.
func (p *proxyPolicy) forwardedClient(h http.Header) (client netip.Addr, found bool, err error) {
	values := h.Values(p.header)
	if len(values) == 0 {
		return netip.Addr{}, false, nil
	}
	size := 0
	for _, v := range values {
		size += len(v)
	}
	if size > maxForwardedBytes {
		return netip.Addr{}, false, fmt.Errorf("%w: %s is longer than %d bytes", errForwarded, p.header, maxForwardedBytes)
	}
	hops, err := p.hops(values)
	if err != nil {
		return netip.Addr{}, false, err
	}
	for i := len(hops) - 1; i >= 0; i-- {
		addr, known, err := p.parseHop(hops[i])
		if err != nil {
			return netip.Addr{}, false, err
		}
		if !known || i == 0 || !p.trusts(addr) {
			return addr, true, nil
		}
	}
	return netip.Addr{}, false, nil
}

// hops splits the values of the client header into one text per hop.
func (p *proxyPolicy) hops(values []string) ([]string, error) {
	var hops []string
	for _, v := range values {
		var parts []string
		if p.header == config.HeaderForwarded {
			var ok bool
			if parts, ok = splitQuoted(v, ','); !ok {
				return nil, fmt.Errorf("%w: Forwarded has an unterminated quoted string", errForwarded)
			}
		} else {
			parts = strings.Split(v, ",")
		}
		hops = append(hops, parts...)
	}
	return hops, nil
}

// parseHop returns the address of one hop. known is false for a hop that
// names no address: "unknown", or an obfuscated identifier of Forwarded
// such as "_hidden".
func (p *proxyPolicy) parseHop(hop string) (addr netip.Addr, known bool, err error) {
	text := strings.TrimSpace(hop)
	if p.header == config.HeaderForwarded {
		if text, err = forwardedFor(text); err != nil {
			return netip.Addr{}, false, err
		}
	}
	obfuscated := p.header == config.HeaderForwarded && strings.HasPrefix(text, "_")
	if obfuscated || strings.EqualFold(text, "unknown") {
		return netip.Addr{}, false, nil
	}
	addr, ok := parseHopAddr(text)
	if !ok {
		return netip.Addr{}, false, fmt.Errorf("%w: %s contains %s, which is not an IP address",
			errForwarded, p.header, quoteInput(text))
	}
	return addr, true, nil
}

// parseHopAddr parses "192.0.2.1", "2001:db8::1", "192.0.2.1:4711" or
// "[2001:db8::1]:4711". Zones are rejected and IPv4-mapped addresses
// unmapped.
func parseHopAddr(text string) (netip.Addr, bool) {
	if strings.HasPrefix(text, "[") && strings.HasSuffix(text, "]") {
		text = text[1 : len(text)-1]
	}
	addr, err := netip.ParseAddr(text)
	if err != nil {
		addrPort, portErr := netip.ParseAddrPort(text)
		if portErr != nil {
			return netip.Addr{}, false
		}
		addr = addrPort.Addr()
	}
	if addr.Zone() != "" {
		return netip.Addr{}, false
	}
	return addr.Unmap(), true
}

// forwardedFor returns the value of the for parameter of one element of
// a Forwarded header (RFC 7239), without quotes.
func forwardedFor(element string) (string, error) {
	pairs, _ := splitQuoted(element, ';')
	for _, pair := range pairs {
		name, value, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok || !strings.EqualFold(name, "for") {
			continue
		}
		if strings.HasPrefix(value, `"`) {
			if len(value) < 2 || !strings.HasSuffix(value, `"`) {
				break
			}
			value = strings.ReplaceAll(value[1:len(value)-1], `\`, "")
		}
		return value, nil
	}
	return "", fmt.Errorf("%w: a Forwarded element has no valid for= parameter", errForwarded)
}

// splitQuoted splits s at sep outside of quoted strings, in which a
// backslash escapes the next character. ok is false when a quoted string
// does not end.
func splitQuoted(s string, sep byte) (parts []string, ok bool) {
	start, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case !quoted && c == sep:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:]), !quoted
}

// readForwardedURL sets the scheme and host of o from X-Forwarded-Proto
// and X-Forwarded-Host, when present. Each must be a single value.
func readForwardedURL(h http.Header, o *origin) error {
	if proto, ok, err := singleHeader(h, "X-Forwarded-Proto"); err != nil {
		return err
	} else if ok {
		proto = strings.ToLower(proto)
		if proto != "http" && proto != "https" {
			return fmt.Errorf("%w: X-Forwarded-Proto is %s; expected http or https", errForwarded, quoteInput(proto))
		}
		o.scheme = proto
	}
	if host, ok, err := singleHeader(h, "X-Forwarded-Host"); err != nil {
		return err
	} else if ok {
		if !validHost(host) {
			return fmt.Errorf("%w: X-Forwarded-Host is %s; expected one host[:port]", errForwarded, quoteInput(host))
		}
		o.host = host
	}
	return nil
}

// singleHeader returns the value of a header, trimmed of white space, and
// an error when the header appears more than once.
func singleHeader(h http.Header, name string) (value string, ok bool, err error) {
	values := h.Values(name)
	switch len(values) {
	case 0:
		return "", false, nil
	case 1:
		return strings.TrimSpace(values[0]), true, nil
	}
	return "", false, fmt.Errorf("%w: %s is given %d times; a proxy must set it once", errForwarded, name, len(values))
}

// validHost reports whether host is a non-empty host[:port] of the
// characters that URL authorities use, without user info.
func validHost(host string) bool {
	if host == "" || len(host) > maxHostBytes {
		return false
	}
	for i := 0; i < len(host); i++ {
		c := host[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-._~:[]%!$&'()*+;=", c) >= 0:
		default:
			return false
		}
	}
	return true
}
