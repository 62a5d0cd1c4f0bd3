package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/signet-media/signet/core"
)

// settingFunc checks the value of one of signet's settings and stores it.
type settingFunc func(l *loader, e entry) error

// settings maps the keys of signet's own settings to their functions.
var settings = map[string]settingFunc{
	"listen":                    setListen,
	"verify.strict":             setStrict,
	"verify.leeway":             setLeeway,
	"sign.default-lifetime":     setDefaultLifetime,
	"sign.max-lifetime":         setMaxLifetime,
	"sign.keys":                 setSignKeys,
	"proxy.trusted":             setTrustedProxies,
	"proxy.client-header":       setClientHeader,
	"forward-auth.path":         setForwardAuthPath,
	"metrics.enabled":           setMetricsEnabled,
	"reload.interval":           setReloadInterval,
	"auth.credential-cache":     setCredentialCache,
	"cors.allowed-origins":      setAllowedOrigins,
	"cors.allow-credentials":    setAllowCredentials,
	"media.path":                setMediaPath,
	"media.dir":                 setMediaDir,
	"player.dir":                setPlayerDir,
	"limits.max-url-bytes":      setMaxURLBytes,
	"limits.max-body-bytes":     setMaxBodyBytes,
	"limits.max-playlist-bytes": setMaxPlaylistBytes,
	"opencast.signing-config":   addInclude,
	"opencast.verifier-config":  addInclude,
}

// pathSettings are the settings whose values are paths relative to the
// directory of their file.
var pathSettings = map[string]bool{
	"media.dir":                true,
	"player.dir":               true,
	"opencast.signing-config":  true,
	"opencast.verifier-config": true,
}

// applySetting stores an entry of one of signet's own keys.
func (l *loader) applySetting(e entry) error {
	set := settings[e.key]
	if set == nil {
		section, name, attribute, ok := splitAccountKey(e.key)
		if !ok {
			return e.errorf("%s", unknownKeyMessage(e.key))
		}
		set = func(l *loader, e entry) error { return l.applyAccount(section, name, attribute, e) }
	}
	if pathSettings[e.key] && !filepath.IsAbs(e.value) {
		e.value = filepath.Join(e.dir(), e.value)
	}
	isNew, err := l.claim(e.key, e)
	if !isNew {
		return err
	}
	return set(l, e)
}

// unknownKeyMessage returns the error for an unknown key, listing the keys
// of its section, such as "cors.", when there are any.
func unknownKeyMessage(key string) string {
	section, _, _ := strings.Cut(key, ".")
	if fields, ok := accountFields[section]; ok {
		return "unknown key; the keys of a " + section + " are " + section + ".<name>." +
			strings.Join(fields, ", "+section+".<name>.")
	}
	var known []string
	for name := range settings {
		if strings.HasPrefix(name, section+".") {
			known = append(known, name)
		}
	}
	if len(known) == 0 {
		return "unknown key; see the documentation of package config for the keys of a signet file"
	}
	slices.Sort(known)
	return "unknown key; the keys starting with " + section + ". are " + strings.Join(known, ", ")
}

func setListen(l *loader, e entry) error {
	if err := CheckListen(e.value); err != nil {
		return e.errorf("%w", err)
	}
	l.cfg.Listen = e.value
	l.cfg.ListenAt = e.where()
	return nil
}

// CheckListen checks a listen address as the listen setting takes it:
// host:port with a port number from 0 to 65535, where 0 lets the system
// choose a free port. White space and control characters are rejected,
// because no host name or address contains them. It does not check that
// the host is an address of this machine, which only listening shows.
func CheckListen(addr string) error {
	if strings.IndexFunc(addr, isSpaceOrControl) >= 0 {
		return fmt.Errorf("invalid address %q: it contains white space or a control character; "+
			"write host:port without them, such as 127.0.0.1:8080", addr)
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("invalid address %q: %w; write host:port, such as 127.0.0.1:8080", addr, err)
	}
	n, err := strconv.Atoi(port)
	switch {
	case errors.Is(err, strconv.ErrRange), err == nil && (n < 0 || n > 65535):
		return fmt.Errorf("invalid port %q in address %q: the port is out of range; write a number from 0 to 65535", port, addr)
	case err != nil:
		return fmt.Errorf("invalid port %q in address %q: write a number from 0 to 65535", port, addr)
	}
	return nil
}

func isSpaceOrControl(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r)
}

func setStrict(l *loader, e entry) error {
	strict, err := parseBool(e)
	l.cfg.NonStrict = !strict
	return err
}

