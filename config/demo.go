package config

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net"
	"strconv"

	"github.com/signet-media/signet/core"
	"golang.org/x/crypto/bcrypt"
)

// DemoUser is the name of the user of the demo configuration.
const DemoUser = "demo"

// DemoOptions configures NewDemo.
type DemoOptions struct {
	// Listen is the address to listen on. Its port must be fixed, not 0,
	// because the key's URL prefixes and the CORS origins contain it.
	// Default DefaultListen.
	Listen string

	// MediaFS is the file system of the demo media, served at
	// DefaultMediaPath.
	MediaFS fs.FS
}

// Demo returns NewDemo(DemoOptions{MediaFS: mediaFS}).
func Demo(mediaFS fs.FS) (*Config, string, error) {
	return NewDemo(DemoOptions{MediaFS: mediaFS})
}

// NewDemo creates the configuration of a server that runs without a
// configuration file, and returns it with the password of its user
// DemoUser. The Config stores only the bcrypt hash of the password, so the
// caller prints the password once. Every call creates a new key and
// password with crypto/rand.
//
// The key "demo-<8 hex digits>" has a 256-bit secret written as hex text.
// It signs URLs under DefaultMediaPath on the listen address and path-only
// URLs under DefaultMediaPath. For a loopback or unspecified listen
// address, the URLs are those on 127.0.0.1 (or the loopback address) and
// on localhost. The user has the role RoleAdmin, and CORS allows the same
// origins as the URL prefixes, with credentials.
func NewDemo(opts DemoOptions) (*Config, string, error) {
	listen := opts.Listen
	if listen == "" {
		listen = DefaultListen
	}
	origins, err := demoOrigins(listen)
	if err != nil {
		return nil, "", err
	}
	password := rand.Text()
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return nil, "", fmt.Errorf("config: hashing the demo password: %w", err)
	}

	cfg := defaultConfig()
	cfg.Listen = listen
	cfg.Keys = []core.Key{demoKey(origins)}
	cfg.Users = []User{{
		Name:         DemoUser,
		PasswordHash: string(hash),
		Roles:        []string{RoleAdmin},
		Organization: DefaultOrganization,
	}}
	cfg.CORS = CORS{AllowedOrigins: origins, AllowCredentials: true}
	cfg.MediaFS = opts.MediaFS
	if err := checkCore(&cfg); err != nil {
		return nil, "", err
	}
	return &cfg, password, nil
}

// demoKey creates a key that signs the media URLs of the origins, and
// path-only media URLs.
func demoKey(origins []string) core.Key {
	key := core.Key{ID: "demo-" + randomHex(4), Secret: randomHex(32)}
	for _, o := range origins {
		key.URLs = append(key.URLs, o+DefaultMediaPath)
	}
	key.URLs = append(key.URLs, DefaultMediaPath)
	return key
}

// demoOrigins returns the HTTP origins of a server listening on listen.
func demoOrigins(listen string) ([]string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return nil, fmt.Errorf("config: invalid demo address %q: %w; "+
			"write host:port, such as 127.0.0.1:8080", listen, err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return nil, fmt.Errorf("config: invalid demo port %q; write a number from 1 to 65535", port)
	}
	var hosts []string
	ip := net.ParseIP(host)
	switch {
	case host == "" || host == "localhost" || ip != nil && ip.IsUnspecified():
		hosts = []string{"127.0.0.1", "localhost"}
	case ip != nil && ip.IsLoopback():
		hosts = []string{host, "localhost"}
	default:
		hosts = []string{host}
	}
	origins := make([]string, len(hosts))
	for i, h := range hosts {
		origins[i] = "http://" + net.JoinHostPort(h, port)
	}
	return origins, nil
}

// randomHex returns n random bytes from crypto/rand as hex text.
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never returns an error since Go 1.24
	return hex.EncodeToString(b)
}

// HashToken returns the SHA-256 of a bearer token, as Token.SHA256 stores
// it.
func HashToken(token string) [32]byte {
	return sha256.Sum256([]byte(token))
}

// NewToken returns a new random bearer token: base32 text from rand.Text,
// with at least 128 bits of randomness from crypto/rand.
func NewToken() string {
	return rand.Text()
}
