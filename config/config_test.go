package config

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/signet-media/signet/core"
	"golang.org/x/crypto/bcrypt"
)

// The names of Opencast's URL signing files.
const (
	signingName  = "org.opencastproject.security.urlsigning.provider.impl.GenericUrlSigningProvider.cfg"
	verifierName = "org.opencastproject.security.urlsigning.verifier.impl.UrlSigningVerifierImpl.cfg"
)

// Secret values that no error message may contain.
const (
	secretA   = "Alpha-s3cret-9f2c41d7e0b8"
	secretB   = "Bravo-s3cret-77aa01c3e95d"
	secretC   = "Charlie-s3cret-0c4d2be18f"
	password  = "correct horse"
	bcryptA   = "$2a$04$EY8.WNz5JpvxOeiMSgE5YuGQGL5tIqnVoRkYH2Oa/iC5aH7TVboSy" // of password
	token     = "test-token-QK7ZP2MXN4"
	tokenHash = "c1e2e2d2e4bd0f4b9a1c8a7f4d1f1e1c9b6a4c3d2e1f0a9b8c7d6e5f4a3b2c1d"
)

// writeFiles writes files, by name, to a new temporary directory and
// returns the directory.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// load writes files and loads the named ones from the directory.
func load(t *testing.T, files map[string]string, names ...string) (*Config, string, error) {
	t.Helper()
	dir := writeFiles(t, files)
	paths := make([]string, len(names))
	for i, name := range names {
		paths[i] = filepath.Join(dir, name)
	}
	cfg, err := Load(paths...)
	return cfg, dir, err
}

const signingFileText = `# Signing keys of the download and streaming servers.
key.download.secret = ` + secretA + `
key.download.url = https://download.example.org/static
key.download.url.engage = https://engage.example.org/static/
key.download.organization = mh_default_org

! Any organization may sign streaming URLs.
key.stream.secret : ` + secretB + `
key.stream.url    https://stream.example.org/live/
key.stream.organization = *

# Subtitles stay public.
exclude.url.pattern = .*\\.(vtt|srt)
`

const verifierFileText = `# Keys that verify, with the secrets of the signing provider.
key.download = ` + secretA + `
key.stream = ` + secretB + `
# A key of an older server, for URLs it signed.
key.legacy = \
    ` + secretC + `
`

func TestLoadOpencastFiles(t *testing.T) {
	cfg, dir, err := load(t, map[string]string{signingName: signingFileText, verifierName: verifierFileText},
		signingName, verifierName)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}

	wantKeys := []core.Key{
		{ID: "download", Secret: secretA, Organization: "mh_default_org",
			URLs: []string{"https://download.example.org/static", "https://engage.example.org/static/"}},
		{ID: "stream", Secret: secretB, URLs: []string{"https://stream.example.org/live/"}},
		{ID: "legacy", Secret: secretC},
	}
	if !reflect.DeepEqual(cfg.Keys, wantKeys) {
		t.Errorf("Keys\n got %+v\nwant %+v", cfg.Keys, wantKeys)
	}
	if want := `.*\.(vtt|srt)`; cfg.Exclude != want {
		t.Errorf("Exclude = %q, want %q", cfg.Exclude, want)
	}
	wantSources := []string{filepath.Join(dir, signingName), filepath.Join(dir, verifierName)}
	if !reflect.DeepEqual(cfg.Sources, wantSources) {
		t.Errorf("Sources = %q, want %q", cfg.Sources, wantSources)
	}
	if cfg.Listen != DefaultListen || cfg.DefaultLifetime != DefaultLifetime || cfg.MediaPath != DefaultMediaPath {
		t.Errorf("defaults not applied: Listen %q, DefaultLifetime %v, MediaPath %q",
			cfg.Listen, cfg.DefaultLifetime, cfg.MediaPath)
	}
}

func TestLoadedSignerSigns(t *testing.T) {
	cfg, _, err := load(t, map[string]string{signingName: signingFileText, verifierName: verifierFileText},
		signingName, verifierName)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	signer, err := core.NewSigner(cfg.SignerConfig())
	if err != nil {
		t.Fatalf("NewSigner: %v", err)
	}
	verifier, err := core.NewVerifier(cfg.VerifierConfig())
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	validUntil := time.UnixMilli(1767225600000)

	signed, err := signer.Sign(core.SignRequest{
		URL:          "https://engage.example.org/static/mp/track.mp4",
		ValidUntil:   validUntil,
		Organization: "mh_default_org",
	})
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	// Opencast's policy format: sorted keys, '/' escaped.
	wantPolicy := `{"Statement":{"Condition":{"DateLessThan":1767225600000},` +
		`"Resource":"https:\/\/engage.example.org\/static\/mp\/track.mp4"}}`
	if signed.PolicyJSON != wantPolicy {
		t.Errorf("policy = %s, want %s", signed.PolicyJSON, wantPolicy)
	}
	query := mustQuery(t, signed.URL)
	if got := query.Get("keyId"); got != "download" {
		t.Errorf("keyId = %q, want download", got)
	}
	mac := hmac.New(sha256.New, []byte(secretA))
	mac.Write([]byte(wantPolicy))
	if got, want := query.Get("signature"), hex.EncodeToString(mac.Sum(nil)); got != want {
		t.Errorf("signature = %s, want HMAC-SHA256 under key download's secret %s", got, want)
	}
	if r := verifier.Verify(signed.URL, netip.Addr{}, validUntil); !r.OK() {
		t.Errorf("Verify(signed URL) = %d %s, want 200", r.Status, r.Reason)
	}
}