func setAllowCredentials(l *loader, e entry) error {
	var err error
	l.cfg.CORS.AllowCredentials, err = parseBool(e)
	return err
}

func setMetricsEnabled(l *loader, e entry) error {
	enabled, err := parseBool(e)
	l.cfg.DisableMetrics = !enabled
	return err
}

// setReloadInterval accepts 0s, which disables the check for changed
// files, or a duration of at least a second.
func setReloadInterval(l *loader, e entry) error {
	d, err := parseDuration(e)
	if err == nil && d != 0 && d < time.Second {
		err = e.errorf("interval %v is shorter than 1s; write 1s or more, or 0s to reload only on SIGHUP", d)
	}
	l.cfg.ReloadInterval = d
	return err
}

func parseBool(e entry) (bool, error) {
	switch strings.ToLower(e.value) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, e.errorf("invalid boolean %q; write true or false", e.value)
}

func setLeeway(l *loader, e entry) error {
	d, err := parseDuration(e)
	if err == nil && d < 0 {
		err = e.errorf("negative duration %v; write 0s or more", d)
	}
	l.cfg.Leeway = d
	return err
}

func setDefaultLifetime(l *loader, e entry) error {
	var err error
	l.cfg.DefaultLifetime, err = parsePositiveDuration(e)
	return err
}

func setMaxLifetime(l *loader, e entry) error {
	var err error
	l.cfg.MaxLifetime, err = parsePositiveDuration(e)
	return err
}

// setCredentialCache rejects 0, which would read as "the default" in
// Config, so that disabling the cache is always explicit.
func setCredentialCache(l *loader, e entry) error {
	d, err := parseDuration(e)
	if err == nil && d == 0 {
		err = e.errorf("zero duration; write a positive duration, " +
			"or a negative one such as -1s to disable the cache")
	}
	l.cfg.CredentialCache = d
	return err
}

func parsePositiveDuration(e entry) (time.Duration, error) {
	d, err := parseDuration(e)
	if err == nil && d <= 0 {
		err = e.errorf("duration %v is not positive; write a duration such as 2h", d)
	}
	return d, err
}

func parseDuration(e entry) (time.Duration, error) {
	d, err := time.ParseDuration(e.value)
	if err != nil {
		return 0, e.errorf("invalid duration %q; write a number with a unit, "+
			"such as 30s, 2h or 1h30m", e.value)
	}
	return d, nil
}

// minLimitBytes is the lowest byte limit that a setting accepts: a signed
// URL alone takes several hundred bytes, so lower limits break signing.
const minLimitBytes = 1024

// MaxURLBytesLimit is the highest limits.max-url-bytes. Go's HTTP server
// reads at most http.DefaultMaxHeaderBytes (1 MiB) of request line and
// headers by default, so a higher limit has no effect.
const MaxURLBytesLimit = 1 << 20

func setMaxURLBytes(l *loader, e entry) error {
	n, err := parseBytes(e, MaxURLBytesLimit)
	l.cfg.MaxURLBytes = int(n)
	return err
}

func setMaxBodyBytes(l *loader, e entry) error {
	var err error
	l.cfg.MaxBodyBytes, err = parseBytes(e, 1<<62)
	return err
}

// maxPlaylistBytesLimit is the highest limits.max-playlist-bytes. The
// media route holds a rewritten playlist in memory before sending it.
const maxPlaylistBytesLimit = 1 << 30

func setMaxPlaylistBytes(l *loader, e entry) error {
	n, err := parseBytes(e, maxPlaylistBytesLimit)
	l.cfg.MaxPlaylistBytes = int(n)
	return err
}

func parseBytes(e entry, max int64) (int64, error) {
	n, err := strconv.ParseInt(e.value, 10, 64)
	if err != nil || n < minLimitBytes || n > max {
		return 0, e.errorf("invalid number of bytes %q; write a whole number from %d to %d",
			e.value, minLimitBytes, max)
	}
	return n, nil
}

// splitList splits a comma-separated list and trims its items. A list of
// only white space is empty; an empty item beside others is an error.
func splitList(s string) ([]string, error) {
	var items []string
	empty := false
	for item := range strings.SplitSeq(s, ",") {
		if item = trimValue(item); item != "" {
			items = append(items, item)
		} else {
			empty = true
		}
	}
	if empty && len(items) > 0 {
		// Perhaps an item was lost, such as a network of proxy.trusted.
		return nil, errors.New("empty item in the list: two commas in a row, or a comma at its start or end; " +
			"remove the extra comma or write the missing item")
	}
	return items, nil
}

