package server

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/signet-media/signet/config"
	"github.com/signet-media/signet/core"
	"github.com/signet-media/signet/internal/hls"
)

// The helpers below let signet edge handle media requests as the media
// route does.

// MediaFileName maps the raw path of r under prefix to a name in a file
// system, rejecting encoded slashes, NULs and paths outside prefix.
func MediaFileName(r *http.Request, prefix string) (string, bool) {
	return fileName(rawPath(r), prefix)
}

// MediaCacheControl returns the Cache-Control of a verified response:
// private, and never cached beyond validUntil or one day.
func MediaCacheControl(validUntil, now time.Time) string { return mediaCacheControl(validUntil, now) }

// RootFS returns the file system of root for OpenMediaFile, which then
// opens files of root without blocking on named pipes and with fewer
// system calls than through root.FS().
func RootFS(root *os.Root) fs.FS { return newRootFS(root) }

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

// PlaylistType is the media type of HLS playlists (RFC 8216, section 4).
const PlaylistType = playlistType

// ReasonPlaylistTooLarge (507) rejects a playlist that, read or rewritten,
// is longer than limits.max-playlist-bytes.
const ReasonPlaylistTooLarge core.Reason = reasonPlaylistTooLarge

// ErrPlaylistURL means that the URL of a playlist request cannot be
// parsed or carries no signing parameters, so its playlist cannot be
// rewritten.
var ErrPlaylistURL = errors.New("server: the playlist URL cannot be parsed")

// IsPlaylist reports whether r names an HLS playlist, by the extension of
// its path after percent-decoding.
func IsPlaylist(r *http.Request) bool { return isPlaylist(rawPath(r)) }

// PlaylistTooLargeMessage returns the error text of a playlist longer
// than limit bytes.
func PlaylistTooLargeMessage(limit int) string {
	return "the playlist, rewritten, is longer than limits.max-playlist-bytes (" + strconv.Itoa(limit) + " bytes)"
}

// RewritePlaylist reads a playlist from src and returns it with the
// signing parameters of target, the verified request URL, appended to
// every URI that scope covers, as the media route rewrites playlists. It
// returns an error wrapping ErrPlaylistURL when target cannot be used,
// and hls.ErrTooLarge when the playlist, read or rewritten, is longer
// than limit bytes. It never returns part of a playlist.
func RewritePlaylist(src io.Reader, target string, scope core.Scope, limit int) ([]byte, error) {
	base, err := url.Parse(target)
	query, found := hls.SigningQuery(rawQueryOf(target))
	if err != nil || !found {
		return nil, ErrPlaylistURL
	}
	var out bytes.Buffer
	if err := hls.Rewrite(src, &out, base, scope.Covers, query, limit); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// ProxyPolicy decides, as the media route does, which peers are trusted
// proxies and reads their forwarding headers. The zero ProxyPolicy trusts
// no peer. It is immutable and safe for concurrent use.
type ProxyPolicy struct {
	policy *proxyPolicy
}

// NewProxyPolicy returns the policy of cfg's proxy.trusted and
// proxy.client-header.
func NewProxyPolicy(cfg *config.Config) ProxyPolicy {
	return ProxyPolicy{policy: newProxyPolicy(cfg)}
}

// MediaOrigin is the source of a media request, as far as the server can
// tell: the URL that the client requested and the client's address.
type MediaOrigin struct {
	URL       string     // the request URL as the client sent it, for core.Verifier.Verify
	Scheme    string     // "http" or "https"
	Host      string     // host[:port]
	Client    netip.Addr // the zero Addr when a trusted proxy does not know it
	Forwarded bool       // the peer is a trusted proxy, which named Client, Scheme and Host
}

// Resolve returns the origin of r. From a trusted proxy, the client,
// scheme and host are those that its forwarding headers name. From any
// other peer, they are those of the connection and the Host header. The
// error reports malformed forwarding headers of a trusted proxy, which
// the media route rejects with 400 and ReasonInvalidForwarded. Its
// message quotes at most the start of a forwarding header, never the
// request URL, and may be sent to the client.
func (p ProxyPolicy) Resolve(r *http.Request) (MediaOrigin, error) {
	policy := p.policy
	if policy == nil {
		policy = &proxyPolicy{}
	}
	o, err := policy.resolve(r)
	if err != nil {
		return MediaOrigin{}, err
	}
	return MediaOrigin{
		URL:       o.url(originForm(r.RequestURI)),
		Scheme:    o.scheme,
		Host:      o.host,
		Client:    o.client,
		Forwarded: o.trusted,
	}, nil
}

// SignedURLChallenge is the WWW-Authenticate challenge that the media
// route sends with the 401 of an unsigned request.
const SignedURLChallenge = signedURLChallenge