func TestLoadedSignerRules(t *testing.T) {
	cfg, _, err := load(t, map[string]string{signingName: signingFileText}, signingName)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	signer, err := core.NewSigner(cfg.SignerConfig())
	if err != nil {
		t.Fatalf("NewSigner: %v", err)
	}
	tests := []struct {
		name, url, organization string
		wantKey                 string // empty: not accepted
	}{
		{"organization of key", "https://download.example.org/static/a.mp4", "mh_default_org", "download"},
		{"other organization", "https://download.example.org/static/a.mp4", "other_org", ""},
		{"any organization", "https://stream.example.org/live/a.m3u8", "other_org", "stream"},
		{"excluded", "https://download.example.org/static/a.vtt", "mh_default_org", ""},
		{"no prefix", "https://example.org/static/a.mp4", "mh_default_org", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			signed, err := signer.Sign(core.SignRequest{
				URL: tc.url, ValidUntil: time.UnixMilli(1767225600000), Organization: tc.organization,
			})
			if tc.wantKey == "" {
				if !errors.Is(err, core.ErrNotAccepted) {
					t.Errorf("Sign(%s) error = %v, want ErrNotAccepted", tc.url, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Sign(%s): %v", tc.url, err)
			}
			if signed.KeyID != tc.wantKey {
				t.Errorf("Sign(%s) key = %q, want %q", tc.url, signed.KeyID, tc.wantKey)
			}
		})
	}
}

func TestLoadedVerifierOnlyKey(t *testing.T) {
	cfg, _, err := load(t, map[string]string{signingName: signingFileText, verifierName: verifierFileText},
		signingName, verifierName)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	verifier, err := core.NewVerifier(cfg.VerifierConfig())
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	// The legacy key only verifies, so sign with a signer of its own.
	legacy := core.Key{ID: "legacy", Secret: secretC, URLs: []string{"https://old.example.org/"}}
	other, err := core.NewSigner(core.SignerConfig{Keys: []core.Key{legacy}})
	if err != nil {
		t.Fatal(err)
	}
	validUntil := time.UnixMilli(1767225600000)
	signed, err := other.Sign(core.SignRequest{URL: "https://old.example.org/a.mp4", ValidUntil: validUntil})
	if err != nil {
		t.Fatal(err)
	}
	if r := verifier.Verify(signed.URL, netip.Addr{}, validUntil); !r.OK() || r.KeyID != "legacy" {
		t.Errorf("Verify = %d %s key %q, want 200 with key legacy", r.Status, r.Reason, r.KeyID)
	}
	for _, k := range cfg.SignerConfig().Keys {
		if k.ID == "legacy" {
			t.Errorf("SignerConfig contains the verification-only key legacy")
		}
	}
}

func mustQuery(t *testing.T, rawURL string) url.Values {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatalf("signed URL %q: %v", rawURL, err)
	}
	return u.Query()
}

// signetFileText sets every option of signet's own file.
const signetFileText = `# signet's own configuration
listen = 0.0.0.0:9090
verify.strict = false
verify.leeway = 30s
sign.default-lifetime = 90m
sign.max-lifetime = 48h
auth.credential-cache = -1s

key.main.secret = ` + secretA + `
key.main.url = https://media.example.org/engage/
key.main.url.path = /engage/
key.main.organization = uni_org
exclude.url.pattern = .*/private/.*

user.alice.password-hash = ` + bcryptA + `
user.alice.roles = ROLE_ADMIN, ROLE_STUDIO
user.jane.doe.password-hash = ` + bcryptA + `
user.jane.doe.roles = ROLE_API_SECURITY_EDIT
user.jane.doe.organization = uni_org
token.lms.sha256 = ` + tokenHash + `
token.lms.roles = ROLE_API_SECURITY_EDIT
token.lms.organization = uni_org

cors.allowed-origins = https://player.example.org, http://localhost:3000
cors.allow-credentials = true
media.path = /protected/
media.dir = media
player.dir = ./www/player
limits.max-url-bytes = 4096
limits.max-body-bytes = 1048576
limits.max-playlist-bytes = 2097152
opencast.verifier-config = opencast/` + verifierName + `
`

func TestLoadSignetFile(t *testing.T) {
	cfg, dir, err := load(t, map[string]string{
		"signet.conf":                      signetFileText,
		"media/a.mp4":                      "video",
		"www/player/index.html":            "<!doctype html>",
		"opencast/" + verifierName:         "key.main = " + secretA + "\nkey.old = " + secretC + "\n",
		"opencast/unused" + verifierName:   "not read",
		"opencast/not-a-config-at-all.txt": "not read",
	}, "signet.conf")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	wantHash, err := hex.DecodeString(tokenHash)
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		Sources:  []string{filepath.Join(dir, "signet.conf"), filepath.Join(dir, "opencast", verifierName)},
		Listen:   "0.0.0.0:9090",
		ListenAt: filepath.Join(dir, "signet.conf") + ":2",
		Keys: []core.Key{
			{ID: "main", Secret: secretA, Organization: "uni_org",
				URLs: []string{"https://media.example.org/engage/", "/engage/"}},
			{ID: "old", Secret: secretC},
		},
		Exclude:         ".*/private/.*",
		NonStrict:       true,
		Leeway:          30 * time.Second,
		DefaultLifetime: 90 * time.Minute,
		MaxLifetime:     48 * time.Hour,
		Users: []User{
			{Name: "alice", PasswordHash: bcryptA, Roles: []string{"ROLE_ADMIN", "ROLE_STUDIO"},
				Organization: DefaultOrganization},
			{Name: "jane.doe", PasswordHash: bcryptA, Roles: []string{"ROLE_API_SECURITY_EDIT"},
				Organization: "uni_org"},
		},
		Tokens: []Token{
			{Name: "lms", SHA256: [32]byte(wantHash), Roles: []string{"ROLE_API_SECURITY_EDIT"},
				Organization: "uni_org"},
		},
		CredentialCache: -time.Second,
		CORS: CORS{
			AllowedOrigins:   []string{"https://player.example.org", "http://localhost:3000"},
			AllowCredentials: true,
		},
		MediaPath:        "/protected/",
		MediaDir:         filepath.Join(dir, "media"),
		PlayerDir:        filepath.Join(dir, "www", "player"),
		MaxURLBytes:      4096,
		MaxBodyBytes:     1 << 20,
		MaxPlaylistBytes: 2 << 20,
		ClientHeader:     HeaderXForwardedFor,
		ForwardAuthPath:  DefaultForwardAuthPath,
		ReloadInterval:   DefaultReloadInterval,
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("Load\n got %+v\nwant %+v", cfg, want)
	}
	if err := bcrypt.CompareHashAndPassword([]byte(cfg.Users[0].PasswordHash), []byte(password)); err != nil {
		t.Errorf("password of alice: %v", err)
	}
}

func TestLoadSignetFileAndOpencastFiles(t *testing.T) {
	// The signet file names the signing file, which is also given
	// directly: it is read once.
	files := map[string]string{
		"signet.conf": "listen = 127.0.0.1:9000\nopencast.signing-config = " + signingName + "\n",
		signingName:   signingFileText,
		verifierName:  verifierFileText,
	}
	cfg, dir, err := load(t, files, "signet.conf", verifierName, signingName)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	wantSources := []string{
		filepath.Join(dir, "signet.conf"), filepath.Join(dir, signingName), filepath.Join(dir, verifierName),
	}
	if !reflect.DeepEqual(cfg.Sources, wantSources) {
		t.Errorf("Sources\n got %q\nwant %q", cfg.Sources, wantSources)
	}
	var ids []string
	for _, k := range cfg.Keys {
		ids = append(ids, k.ID)
	}
	if want := []string{"download", "stream", "legacy"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("key ids = %q, want %q", ids, want)
	}
	if cfg.Listen != "127.0.0.1:9000" {
		t.Errorf("Listen = %q, want 127.0.0.1:9000", cfg.Listen)
	}
}