func setAllowedOrigins(l *loader, e entry) error {
	if strings.Contains(e.value, "@") {
		// Not quoted: a password with a ',' would be split across items.
		return e.errorf("an origin has no user information ('@'); write scheme://host[:port], such as https://player.example.org")
	}
	origins, err := splitList(e.value)
	if err != nil {
		return e.errorf("%w", err)
	}
	if len(origins) == 0 {
		return e.errorf("empty list; write origins such as https://player.example.org, separated by commas")
	}
	for _, o := range origins {
		if err := checkOrigin(o, len(origins)); err != nil {
			return e.errorf("%w", err)
		}
	}
	l.cfg.CORS.AllowedOrigins = origins
	return nil
}

// checkOrigin checks one of count origins: "*" alone, or
// scheme://host[:port] in lower case, as browsers send it.
func checkOrigin(origin string, count int) error {
	if origin == "*" {
		if count > 1 {
			return errors.New(`"*" allows every origin, so list either "*" alone or the origins without it`)
		}
		return nil
	}
	u, err := url.Parse(origin)
	if err == nil && u.User != nil {
		return originError(origin, "an origin has no user information")
	}
	if err != nil || u.Scheme == "" || u.Host == "" || u.Opaque != "" {
		return originError(origin, "it is not scheme://host[:port]")
	}
	if u.Path != "" || strings.ContainsAny(origin, "?#") {
		return originError(origin, "an origin has no path, query or fragment, not even a trailing '/'")
	}
	if strings.Contains(u.Host, "*") {
		return originError(origin, `wildcards are not supported; list each origin, or write "*" alone`)
	}
	if origin != strings.ToLower(origin) {
		return originError(origin, "browsers send origins in lower case; write it in lower case")
	}
	return nil
}

func originError(origin, reason string) error {
	return errors.New("invalid origin " + strconv.Quote(core.WithoutUserInfo(origin)) + ": " + reason +
		"; write scheme://host[:port], such as https://player.example.org")
}

func setMediaPath(l *loader, e entry) error {
	p := e.value
	if !strings.HasPrefix(p, "/") || !strings.HasSuffix(p, "/") {
		return e.errorf("invalid path %q: it must start and end with '/', such as /media/", p)
	}
	if !isCleanDirPath(p) {
		return e.errorf("invalid path %q: write a clean path without '.' or '..' segments, '//', "+
			"'?', '#', '%%', '\\' or white space, such as /media/", p)
	}
	for _, route := range reservedPaths {
		if p == "/" || strings.HasPrefix(route, p) || strings.HasPrefix(p, route) {
			return e.errorf("invalid path %q: it overlaps the server's route %s; choose a path of its own, such as /media/", p, route)
		}
	}
	l.cfg.MediaPath = p
	return nil
}

// reservedPaths are the server's own routes, which media.path must not
// overlap.
var reservedPaths = []string{"/api/", "/healthz/", "/player/", "/auth/", "/metrics/"}

// isCleanDirPath reports whether p, a path ending in '/', has no empty,
// '.' or '..' segments, and no character that a URL path would escape or
// that starts a query or fragment.
func isCleanDirPath(p string) bool {
	if p != "/" && path.Clean(p)+"/" != p {
		return false
	}
	return !strings.ContainsFunc(p, func(r rune) bool {
		return r <= ' ' || r == 0x7f || strings.ContainsRune("?#%\\", r)
	})
}

func setMediaDir(l *loader, e entry) error {
	var err error
	l.cfg.MediaDir, err = checkDir(e)
	return err
}

func setPlayerDir(l *loader, e entry) error {
	var err error
	l.cfg.PlayerDir, err = checkDir(e)
	return err
}

// checkDir checks that the entry names a directory, and returns its
// absolute path. applySetting has resolved a relative path already.
func checkDir(e entry) (string, error) {
	dir, err := filepath.Abs(e.value)
	if err != nil {
		return "", e.errorf("invalid path: %w", err)
	}
	info, err := os.Stat(dir)
	if err != nil {
		return "", e.errorf("%w; create the directory or correct the path "+
			"(relative paths start at the directory of this file)", err)
	}
	if !info.IsDir() {
		return "", e.errorf("%q is not a directory; give the directory that contains the files", dir)
	}
	return dir, nil
}

// addInclude queues an Opencast file named by opencast.signing-config or
// opencast.verifier-config, to be read after the current file.
func addInclude(l *loader, e entry) error {
	l.includes = append(l.includes, e)
	return nil
}
