// Package config holds signet's configuration and reads it from signet's
// own file and from Opencast's URL signing files.
//
// # Format
//
// All three kinds of file share one format, Java properties as Opencast's
// .cfg files use it: "key = value", "key: value" or "key value" lines, '#'
// or '!' comments, and a trailing backslash to continue a line. The escapes
// \t, \n, \r, \f and \uXXXX stand for their characters, and a backslash
// before any other character for that character. Files are read as UTF-8
// and may be at most MaxFileSize bytes. Values are trimmed of white space,
// as Opencast trims them. A key given twice in one file is an error, and
// so is a key given in several files with different values. A value
// containing "${" is an error too, because the variable substitution of
// Apache Felix FileInstall is not supported.
//
// NOTE: Older versions of Felix FileInstall read .cfg files as ISO-8859-1,
// so a secret with non-ASCII characters may have other bytes in Opencast.
// Keep secrets ASCII.
//
// # Opencast's files
//
// Load chooses the kind of a file by its name. A name ending in
// GenericUrlSigningProvider.cfg is Opencast's signing provider file, with
// these keys:
//
//	key.<id>.secret = <secret>
//	key.<id>.url = <prefix>
//	key.<id>.url.<name> = <another prefix>
//	key.<id>.organization = <organization, or * for any>
//	exclude.url.pattern = <regular expression of whole URLs never to sign>
//
// A key id contains no '.'. A prefix is scheme://host/path or a path
// starting with '/'. A name ending in UrlSigningVerifierImpl.cfg is
// Opencast's verifier file, with only lines "key.<id> = <secret>": these
// keys verify but do not sign. Secrets are used as the UTF-8 bytes of
// their text. A key may appear in several files, but only with one
// secret.
//
// # Signet's file
//
// Any other file is signet's own, such as signet.conf. It accepts the keys
// of the signing provider file and the following ones. The text after '#'
// explains each key here only: in a file, a comment takes a line of its
// own.
//
//	listen = 127.0.0.1:8080            # host:port
//	verify.strict = true               # false compares only paths
//	verify.leeway = 0s                 # widens policy times for clock skew
//	sign.default-lifetime = 2h         # validity when a request gives none
//	sign.max-lifetime = 168h           # at least the default lifetime
//	sign.keys = <id>, <id>             # the keys that sign; default: all with a URL
//	auth.credential-cache = 60s        # negative disables
//	user.<name>.password-hash = <bcrypt hash>
//	user.<name>.roles = ROLE_ADMIN, ROLE_X
//	user.<name>.organization = mh_default_org
//	token.<name>.sha256 = <64 hex digits: SHA-256 of the bearer token>
//	token.<name>.roles = ROLE_API_SECURITY_EDIT
//	token.<name>.organization = mh_default_org
//	cors.allowed-origins = https://a.example.org, https://b.example.org
//	cors.allow-credentials = false     # needs origins other than *
//	media.path = /media/               # URL path of media.dir
//	media.dir = /srv/media
//	player.dir = ./player              # static files at /player/
//	limits.max-url-bytes = 8192        # 1024 to 1048576
//	limits.max-body-bytes = 65536      # 1024 or more
//	limits.max-playlist-bytes = 4194304  # rewritten HLS playlists; 1024 to 2^30
//	proxy.trusted = <127.0.0.1/32, ::1/128>   # networks of reverse proxies; default none
//	proxy.client-header = X-Forwarded-For     # or Forwarded
//	forward-auth.path = /auth          # route for nginx auth_request and others
//	metrics.enabled = true             # Prometheus metrics at /metrics
//	reload.interval = 5s               # check files for changes; 0s: only SIGHUP
//	opencast.signing-config = <path of a GenericUrlSigningProvider file>
//	opencast.verifier-config = <path of a UrlSigningVerifierImpl file>
//
// The values shown are the defaults, except for the examples in angle
// brackets and of users, tokens, origins and paths. Durations are Go
// durations, such as 30s or 1h30m. Relative paths start at the directory
// of the file. Users and tokens need a credential and roles, and their
// organization defaults to DefaultOrganization. Only roles RoleAdmin and
// RoleAPISecurityEdit may sign; see CanSign.
//
// # Keys that verify only
//
// Every key verifies. Without sign.keys, every key with a URL prefix signs,
// and no two of them may share a prefix for the same organization. With
// sign.keys, only the listed keys sign; the others verify, even with URL
// prefixes, and may share their prefixes with the listed keys. To rotate a
// key, add the new key with the old key's prefixes while sign.keys names
// the old one, then name the new one, and remove the old key once the
// longest-lived URL it signed (sign.max-lifetime plus verify.leeway) has
// expired.
//
// # Proxies
//
// proxy.trusted lists the networks, in CIDR notation or as single
// addresses, of the reverse proxies in front of signet. From a peer in
// these networks, the client is the rightmost address in
// proxy.client-header that is not itself in them, and X-Forwarded-Proto and
// X-Forwarded-Host give the scheme and host of the URL. From any other
// peer, these headers are ignored.
//
// # Errors
//
// Load checks everything before a server starts, including the URL
// prefixes and the exclude pattern as core.NewSigner checks them. Every
// error names the file, the line and the key, and no error contains a
// secret, a password hash or a token hash.
package config