func TestLoadSameSettingInTwoFiles(t *testing.T) {
	files := map[string]string{
		"a.conf": "listen = 127.0.0.1:9000\nkey.k.secret = " + secretA + "\nkey.k.url = /a/\n",
		"b.conf": "listen = 127.0.0.1:9000\nkey.k.secret = " + secretA + "\nkey.k.url.b = /b/\n",
	}
	cfg, _, err := load(t, files, "a.conf", "b.conf")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := []core.Key{{ID: "k", Secret: secretA, URLs: []string{"/a/", "/b/"}}}
	if !reflect.DeepEqual(cfg.Keys, want) {
		t.Errorf("Keys = %+v, want %+v", cfg.Keys, want)
	}
}

// A minimal valid key, for files that test something else.
const keyLines = "key.k.secret = " + secretA + "\nkey.k.url = https://media.example.org/\n"

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		load  []string // default: signet.conf
		at    string   // "file:line"
		key   string
		want  string // part of the message after the key
	}{
		{
			name:  "invalid URL prefix",
			files: map[string]string{"signet.conf": "key.demo.secret = " + secretA + "\nkey.demo.url = http//x\n"},
			at:    "signet.conf:2", key: "key.demo.url", want: `invalid URL prefix "http//x"`,
		},
		{
			name:  "URL prefix without scheme separator",
			files: map[string]string{"signet.conf": "key.demo.secret = " + secretA + "\nkey.demo.url = media.example.org/\n"},
			at:    "signet.conf:2", key: "key.demo.url", want: `invalid URL prefix "media.example.org/"`,
		},
		{
			name:  "URL prefix with query",
			files: map[string]string{"signet.conf": keyLines + "key.k.url.q = https://a.example.org/x?y=1\n"},
			at:    "signet.conf:3", key: "key.k.url.q", want: "a prefix has no query",
		},
		{
			name:  "URL without secret",
			files: map[string]string{signingName: "key.a.url = https://a.example.org/\nkey.b.secret = " + secretA + "\nkey.b.url = /b/\n"},
			load:  []string{signingName},
			at:    signingName + ":1", key: "key.a.url", want: `key "a" has no secret; add key.a.secret`,
		},
		{
			name:  "secret without URL",
			files: map[string]string{"signet.conf": keyLines + "key.lonely.secret = " + secretB + "\n"},
			at:    "signet.conf:3", key: "key.lonely.secret", want: `key "lonely" has a secret but no URL prefix`,
		},
		{
			name:  "secret without URL in signing file",
			files: map[string]string{signingName: "key.lonely.secret = " + secretB + "\n"},
			load:  []string{signingName},
			at:    signingName + ":1", key: "key.lonely.secret", want: "no URL prefix",
		},
		{
			name:  "unknown attribute of key",
			files: map[string]string{signingName: keyLines + "key.k.secrett = " + secretA + "\n"},
			load:  []string{signingName},
			at:    signingName + ":3", key: "key.k...", want: "unknown key; the keys of a signing key are",
		},
		{
			name:  "key without attribute",
			files: map[string]string{"signet.conf": keyLines + "key.k = " + secretA + "\n"},
			at:    "signet.conf:3", key: "key.k", want: "unknown key; write key.<id>.secret",
		},
		{
			name:  "unknown key in signing file",
			files: map[string]string{signingName: keyLines + "listen = 127.0.0.1:80\n"},
			load:  []string{signingName},
			at:    signingName + ":3", key: "listen", want: "unknown key; a GenericUrlSigningProvider file contains only",
		},
		{
			name:  "unknown key in verifier file",
			files: map[string]string{verifierName: "key.a = " + secretA + "\nkeys.b = " + secretB + "\n"},
			load:  []string{verifierName},
			at:    verifierName + ":2", key: "", want: "unknown key; a UrlSigningVerifierImpl file contains only key.<id> = <secret> lines (the key is not shown",
		},
		{
			name:  "signing format in verifier file",
			files: map[string]string{verifierName: "key.a.secret = " + secretA + "\n"},
			load:  []string{verifierName},
			at:    verifierName + ":1", key: "key.a.secret", want: `key id "a.secret" contains '.'`,
		},
		{
			name:  "unknown setting in known section",
			files: map[string]string{"signet.conf": keyLines + "verify.strikt = true\n"},
			at:    "signet.conf:3", key: "verify.strikt", want: "unknown key; the keys starting with verify. are verify.leeway, verify.strict",
		},
		{
			name:  "unknown setting",
			files: map[string]string{"signet.conf": keyLines + "port = 80\n"},
			at:    "signet.conf:3", key: "", want: "unknown key; see the documentation of package config",
		},

		{
			name:  "unknown user attribute",
			files: map[string]string{"signet.conf": keyLines + "user.bob.password = " + password + "\n"},
			at:    "signet.conf:3", key: "user.bob...", want: "unknown key; the keys of a user are user.<name>.password-hash",
		},
		{
			name:  "invalid duration",
			files: map[string]string{"signet.conf": keyLines + "verify.leeway = 30 seconds\n"},
			at:    "signet.conf:3", key: "verify.leeway", want: `invalid duration "30 seconds"; write a number with a unit`,
		},
		{
			name:  "duration without unit",
			files: map[string]string{"signet.conf": keyLines + "sign.default-lifetime = 7200\n"},
			at:    "signet.conf:3", key: "sign.default-lifetime", want: `invalid duration "7200"`,
		},
		{
			name:  "negative leeway",
			files: map[string]string{"signet.conf": keyLines + "verify.leeway = -5s\n"},
			at:    "signet.conf:3", key: "verify.leeway", want: "negative duration -5s",
		},
		{
			name:  "zero lifetime",
			files: map[string]string{"signet.conf": keyLines + "sign.max-lifetime = 0s\n"},
			at:    "signet.conf:3", key: "sign.max-lifetime", want: "duration 0s is not positive",
		},
		{
			name:  "zero credential cache",
			files: map[string]string{"signet.conf": keyLines + "auth.credential-cache = 0s\n"},
			at:    "signet.conf:3", key: "auth.credential-cache", want: "zero duration; write a positive duration, or a negative one",
		},
		{
			name:  "invalid boolean",
			files: map[string]string{"signet.conf": keyLines + "verify.strict = yes\n"},
			at:    "signet.conf:3", key: "verify.strict", want: `invalid boolean "yes"; write true or false`,
		},
		{
			name:  "invalid number",
			files: map[string]string{"signet.conf": keyLines + "limits.max-url-bytes = 8k\n"},
			at:    "signet.conf:3", key: "limits.max-url-bytes", want: `invalid number of bytes "8k"; write a whole number from 1024 to 1048576`,
		},
		{
			name:  "number too small",
			files: map[string]string{"signet.conf": keyLines + "limits.max-body-bytes = 100\n"},
			at:    "signet.conf:3", key: "limits.max-body-bytes", want: `invalid number of bytes "100"`,
		},
		{
			name:  "playlist limit too high",
			files: map[string]string{"signet.conf": keyLines + "limits.max-playlist-bytes = 2147483648\n"},
			at:    "signet.conf:3", key: "limits.max-playlist-bytes", want: `invalid number of bytes "2147483648"`,
		},
		{
			name:  "invalid listen address",
			files: map[string]string{"signet.conf": keyLines + "listen = 8080\n"},
			at:    "signet.conf:3", key: "listen", want: `invalid address "8080"`,
		},
		{
			name:  "invalid listen port",
			files: map[string]string{"signet.conf": keyLines + "listen = 127.0.0.1:http\n"},
			at:    "signet.conf:3", key: "listen", want: `invalid port "http"`,
		},
		{
			name:  "listen port out of range",
			files: map[string]string{"signet.conf": keyLines + "listen = 127.0.0.1:99999\n"},
			at:    "signet.conf:3", key: "listen", want: `invalid port "99999" in address "127.0.0.1:99999": the port is out of range`,
		},
		{
			name:  "listen port beyond int",
			files: map[string]string{"signet.conf": keyLines + "listen = 127.0.0.1:99999999999999999999\n"},
			at:    "signet.conf:3", key: "listen", want: "the port is out of range",
		},
		{
			name:  "listen with no-break space",
			files: map[string]string{"signet.conf": keyLines + "listen = \\u00a0127.0.0.1:8080\n"},
			at:    "signet.conf:3", key: "listen", want: `invalid address "\u00a0127.0.0.1:8080": it contains white space`,
		},
		{
			name:  "listen with space before port",
			files: map[string]string{"signet.conf": keyLines + "listen = 127.0.0.1 :8080\n"},
			at:    "signet.conf:3", key: "listen", want: `invalid address "127.0.0.1 :8080": it contains white space`,
		},
		{
			name:  "negative listen port",
			files: map[string]string{"signet.conf": keyLines + "listen = 127.0.0.1:-1\n"},
			at:    "signet.conf:3", key: "listen", want: "the port is out of range",
		},
		{
			name:  "truncated bcrypt hash",
			files: map[string]string{"signet.conf": keyLines + "user.bob.password-hash = " + bcryptA[:50] + "\nuser.bob.roles = ROLE_ADMIN\n"},
			at:    "signet.conf:3", key: "user.bob.password-hash", want: "not a bcrypt hash",
		},
		{
			name:  "password instead of bcrypt hash",
			files: map[string]string{"signet.conf": keyLines + "user.bob.password-hash = " + password + "\n"},
			at:    "signet.conf:3", key: "user.bob.password-hash", want: "not a bcrypt hash",
		},
		{
			name:  "bcrypt hash with invalid character",
			files: map[string]string{"signet.conf": keyLines + "user.bob.password-hash = " + bcryptA[:59] + "!\n"},
			at:    "signet.conf:3", key: "user.bob.password-hash", want: "not a bcrypt hash",
		},
		{
			name:  "bcrypt cost too high",
			files: map[string]string{"signet.conf": keyLines + "user.bob.password-hash = $2a$32$" + bcryptA[7:] + "\n"},
			at:    "signet.conf:3", key: "user.bob.password-hash", want: "invalid bcrypt cost 32",
		},
		{
			name:  "short token hash",
			files: map[string]string{"signet.conf": keyLines + "token.lms.sha256 = " + tokenHash[:63] + "\n"},
			at:    "signet.conf:3", key: "token.lms.sha256", want: "not a SHA-256 hash; write the 64 hex digits",
		},
		{
			name:  "token instead of token hash",
			files: map[string]string{"signet.conf": keyLines + "token.lms.sha256 = " + token + "\n"},
			at:    "signet.conf:3", key: "token.lms.sha256", want: "not a SHA-256 hash",
		},
		{
			name:  "user without roles",
			files: map[string]string{"signet.conf": keyLines + "user.bob.password-hash = " + bcryptA + "\nuser.bob.organization = x\n"},
			at:    "signet.conf:3", key: "user.bob.password-hash", want: `user "bob" has no roles; add user.bob.roles`,
		},
		{
			name:  "user without password hash",
			files: map[string]string{"signet.conf": keyLines + "user.bob.roles = ROLE_ADMIN\n"},
			at:    "signet.conf:3", key: "user.bob.roles", want: `user "bob" has no password-hash; add user.bob.password-hash`,
		},
		{
			name:  "token without hash",
			files: map[string]string{"signet.conf": keyLines + "token.lms.roles = ROLE_ADMIN\n"},
			at:    "signet.conf:3", key: "token.lms.roles", want: `token "lms" has no sha256; add token.lms.sha256`,
		},
		{
			name: "two tokens with one hash",
			files: map[string]string{"signet.conf": keyLines +
				"token.a.sha256 = " + tokenHash + "\ntoken.a.roles = ROLE_ADMIN\n" +
				"token.b.sha256 = " + strings.ToUpper(tokenHash) + "\ntoken.b.roles = ROLE_ADMIN\n"},
			at: "signet.conf:5", key: "token.b.sha256", want: `token "b" has the same sha256 as token "a"`,
		},
		{
			name:  "roles separated by spaces",
			files: map[string]string{"signet.conf": keyLines + "user.bob.roles = ROLE_ADMIN ROLE_X\n"},
			at:    "signet.conf:3", key: "user.bob.roles", want: `role "ROLE_ADMIN ROLE_X" contains white space`,
		},
		{
			name:  "user name with colon",
			files: map[string]string{"signet.conf": keyLines + "user.a\\:b.roles = ROLE_ADMIN\n"},
			at:    "signet.conf:3", key: "user.a:b.roles", want: `invalid name "a:b"`,
		},
		{
			name: "CORS any origin with credentials",
			files: map[string]string{"signet.conf": keyLines +
				"cors.allowed-origins = *\ncors.allow-credentials = true\n"},
			at: "signet.conf:4", key: "cors.allow-credentials", want: `credentials require explicit origins, but cors.allowed-origins at ` +
				`signet.conf:3 is "*"`,
		},
		{
			name:  "origin with path",
			files: map[string]string{"signet.conf": keyLines + "cors.allowed-origins = https://a.example.org, https://b.example.org/\n"},
			at:    "signet.conf:3", key: "cors.allowed-origins", want: `invalid origin "https://b.example.org/": an origin has no path`,
		},
		{
			name:  "origin with query",
			files: map[string]string{"signet.conf": keyLines + "cors.allowed-origins = https://a.example.org?\n"},
			at:    "signet.conf:3", key: "cors.allowed-origins", want: `invalid origin "https://a.example.org?": an origin has no path, query`,
		},
		{
			name:  "empty item in a list",
			files: map[string]string{"signet.conf": keyLines + "proxy.trusted = 127.0.0.1/32,,::1\n"},
			at:    "signet.conf:3", key: "proxy.trusted", want: "empty item in the list: two commas in a row",
		},
		{
			name:  "comma at the end of a list",
			files: map[string]string{"signet.conf": keyLines + "sign.keys = k,\n"},
			at:    "signet.conf:3", key: "sign.keys", want: "empty item in the list",
		},
		{
			name:  "malformed origin with a password",
			files: map[string]string{"signet.conf": keyLines + "cors.allowed-origins = https://u:pa/ss" + secretB + "@a.example.org\n"},
			at:    "signet.conf:3", key: "cors.allowed-origins", want: "an origin has no user information ('@')",
		},
		{
			name:  "origin with a password",
			files: map[string]string{"signet.conf": keyLines + "cors.allowed-origins = https://u:" + secretB + "@a.example.org\n"},
			at:    "signet.conf:3", key: "cors.allowed-origins", want: "an origin has no user information ('@')",
		},
		{
			name:  "origin with a comma in its password",
			files: map[string]string{"signet.conf": keyLines + "cors.allowed-origins = https://u:PASS," + secretB + "@a.example.org\n"},
			at:    "signet.conf:3", key: "cors.allowed-origins", want: "an origin has no user information ('@')",
		},
		{
			name:  "origin with fragment",
			files: map[string]string{"signet.conf": keyLines + "cors.allowed-origins = https://a.example.org#x\n"},
			at:    "signet.conf:3", key: "cors.allowed-origins", want: `invalid origin "https://a.example.org#x"`,
		},
		{
			name:  "null origin",
			files: map[string]string{"signet.conf": keyLines + "cors.allowed-origins = null\n"},
			at:    "signet.conf:3", key: "cors.allowed-origins", want: `invalid origin "null": it is not scheme://host[:port]`,
		},
		{
			name:  "origin without scheme",
			files: map[string]string{"signet.conf": keyLines + "cors.allowed-origins = player.example.org\n"},
			at:    "signet.conf:3", key: "cors.allowed-origins", want: `invalid origin "player.example.org": it is not scheme://host[:port]`,
		},
		{
			name:  "origin in upper case",
			files: map[string]string{"signet.conf": keyLines + "cors.allowed-origins = https://Player.example.org\n"},
			at:    "signet.conf:3", key: "cors.allowed-origins", want: "write it in lower case",
		},
		{
			name:  "wildcard origin",
			files: map[string]string{"signet.conf": keyLines + "cors.allowed-origins = https://*.example.org\n"},
			at:    "signet.conf:3", key: "cors.allowed-origins", want: "wildcards are not supported",
		},
		{
			name:  "any origin among others",
			files: map[string]string{"signet.conf": keyLines + "cors.allowed-origins = https://a.example.org, *\n"},
			at:    "signet.conf:3", key: "cors.allowed-origins", want: `"*" allows every origin`,
		},
		{
			name:  "media path without trailing slash",
			files: map[string]string{"signet.conf": keyLines + "media.path = /media\n"},
			at:    "signet.conf:3", key: "media.path", want: `invalid path "/media": it must start and end with '/'`,
		},
		{
			name:  "media path with dot segment",
			files: map[string]string{"signet.conf": keyLines + "media.path = /a/../media/\n"},
			at:    "signet.conf:3", key: "media.path", want: `invalid path "/a/../media/": write a clean path`,
		},
		{
			name:  "media path with percent",
			files: map[string]string{"signet.conf": keyLines + "media.path = /a%20b/\n"},
			at:    "signet.conf:3", key: "media.path", want: `invalid path "/a%20b/"`,
		},
		{
			name:  "missing media directory",
			files: map[string]string{"signet.conf": keyLines + "media.dir = no-such-dir\n"},
			at:    "signet.conf:3", key: "media.dir", want: "no-such-dir: no such file or directory; create the directory",
		},
		{
			name:  "media directory is a file",
			files: map[string]string{"signet.conf": keyLines + "media.dir = signet.conf\n"},
			at:    "signet.conf:3", key: "media.dir", want: "is not a directory",
		},
		{
			name:  "missing player directory",
			files: map[string]string{"signet.conf": keyLines + "player.dir = /no/such/player\n"},
			at:    "signet.conf:3", key: "player.dir", want: "/no/such/player: no such file or directory",
		},
		{
			name:  "max lifetime below default",
			files: map[string]string{"signet.conf": keyLines + "sign.default-lifetime = 3h\nsign.max-lifetime = 2h\n"},
			at:    "signet.conf:4", key: "sign.max-lifetime", want: "maximum lifetime 2h0m0s is shorter than sign.default-lifetime 3h0m0s",
		},
		{
			name:  "default lifetime above default max",
			files: map[string]string{"signet.conf": keyLines + "sign.default-lifetime = 200h\n"},
			at:    "signet.conf:3", key: "sign.default-lifetime", want: "default lifetime 200h0m0s is longer than the maximum lifetime 168h0m0s",
		},
		{
			name:  "invalid exclude pattern",
			files: map[string]string{signingName: keyLines + "exclude.url.pattern = .*\\\\.(mp4\n"},
			load:  []string{signingName},
			at:    signingName + ":3", key: "exclude.url.pattern", want: "invalid regular expression (RE2 syntax): error parsing regexp: missing closing )",
		},
		{
			name:  "different secrets in signing and verifier file",
			files: map[string]string{signingName: keyLines, verifierName: "key.k = " + secretB + "\n"},
			load:  []string{signingName, verifierName},
			at:    verifierName + ":1", key: "key.k", want: "conflicts with key.k.secret at " + signingName + ":1, which sets a different value",
		},
		{
			name:  "different settings in two signet files",
			files: map[string]string{"a.conf": keyLines + "listen = 127.0.0.1:1\n", "b.conf": "listen = 127.0.0.1:2\n"},
			load:  []string{"a.conf", "b.conf"},
			at:    "b.conf:1", key: "listen", want: "conflicts with listen at ",
		},
		{
			name:  "prefix shared by two keys",
			files: map[string]string{"signet.conf": keyLines + "key.j.secret = " + secretB + "\nkey.j.url = https://media.example.org/\n"},
			at:    "signet.conf:4", key: "key.j.url", want: `URL prefix "https://media.example.org/" is also a prefix of key "k"`,
		},
		{
			name:  "duplicate key in one file",
			files: map[string]string{"signet.conf": keyLines + "key.k.secret = " + secretB + "\n"},
			at:    "signet.conf:3", key: "key.k.secret", want: "duplicate key, first given at line 1",
		},
		{
			name:  "variable substitution",
			files: map[string]string{signingName: keyLines + "key.k.url.2 = ${org.opencastproject.download.url}/x\n"},
			load:  []string{signingName},
			at:    signingName + ":3", key: "key.k.url.2", want: "${...} substitution is not supported",
		},
		{
			name:  "empty secret",
			files: map[string]string{verifierName: "key.a = " + secretA + "\nkey.b =   \n"},
			load:  []string{verifierName},
			at:    verifierName + ":2", key: "key...", want: "missing value; write key = value",
		},
		{
			name:  "separator missing before a secret",
			files: map[string]string{"signet.conf": keyLines + "key.j.secret" + secretB + "\n"},
			at:    "signet.conf:3", key: "key...", want: "is the '=' missing?",
		},
		{
			name:  "short secret",
			files: map[string]string{"signet.conf": "key.k.secret = abc\nkey.k.url = /media/\n"},
			at:    "signet.conf:1", key: "key.k.secret", want: "shorter than 16; make a new one with signet keygen",
		},
		{
			name:  "end-of-line comment",
			files: map[string]string{"signet.conf": keyLines + "verify.leeway = 5s   # for clock skew\n"},
			at:    "signet.conf:3", key: "verify.leeway", want: "properties files have no end-of-line comments",
		},
		{
			name:  "end-of-line comment after a secret",
			files: map[string]string{"signet.conf": "key.k.secret = " + secretA + " # from the vault\nkey.k.url = /media/\n"},
			at:    "signet.conf:1", key: "key.k.secret", want: "put the comment on a line of its own",
		},
		{
			name:  "media path over the API",
			files: map[string]string{"signet.conf": keyLines + "media.path = /api/\n"},
			at:    "signet.conf:3", key: "media.path", want: "overlaps the server's route /api/",
		},
		{
			name:  "media path at the root",
			files: map[string]string{"signet.conf": keyLines + "media.path = /\n"},
			at:    "signet.conf:3", key: "media.path", want: "overlaps the server's route",
		},
		{
			name:  "invalid escape",
			files: map[string]string{"signet.conf": keyLines + "key.k.url.x = /caf\\u00g9/\n"},
			at:    "signet.conf:3", key: "key.k.url.x", want: `malformed \uXXXX escape`,
		},
		{
			name:  "missing included file",
			files: map[string]string{"signet.conf": keyLines + "opencast.signing-config = etc/" + signingName + "\n"},
			at:    "signet.conf:3", key: "opencast.signing-config", want: "no such file or directory; correct the path",
		},
		{
			name: "error in included file",
			files: map[string]string{
				"signet.conf":        keyLines + "opencast.signing-config = etc/" + signingName + "\n",
				"etc/" + signingName: "key.k.secret = " + secretB + "\n",
			},
			at: "etc/" + signingName + ":1", key: "key.k.secret", want: "conflicts with key.k.secret at ",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			names := tc.load
			if names == nil {
				names = []string{"signet.conf"}
			}
			_, dir, err := load(t, tc.files, names...)
			if err == nil {
				t.Fatalf("Load succeeded, want error %s: %s: %s", tc.at, tc.key, tc.want)
			}
			msg := strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), "")
			named := tc.at + ": " + tc.key + ": "
			if tc.key == "" {
				named = tc.at + ": "
			}
			if !strings.HasPrefix(msg, named) {
				t.Errorf("error %q does not start with %q", msg, named)
			}
			for _, secret := range []string{secretA, secretB} {
				if strings.Contains(msg, secret) {
					t.Errorf("error %q contains a secret", msg)
				}
			}
			if !strings.Contains(msg, tc.want) {
				t.Errorf("error %q does not contain %q", msg, tc.want)
			}
			if n := strings.Count(msg, "\n") + 1; n != 1 {
				t.Errorf("%d errors, want 1:\n%s", n, msg)
			}
			checkNoSecrets(t, msg)
		})
	}
}

