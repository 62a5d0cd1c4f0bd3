package config

import (
	"fmt"
	"net/netip"
	"strings"
)

// The request headers that may name the client behind trusted proxies.
const (
	HeaderXForwardedFor = "X-Forwarded-For"
	HeaderForwarded     = "Forwarded"
)

// setTrustedProxies reads a list of networks in CIDR notation. A bare
// address stands for itself alone (/32 or /128).
func setTrustedProxies(l *loader, e entry) error {
	items, err := splitList(e.value)
	if err != nil {
		return e.errorf("%w", err)
	}
	if len(items) == 0 {
		return e.errorf("empty list; write networks such as 127.0.0.1/32, ::1/128, separated by commas")
	}
	prefixes := make([]netip.Prefix, 0, len(items))
	for _, item := range items {
		p, err := parseNetwork(item)
		if err != nil {
			return e.errorf("%w", err)
		}
		prefixes = append(prefixes, p)
	}
	l.cfg.TrustedProxies = prefixes
	return nil
}

// parseNetwork parses "10.0.0.0/8" or "10.0.0.1". The address part must
// be the network address, so that a typo such as 10.0.0.1/8 does not trust
// a whole network unnoticed. IPv4-mapped IPv6 addresses are unmapped.
func parseNetwork(text string) (netip.Prefix, error) {
	if !strings.Contains(text, "/") {
		addr, err := netip.ParseAddr(text)
		if err != nil || addr.Zone() != "" {
			return netip.Prefix{}, fmt.Errorf("invalid network %q; write an address or a CIDR prefix such as 10.0.0.0/8", text)
		}
		addr = addr.Unmap()
		return netip.PrefixFrom(addr, addr.BitLen()), nil
	}
	p, err := netip.ParsePrefix(text)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("invalid network %q; write a CIDR prefix such as 10.0.0.0/8 or ::1/128", text)
	}
	if p.Masked() != p {
		return netip.Prefix{}, fmt.Errorf("invalid network %q: the address has bits set beyond the prefix length; write %s",
			text, p.Masked())
	}
	if p.Addr().Is4In6() {
		bits := p.Bits() - 96
		if bits < 0 {
			return netip.Prefix{}, fmt.Errorf("invalid network %q: it reaches beyond the IPv4-mapped range; write an IPv4 network", text)
		}
		p = netip.PrefixFrom(p.Addr().Unmap(), bits)
	}
	return p, nil
}

func setClientHeader(l *loader, e entry) error {
	switch strings.ToLower(e.value) {
	case strings.ToLower(HeaderXForwardedFor):
		l.cfg.ClientHeader = HeaderXForwardedFor
	case strings.ToLower(HeaderForwarded):
		l.cfg.ClientHeader = HeaderForwarded
	default:
		return e.errorf("invalid header %q; write %s or %s", e.value, HeaderXForwardedFor, HeaderForwarded)
	}
	return nil
}

// setForwardAuthPath reads the path of the forward authentication route:
// a clean path without a trailing slash.
func setForwardAuthPath(l *loader, e entry) error {
	if err := CheckRoutePath(e.value); err != nil {
		return e.errorf("%w", err)
	}
	l.cfg.ForwardAuthPath = e.value
	return nil
}

// CheckRoutePath checks the path of a route of its own, such as the
// forward authentication route: it starts with '/', does not end with
// '/', is clean, and overlaps none of the server's other routes.
func CheckRoutePath(p string) error {
	if len(p) < 2 || p[0] != '/' || strings.HasSuffix(p, "/") || !isCleanDirPath(p+"/") {
		return fmt.Errorf("invalid path %q: write a clean path that starts with '/' and does not end with it, "+
			"such as /auth", p)
	}
	for _, route := range []string{"/api/", "/healthz/", "/player/", "/metrics/"} {
		if strings.HasPrefix(p+"/", route) || strings.HasPrefix(route, p+"/") {
			return fmt.Errorf("invalid path %q: it overlaps the server's route %s", p, route)
		}
	}
	return nil
}

// checkForwardAuthPath rejects a media.path that contains the forward
// authentication route, or the other way round.
func (l *loader) checkForwardAuthPath() {
	authPath := l.cfg.ForwardAuthPath
	media := l.cfg.MediaPath
	if !strings.HasPrefix(authPath+"/", media) && !strings.HasPrefix(media, authPath+"/") {
		return
	}
	e, ok := l.settings["forward-auth.path"]
	if !ok {
		e = l.settings["media.path"]
	}
	l.fail(e.errorf("forward-auth.path %q and media.path %q overlap; give each its own path", authPath, media))
}
