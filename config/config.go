package config

import (
	"io/fs"
	"net/netip"
	"slices"
	"time"

	"github.com/signet-media/signet/core"
)

// Defaults of the fields of Config.
const (
	DefaultListen          = "127.0.0.1:8080"
	DefaultLifetime        = 7200 * time.Second
	DefaultMaxLifetime     = 7 * 24 * time.Hour
	DefaultCredentialCache = 60 * time.Second
	DefaultMediaPath       = "/media/"
	DefaultMaxURLBytes     = 8 << 10
	DefaultMaxBodyBytes    = 64 << 10
	// DefaultMaxPlaylistBytes holds a two-hour HLS stream in 2-second
	// segments, about 3600 segment URIs of 40 bytes each with a 400-byte
	// signing query appended, rounded up.
	DefaultMaxPlaylistBytes = 4 << 20
	DefaultOrganization     = "mh_default_org"
	DefaultForwardAuthPath  = "/auth"
	DefaultReloadInterval   = 5 * time.Second
)

// The roles that may sign URLs, as in Opencast's External API.
const (
	RoleAdmin           = "ROLE_ADMIN"
	RoleAPISecurityEdit = "ROLE_API_SECURITY_EDIT"
)

// Config is the whole configuration of a signet server.
type Config struct {
	// Sources are the files the configuration was read from, for logs.
	Sources []string

	// Listen is the TCP address to listen on. Default DefaultListen.
	Listen string

	// ListenAt is the location, "file:line", of the listen setting that
	// set Listen. It is empty when Listen is the default or was set by
	// code.
	ListenAt string

	// Keys sign and verify URLs. Every key verifies. A key with URL
	// prefixes signs, unless SignKeys is set and does not list it.
	Keys []core.Key

	// SignKeys, when not nil, lists the ids of the keys that sign. The
	// other keys only verify, which is how a key is rotated: the new key
	// is added to every verifier before it signs, and the old one keeps
	// verifying until the URLs it signed have expired.
	SignKeys []string

	// Exclude is a regular expression matching whole URLs never to sign.
	Exclude string

	// NonStrict verifies only the path of media requests. Default: strict.
	NonStrict bool

	// Leeway widens the time bounds of policies for clock skew. Default 0.
	Leeway time.Duration

	// DefaultLifetime is the validity of a URL signed without valid-until.
	// Default DefaultLifetime.
	DefaultLifetime time.Duration

	// MaxLifetime is the longest validity a sign request may ask for.
	// Default DefaultMaxLifetime.
	MaxLifetime time.Duration

	// Users may sign with HTTP Basic authentication.
	Users []User

	// Tokens may sign with bearer authentication.
	Tokens []Token

	// CredentialCache is how long verified credentials are remembered, so
	// that bcrypt does not run on every request. Default
	// DefaultCredentialCache; a negative value disables the cache.
	CredentialCache time.Duration

	// CORS configures cross-origin access for web players.
	CORS CORS

	// MediaPath is the URL path under which MediaDir is served to
	// requests that verify. Default DefaultMediaPath.
	MediaPath string

	// MediaDir is the directory of protected media. Empty: no media route
	// unless MediaFS is set.
	MediaDir string

	// MediaFS, when set, replaces MediaDir with a file system, such as the
	// demo's embedded sample. It is set by code, not by a file.
	MediaFS fs.FS

	// PlayerDir, when set, is a directory of static files served at
	// /player/ without verification.
	PlayerDir string

	// PlayerFS, when set, replaces PlayerDir with a file system, such as
	// the demo's embedded player page. It is set by code, not by a file.
	PlayerFS fs.FS

	// MaxURLBytes bounds the request target; longer ones get 414.
	// Default DefaultMaxURLBytes.
	MaxURLBytes int

	// MaxBodyBytes bounds request bodies; larger ones get 413.
	// Default DefaultMaxBodyBytes.
	MaxBodyBytes int64

	// MaxPlaylistBytes bounds an HLS playlist that the media route
	// rewrites, both as read and as rewritten; longer ones get 507.
	// Default DefaultMaxPlaylistBytes.
	MaxPlaylistBytes int

	// TrustedProxies are the networks of the reverse proxies whose
	// forwarding headers the server believes: ClientHeader for the
	// client address, X-Forwarded-Proto and X-Forwarded-Host for the
	// URL, and the original URL of forward authentication requests.
	// Requests from other peers are taken as they come. Default: none.
	TrustedProxies []netip.Prefix

	// ClientHeader is the header that names the client address behind a
	// trusted proxy: HeaderXForwardedFor or HeaderForwarded. Only this
	// one is read, so that a client cannot add the other to claim an
	// address. Default HeaderXForwardedFor.
	ClientHeader string

	// ForwardAuthPath is the path of the forward authentication route,
	// which web servers ask whether a request may pass. Default
	// DefaultForwardAuthPath.
	ForwardAuthPath string

	// DisableMetrics removes the Prometheus route /metrics.
	DisableMetrics bool

	// ReloadInterval is how often signet serve checks whether a
	// configuration file has changed, and reloads it when one has. Zero
	// disables the check; Load sets DefaultReloadInterval unless the
	// file sets it. SIGHUP always reloads.
	ReloadInterval time.Duration
}

// User is an account for HTTP Basic authentication.
type User struct {
	Name         string
	PasswordHash string // bcrypt
	Roles        []string
	Organization string // default DefaultOrganization
}

// Token is a bearer API token. Only the SHA-256 of the token is stored.
type Token struct {
	Name         string
	SHA256       [32]byte
	Roles        []string
	Organization string // default DefaultOrganization
}

// CORS is the cross-origin configuration.
type CORS struct {
	// AllowedOrigins lists the origins, such as "https://player.example.org",
	// that may call the API from a browser. "*" allows any origin, but
	// never with credentials.
	AllowedOrigins []string

	// AllowCredentials lets browsers send cookies and Authorization
	// headers. It requires explicit origins.
	AllowCredentials bool
}

// CanSign reports whether roles include one that may sign URLs.
func CanSign(roles []string) bool {
	for _, r := range roles {
		if r == RoleAdmin || r == RoleAPISecurityEdit {
			return true
		}
	}
	return false
}

// SignerConfig returns the configuration of a core.Signer: the keys that
// sign, and the exclude pattern.
func (c *Config) SignerConfig() core.SignerConfig {
	sc := core.SignerConfig{Exclude: c.Exclude}
	for _, k := range c.Keys {
		if c.Signs(k) {
			sc.Keys = append(sc.Keys, k)
		}
	}
	return sc
}

// Signs reports whether the key signs: it has URL prefixes, and SignKeys
// is nil or lists it.
func (c *Config) Signs(k core.Key) bool {
	return len(k.URLs) > 0 && c.signs(k.ID)
}

// signs reports whether SignKeys is nil or lists the key id.
func (c *Config) signs(id string) bool {
	return c.SignKeys == nil || slices.Contains(c.SignKeys, id)
}

// VerifierConfig returns the configuration of a core.Verifier: every key,
// the strictness and the leeway.
func (c *Config) VerifierConfig() core.VerifierConfig {
	return core.VerifierConfig{Keys: c.Keys, NonStrict: c.NonStrict, Leeway: c.Leeway}
}