// checkNoSecrets reports an error message that contains a secret, a
// password, a password hash, a token or a token hash of the tests.
func checkNoSecrets(t *testing.T, msg string) {
	t.Helper()
	for _, secret := range []string{secretA, secretB, secretC, password, bcryptA, bcryptA[:50], bcryptA[7:],
		token, tokenHash, tokenHash[:63], strings.ToUpper(tokenHash)} {
		if strings.Contains(msg, secret) {
			t.Errorf("error %q contains the secret value %q", msg, secret)
		}
	}
}

func TestCheckListen(t *testing.T) {
	tests := []struct {
		addr string
		want string // part of the error; "" for none
	}{
		{"127.0.0.1:8080", ""},
		{"[::1]:0", ""},
		{":8080", ""},
		{"localhost:8080", ""},
		{" 127.0.0.1:47315", `invalid address " 127.0.0.1:47315": it contains white space or a control character; write host:port without them`},
		{"127.0.0.1:47315 ", `invalid address "127.0.0.1:47315 ": it contains white space`},
		{"\t127.0.0.1:8080", `invalid address "\t127.0.0.1:8080": it contains white space`},
		{"127.0.0.1:8080\n", `invalid address "127.0.0.1:8080\n": it contains white space`},
		{"127.0.0.1 :8080", `invalid address "127.0.0.1 :8080": it contains white space`},
		{"\u00a0127.0.0.1:8080", `invalid address "\u00a0127.0.0.1:8080": it contains white space`},
		{"127.0.0.1\x00:8080", `invalid address "127.0.0.1\x00:8080": it contains white space or a control character`},
		{"127.0.0.1: 8080", `invalid address "127.0.0.1: 8080": it contains white space`},
	}
	for _, tc := range tests {
		t.Run(tc.addr, func(t *testing.T) {
			err := CheckListen(tc.addr)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("error %q, expected none", err)
			case tc.want != "" && err == nil:
				t.Errorf("no error, expected %q", tc.want)
			case tc.want != "" && !strings.Contains(err.Error(), tc.want):
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestLoadSeveralErrors(t *testing.T) {
	text := keyLines + "verify.strict = maybe\nlisten = nowhere\nverify.leeway = soon\n"
	_, _, err := load(t, map[string]string{"signet.conf": text}, "signet.conf")
	if err == nil {
		t.Fatal("Load succeeded, want 3 errors")
	}
	for _, want := range []string{"signet.conf:3: verify.strict: ", "signet.conf:4: listen: ", "signet.conf:5: verify.leeway: "} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	var cfgErr *Error
	if !errors.As(err, &cfgErr) || cfgErr.Line != 3 || cfgErr.Key != "verify.strict" {
		t.Errorf("errors.As(err, *Error) = %+v, want the error of line 3", cfgErr)
	}
}

func TestLoadFileErrors(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"big.conf":  strings.Repeat("# padding\n", MaxFileSize/10+1),
		"keys.conf": "# no keys\nlisten = 127.0.0.1:8080\n",
	})
	tests := []struct {
		name  string
		paths []string
		want  string
	}{
		{"no file", nil, "config: no configuration file given"},
		{"missing file", []string{filepath.Join(dir, "none.conf")}, "config: open " + filepath.Join(dir, "none.conf") + ": no such file or directory"},
		{"directory", []string{dir}, "is a directory"},
		{"too large", []string{filepath.Join(dir, "big.conf")}, filepath.Join(dir, "big.conf") + ": file is larger than 1048576 bytes (1 MiB)"},
		{"no keys", []string{filepath.Join(dir, "keys.conf")}, "config: no key configured"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(tc.paths...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Load(%q) error = %v, want %q", tc.paths, err, tc.want)
			}
		})
	}
}

func TestKindOf(t *testing.T) {
	tests := []struct {
		path string
		want fileKind
	}{
		{"/etc/opencast/" + signingName, signingFile},
		{"GenericUrlSigningProvider.cfg", signingFile},
		{"etc/" + verifierName, verifierFile},
		{"signet.conf", signetFile},
		{"org.opencastproject.security.urlsigning.provider.impl.GenericUrlSigningProvider.cfg.bak", signetFile},
		{"/srv/GenericUrlSigningProvider.cfg/signet.conf", signetFile},
	}
	for _, tc := range tests {
		if got := kindOf(tc.path); got != tc.want {
			t.Errorf("kindOf(%q) = %d, want %d", tc.path, got, tc.want)
		}
	}
}

func TestErrorMessage(t *testing.T) {
	inner := errors.New("bad")
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{File: "a.conf", Line: 3, Key: "listen", Err: inner}, "a.conf:3: listen: bad"},
		{&Error{File: "a.conf", Line: 3, Err: inner}, "a.conf:3: bad"},
		{&Error{File: "a.conf", Err: inner}, "a.conf: bad"},
	}
	for _, tc := range tests {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
		if !errors.Is(tc.err, inner) {
			t.Errorf("errors.Is(%q, inner) = false", tc.err)
		}
	}
}

