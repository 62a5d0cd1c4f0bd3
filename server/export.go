package server

import (
	"io/fs"
	"net/http"
	"net/netip"
	"time"

	"github.com/signet-media/signet/core"
)

// The helpers below let signet edge answer media requests as the media
// route does.

// MediaRequestURL returns the URL of r as the client sent it, for
// core.Verifier.Verify: scheme, Host header and the raw request target.
func MediaRequestURL(r *http.Request) string { return requestURL(r) }

// MediaClientAddr returns the address of the connection's peer, or the
// zero Addr when RemoteAddr is no IP address.
func MediaClientAddr(r *http.Request) netip.Addr { return clientAddr(r) }

// MediaFileName maps the raw path of r under prefix to a name in a file
// system, rejecting encoded slashes, NULs and paths outside prefix.
func MediaFileName(r *http.Request, prefix string) (string, bool) {
	return fileName(rawPath(r), prefix)
}

// MediaCacheControl returns the Cache-Control of a verified response:
// private, and never cached beyond validUntil or one day.
func MediaCacheControl(validUntil, now time.Time) string { return mediaCacheControl(validUntil, now) }

// OpenMediaFile opens a regular file of fsys; directories and special
// files are reported as fs.ErrNotExist.
func OpenMediaFile(fsys fs.FS, name string) (fs.File, fs.FileInfo, error) {
	return openRegular(fsys, name)
}

// ReasonMessage returns the error text of a rejected media request.
func ReasonMessage(r core.Reason) string {
	if message, ok := reasonMessages[r]; ok {
		return message
	}
	return "the URL is not accepted"
}

// RedactTarget returns a request target for a log line, with the values of
// the policy and signature parameters replaced by REDACTED, and the first
// 8 hex digits of the SHA-256 of the signature.
func RedactTarget(target string) (redacted, sigHash string) { return redactTarget(target) }
