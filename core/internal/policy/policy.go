// Package policy reads and writes the JSON policy of a signed URL.
//
// The parser accepts exactly the policy's shape and nothing else; the
// renderer writes the one form Opencast writes, byte for byte. Neither uses
// reflection, and Parse does not allocate.
package policy

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxSize is the largest decoded policy, in bytes, that Parse accepts.
const MaxSize = 64 << 10

// Policy is the content of a policy: what it grants and until when.
type Policy struct {
	// Resource is the URL, path or prefix pattern (ending in '*') the
	// policy grants access to.
	Resource []byte

	// DateLessThan is the end of validity, in Unix milliseconds.
	DateLessThan int64

	// DateGreaterThan is the start of validity, in Unix milliseconds,
	// when HasDateGreaterThan is set.
	DateGreaterThan    int64
	HasDateGreaterThan bool

	// IP is the client address or network the policy is bound to, when
	// HasIP is set. IPIsPrefix records whether it was written as a CIDR
	// prefix rather than as a single address.
	IP         netip.Prefix
	HasIP      bool
	IPIsPrefix bool
}

// AppendJSON appends the policy in the form Opencast writes it: no white
// space, keys in a fixed order, optional conditions left out, and strings
// escaped as the json-simple library escapes them.
func AppendJSON(dst []byte, p *Policy) []byte {
	dst = append(dst, `{"Statement":{"Condition":{`...)
	if p.HasDateGreaterThan {
		dst = append(dst, `"DateGreaterThan":`...)
		dst = strconv.AppendInt(dst, p.DateGreaterThan, 10)
		dst = append(dst, ',')
	}
	dst = append(dst, `"DateLessThan":`...)
	dst = strconv.AppendInt(dst, p.DateLessThan, 10)
	if p.HasIP {
		var ip [64]byte
		dst = append(dst, `,"IpAddress":`...)
		dst = appendString(dst, AppendIP(ip[:0], p.IP, p.IPIsPrefix))
	}
	dst = append(dst, `},"Resource":`...)
	dst = appendString(dst, p.Resource)
	return append(dst, '}', '}')
}

// plain marks the ASCII bytes that json-simple writes as they are.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = c != '"' && c != '\\' && c != '/'
	}
	return t
}()

// appendString appends s as a JSON string escaped as json-simple does:
// '"', '\' and '/' get a backslash, five controls have short escapes, and
// the code points U+0000-U+001F, U+007F-U+009F and U+2000-U+20FF become
// \uXXXX with uppercase hex. Everything else is written as UTF-8.
func appendString(dst, s []byte) []byte {
	dst = append(dst, '"')
	for len(s) > 0 {
		n := 0
		for n < len(s) && plain[s[n]] {
			n++
		}
		dst = append(dst, s[:n]...)
		if n == len(s) {
			break
		}
		r, size := rune(s[n]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(s[n:])
		}
		dst = appendRune(dst, r, s[n:n+size])
		s = s[n+size:]
	}
	return append(dst, '"')
}

func appendRune(dst []byte, r rune, raw []byte) []byte {
	switch r {
	case '"', '\\', '/':
		return append(dst, '\\', byte(r))
	case '\b':
		return append(dst, '\\', 'b')
	case '\f':
		return append(dst, '\\', 'f')
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	}
	if r <= 0x1f || (0x7f <= r && r <= 0x9f) || (0x2000 <= r && r <= 0x20ff) {
		const hex = "0123456789ABCDEF"
		return append(dst, '\\', 'u', hex[r>>12&15], hex[r>>8&15], hex[r>>4&15], hex[r&15])
	}
	return append(dst, raw...)
}

// AppendIP appends an address as Java's InetAddress.getHostAddress writes
// it: dotted IPv4, and IPv6 as eight lowercase hex groups without leading
// zeros and without "::" compression. An IPv4-mapped IPv6 address is written
// as IPv4. With asPrefix, "/bits" follows.
func AppendIP(dst []byte, p netip.Prefix, asPrefix bool) []byte {
	addr := p.Addr()
	if addr.Is4() {
		dst = addr.AppendTo(dst)
	} else {
		b := addr.As16()
		for i := 0; i < 16; i += 2 {
			if i > 0 {
				dst = append(dst, ':')
			}
			dst = strconv.AppendUint(dst, uint64(b[i])<<8|uint64(b[i+1]), 16)
		}
	}
	if asPrefix {
		dst = append(dst, '/')
		dst = strconv.AppendInt(dst, int64(p.Bits()), 10)
	}
	return dst
}

// Errors returned by ParseIP.
var (
	errIPZone   = errors.New("zone ids are not allowed")
	errIPSyntax = errors.New("not an IP address or CIDR prefix")
)

// ParseIP parses an IP address or a CIDR prefix, strictly: no white space,
// no zone, no leading zeros. It returns the address as a prefix of full
// length, or the prefix with its address masked, and whether the text was a
// prefix. IPv4-mapped IPv6 addresses and prefixes are turned into IPv4.
func ParseIP(s string) (prefix netip.Prefix, isPrefix bool, err error) {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '%':
			return netip.Prefix{}, false, errIPZone
		case '/':
			return parsePrefix(s)
		}
	}
	addr, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, false, errIPSyntax
	}
	addr = addr.Unmap()
	return netip.PrefixFrom(addr, addr.BitLen()), false, nil
}

// parsePrefix parses ADDRESS/BITS, with the rules of netip.ParsePrefix:
// decimal bits without a sign or leading zero, at most the address's
// length. It does not call ParsePrefix, whose error messages would bring
// strconv's Unicode tables into the WebAssembly module.
func parsePrefix(s string) (netip.Prefix, bool, error) {
	slash := strings.LastIndexByte(s, '/')
	addr, err := netip.ParseAddr(s[:slash])
	bits, ok := parseBits(s[slash+1:])
	if err != nil || !ok || bits > addr.BitLen() {
		return netip.Prefix{}, true, errIPSyntax
	}
	p := netip.PrefixFrom(addr, bits)
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	return p.Masked(), true, nil
}

// Contains reports whether the client address matches the policy's IP
// condition. Addresses are compared as addresses, never as text, and an
// IPv4-mapped client address equals its IPv4 address.
func (p *Policy) Contains(client netip.Addr) bool {
	if !client.IsValid() {
		return false
	}
	return p.IP.Contains(client.Unmap().WithZone(""))
}

// parseBits parses a prefix length: one to three digits, no leading zero.
func parseBits(s string) (int, bool) {
	if len(s) == 0 || len(s) > 3 || len(s) > 1 && s[0] == '0' {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}