func TestDemo(t *testing.T) {
	media := fstest.MapFS{"sample.mp4": {Data: []byte("video")}}
	cfg, pass, err := Demo(media)
	if err != nil {
		t.Fatalf("Demo: %v", err)
	}
	if len(cfg.Keys) != 1 {
		t.Fatalf("%d keys, want 1", len(cfg.Keys))
	}
	key := cfg.Keys[0]
	if !regexp.MustCompile(`^demo-[0-9a-f]{8}$`).MatchString(key.ID) {
		t.Errorf("key id %q, want demo-<8 hex digits>", key.ID)
	}
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(key.Secret) {
		t.Errorf("secret has %d characters, want 64 hex digits", len(key.Secret))
	}
	wantURLs := []string{"http://127.0.0.1:8080/media/", "http://localhost:8080/media/", "/media/"}
	if !reflect.DeepEqual(key.URLs, wantURLs) {
		t.Errorf("URLs = %q, want %q", key.URLs, wantURLs)
	}
	wantCORS := CORS{AllowedOrigins: []string{"http://127.0.0.1:8080", "http://localhost:8080"}, AllowCredentials: true}
	if !reflect.DeepEqual(cfg.CORS, wantCORS) {
		t.Errorf("CORS = %+v, want %+v", cfg.CORS, wantCORS)
	}
	if cfg.Listen != "127.0.0.1:8080" || cfg.MediaPath != "/media/" || cfg.MaxLifetime != DefaultMaxLifetime {
		t.Errorf("Listen %q, MediaPath %q, MaxLifetime %v, want the defaults", cfg.Listen, cfg.MediaPath, cfg.MaxLifetime)
	}
	if !reflect.DeepEqual(cfg.MediaFS, fstest.MapFS(media)) {
		t.Errorf("MediaFS is not the argument")
	}

	if len(cfg.Users) != 1 || cfg.Users[0].Name != "demo" || !reflect.DeepEqual(cfg.Users[0].Roles, []string{RoleAdmin}) {
		t.Fatalf("Users = %+v, want one user demo with ROLE_ADMIN", cfg.Users)
	}
	if err := bcrypt.CompareHashAndPassword([]byte(cfg.Users[0].PasswordHash), []byte(pass)); err != nil {
		t.Errorf("password does not match the hash: %v", err)
	}
	if strings.Contains(cfg.Users[0].PasswordHash, pass) {
		t.Errorf("PasswordHash contains the password")
	}
}

func TestDemoSigns(t *testing.T) {
	cfg, _, err := Demo(nil)
	if err != nil {
		t.Fatalf("Demo: %v", err)
	}
	signer, err := core.NewSigner(cfg.SignerConfig())
	if err != nil {
		t.Fatalf("NewSigner: %v", err)
	}
	for _, u := range []string{
		"http://127.0.0.1:8080/media/sample.mp4", "http://localhost:8080/media/sample.mp4", "/media/sample.mp4",
	} {
		if _, err := signer.Sign(core.SignRequest{URL: u, ValidUntil: time.UnixMilli(1767225600000)}); err != nil {
			t.Errorf("Sign(%s): %v", u, err)
		}
	}
	_, err = signer.Sign(core.SignRequest{URL: "http://example.org/media/a.mp4", ValidUntil: time.UnixMilli(1767225600000)})
	if !errors.Is(err, core.ErrNotAccepted) {
		t.Errorf("Sign(other host) error = %v, want ErrNotAccepted", err)
	}
}

func TestDemoIsRandom(t *testing.T) {
	a, passA, errA := Demo(nil)
	b, passB, errB := Demo(nil)
	if errA != nil || errB != nil {
		t.Fatalf("Demo: %v, %v", errA, errB)
	}
	if a.Keys[0].ID == b.Keys[0].ID || a.Keys[0].Secret == b.Keys[0].Secret || passA == passB {
		t.Errorf("two demo configurations share a key id, secret or password")
	}
}

func TestNewDemoListen(t *testing.T) {
	tests := []struct {
		listen      string
		wantOrigins []string
	}{
		{"", []string{"http://127.0.0.1:8080", "http://localhost:8080"}},
		{"localhost:9000", []string{"http://127.0.0.1:9000", "http://localhost:9000"}},
		{":9000", []string{"http://127.0.0.1:9000", "http://localhost:9000"}},
		{"0.0.0.0:9000", []string{"http://127.0.0.1:9000", "http://localhost:9000"}},
		{"[::]:9000", []string{"http://127.0.0.1:9000", "http://localhost:9000"}},
		{"[::1]:9000", []string{"http://[::1]:9000", "http://localhost:9000"}},
		{"127.0.0.2:9000", []string{"http://127.0.0.2:9000", "http://localhost:9000"}},
		{"192.0.2.10:8443", []string{"http://192.0.2.10:8443"}},
	}
	for _, tc := range tests {
		t.Run(tc.listen, func(t *testing.T) {
			cfg, _, err := NewDemo(DemoOptions{Listen: tc.listen})
			if err != nil {
				t.Fatalf("NewDemo: %v", err)
			}
			if !reflect.DeepEqual(cfg.CORS.AllowedOrigins, tc.wantOrigins) {
				t.Errorf("origins = %q, want %q", cfg.CORS.AllowedOrigins, tc.wantOrigins)
			}
			wantURLs := append([]string(nil), tc.wantOrigins...)
			for i := range wantURLs {
				wantURLs[i] += "/media/"
			}
			wantURLs = append(wantURLs, "/media/")
			if !reflect.DeepEqual(cfg.Keys[0].URLs, wantURLs) {
				t.Errorf("URLs = %q, want %q", cfg.Keys[0].URLs, wantURLs)
			}
		})
	}
}

func TestNewDemoErrors(t *testing.T) {
	tests := []struct{ listen, want string }{
		{"127.0.0.1:0", `config: invalid demo port "0"`},
		{"127.0.0.1", `config: invalid demo address "127.0.0.1"`},
		{"127.0.0.1:http", `config: invalid demo port "http"`},
	}
	for _, tc := range tests {
		_, _, err := NewDemo(DemoOptions{Listen: tc.listen})
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("NewDemo(%q) error = %v, want %q", tc.listen, err, tc.want)
		}
	}
}

func TestHashToken(t *testing.T) {
	// The SHA-256 of "abc" from FIPS 180-2, appendix B.1.
	want := "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	if got := HashToken("abc"); hex.EncodeToString(got[:]) != want {
		t.Errorf("HashToken(abc) = %x, want %s", got, want)
	}
}

func TestNewToken(t *testing.T) {
	a, b := NewToken(), NewToken()
	if len(a) < 26 {
		t.Errorf("len(NewToken()) = %d, want 26 or more (128 bits of base32)", len(a))
	}
	if a == b {
		t.Errorf("two calls of NewToken returned %q", a)
	}
}

func TestTokenFromNewToken(t *testing.T) {
	tok := NewToken()
	hash := HashToken(tok)
	text := keyLines + "token.ci.sha256 = " + hex.EncodeToString(hash[:]) + "\ntoken.ci.roles = ROLE_ADMIN\n"
	cfg, _, err := load(t, map[string]string{"signet.conf": text}, "signet.conf")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(cfg.Tokens) != 1 || cfg.Tokens[0].SHA256 != hash {
		t.Errorf("Tokens = %+v, want one with the hash of the token", cfg.Tokens)
	}
}

func TestParse(t *testing.T) {
	cfg, err := Parse("snippet.conf", []byte("listen = 127.0.0.1:9000\n"+keyLines))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if cfg.Listen != "127.0.0.1:9000" {
		t.Errorf("Listen = %q, want 127.0.0.1:9000", cfg.Listen)
	}
	if cfg.ListenAt != "snippet.conf:1" {
		t.Errorf("ListenAt = %q, want snippet.conf:1", cfg.ListenAt)
	}
	if len(cfg.Keys) != 1 || cfg.Keys[0].ID != "k" {
		t.Errorf("Keys = %v, want the key k", cfg.Keys)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, text string
		key, want  string
	}{
		{"invalid prefix", "key.k.secret = " + secretA + "\nkey.k.url = not a url\n", "key.k.url", `invalid URL prefix "not a url"`},
		{"prefix with query", "key.k.secret = " + secretA + "\nkey.k.url = https://x/?q=1\n", "key.k.url", "no query"},
		{"no key", "listen = 127.0.0.1:9000\n", "", "no key configured in snippet.conf"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("snippet.conf", []byte(tc.text))
			if err == nil {
				t.Fatal("Parse succeeded, expected an error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			checkNoSecrets(t, err.Error())
			if tc.key == "" {
				return
			}
			var cfgErr *Error
			if !errors.As(err, &cfgErr) {
				t.Fatalf("error %v is not an *Error", err)
			}
			if cfgErr.File != "snippet.conf" || cfgErr.Line != 2 || cfgErr.Key != tc.key {
				t.Errorf("error at %s:%d key %q, want snippet.conf:2 key %q", cfgErr.File, cfgErr.Line, cfgErr.Key, tc.key)
			}
		})
	}
}

func TestParseTooLarge(t *testing.T) {
	_, err := Parse("big.conf", make([]byte, MaxFileSize+1))
	if err == nil || !strings.Contains(err.Error(), "big.conf: file is larger than") {
		t.Errorf("Parse of %d bytes: error %v, want one about the size", MaxFileSize+1, err)
	}
}

// TestKnownFirstSegments checks that error messages may show every key
// that signet reads.
func TestKnownFirstSegments(t *testing.T) {
	keys := []string{excludeKey, "key.k.secret"}
	for name := range settings {
		keys = append(keys, name)
	}
	for section := range accountFields {
		keys = append(keys, section+".name.roles")
	}
	for _, key := range keys {
		if shownKey(key) != key {
			t.Errorf("shownKey(%q) = %q; add its first segment to knownFirstSegments", key, shownKey(key))
		}
	}
	for _, secret := range []string{"TOPSECRETvalue0123456789", "c2VjcmV0.dGV4dA"} {
		if got := shownKey(secret); got != "" {
			t.Errorf("shownKey(%q) = %q, expected it hidden", secret, got)
		}
	}
}

// TestLoadErrorHidesPastedSecret checks that a secret that a paste broke
// onto a line of its own, which the properties format reads as a key, is
// not repeated in the errors.
func TestLoadErrorHidesPastedSecret(t *testing.T) {
	for _, line := range []string{secretB, secretB + " tail", "x" + secretB + ".y", "key.k.url" + secretB + " tail", "key.k2" + secretB} {
		_, _, err := load(t, map[string]string{"signet.conf": "key.k.secret =\n" + line + "\nkey.k.url = /media/\n"}, "signet.conf")
		if err == nil {
			t.Fatalf("Load of a secret on a line of its own succeeded")
		}
		if strings.Contains(err.Error(), secretB) {
			t.Errorf("error contains the secret: %v", err)
		}
		if !strings.Contains(err.Error(), "signet.conf:2: ") {
			t.Errorf("error does not point at line 2: %v", err)
		}
		if !strings.Contains(err.Error(), "the key is not shown") && !strings.Contains(err.Error(), "signet.conf:2: key.k...: ") &&
			!strings.Contains(err.Error(), "signet.conf:2: key...: ") {
			t.Errorf("error neither says why the key is missing nor cuts it: %v", err)
		}
	}
}
