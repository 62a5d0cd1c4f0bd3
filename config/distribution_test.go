package config

import (
	"net/netip"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestLoadDistributionSettings(t *testing.T) {
	text := keyLines + `key.next.secret = ` + secretB + `
key.next.url = https://media.example.org/
sign.keys = next
proxy.trusted = 127.0.0.1, 10.0.0.0/8, ::1/128, ::ffff:192.0.2.0/120
proxy.client-header = forwarded
forward-auth.path = /signet/auth
metrics.enabled = false
reload.interval = 0s
`
	cfg, _, err := load(t, map[string]string{"signet.conf": text}, "signet.conf")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	wantTrusted := []netip.Prefix{
		netip.MustParsePrefix("127.0.0.1/32"),
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("::1/128"),
		netip.MustParsePrefix("192.0.2.0/24"),
	}
	if !reflect.DeepEqual(cfg.TrustedProxies, wantTrusted) {
		t.Errorf("TrustedProxies = %v, want %v", cfg.TrustedProxies, wantTrusted)
	}
	if cfg.ClientHeader != HeaderForwarded {
		t.Errorf("ClientHeader = %q, want %q", cfg.ClientHeader, HeaderForwarded)
	}
	if cfg.ForwardAuthPath != "/signet/auth" {
		t.Errorf("ForwardAuthPath = %q, want /signet/auth", cfg.ForwardAuthPath)
	}
	if !cfg.DisableMetrics {
		t.Error("DisableMetrics = false, want true")
	}
	if cfg.ReloadInterval != 0 {
		t.Errorf("ReloadInterval = %v, want 0", cfg.ReloadInterval)
	}
	if !reflect.DeepEqual(cfg.SignKeys, []string{"next"}) {
		t.Errorf("SignKeys = %q, want [next]", cfg.SignKeys)
	}
}

func TestSignKeysSelectSigner(t *testing.T) {
	text := keyLines + "key.next.secret = " + secretB + "\nkey.next.url = https://media.example.org/\n"
	for _, tc := range []struct {
		signKeys string
		wantKey  string
	}{
		{"sign.keys = k\n", "k"},
		{"sign.keys = next\n", "next"},
	} {
		t.Run(tc.wantKey, func(t *testing.T) {
			cfg, _, err := load(t, map[string]string{"signet.conf": text + tc.signKeys}, "signet.conf")
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			sc := cfg.SignerConfig()
			if len(sc.Keys) != 1 || sc.Keys[0].ID != tc.wantKey {
				t.Errorf("SignerConfig keys = %+v, want only %q", sc.Keys, tc.wantKey)
			}
			if vc := cfg.VerifierConfig(); len(vc.Keys) != 2 {
				t.Errorf("VerifierConfig has %d keys, want 2", len(vc.Keys))
			}
		})
	}
}

func TestLoadDistributionDefaults(t *testing.T) {
	cfg, _, err := load(t, map[string]string{"signet.conf": keyLines}, "signet.conf")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if cfg.TrustedProxies != nil || cfg.SignKeys != nil || cfg.DisableMetrics {
		t.Errorf("TrustedProxies %v, SignKeys %v, DisableMetrics %v; want nil, nil, false",
			cfg.TrustedProxies, cfg.SignKeys, cfg.DisableMetrics)
	}
	if cfg.ClientHeader != HeaderXForwardedFor || cfg.ForwardAuthPath != "/auth" ||
		cfg.ReloadInterval != 5*time.Second {
		t.Errorf("ClientHeader %q, ForwardAuthPath %q, ReloadInterval %v; want X-Forwarded-For, /auth, 5s",
			cfg.ClientHeader, cfg.ForwardAuthPath, cfg.ReloadInterval)
	}
}

func TestLoadDistributionErrors(t *testing.T) {
	twoKeys := keyLines + "key.next.secret = " + secretB + "\nkey.next.url = https://media.example.org/\n"
	tests := []struct {
		name string
		text string
		at   string // "signet.conf:line"
		key  string
		want string
	}{
		{"sign.keys unknown key", keyLines + "sign.keys = k, gone\n", "signet.conf:3", "sign.keys",
			`key "gone" is not configured`},
		{"sign.keys twice", keyLines + "sign.keys = k, k\n", "signet.conf:3", "sign.keys", `key "k" is listed twice`},
		{"sign.keys empty list", keyLines + "sign.keys = ,\n", "signet.conf:3", "sign.keys", "empty list"},
		{"shared prefix of signing keys", twoKeys + "sign.keys = k, next\n", "signet.conf:4", "key.next.url",
			`is also a prefix of key "k"`},
		{"shared prefix without sign.keys", twoKeys, "signet.conf:4", "key.next.url", `is also a prefix of key "k"`},
		{"proxy.trusted host name", keyLines + "proxy.trusted = proxy.example.org\n", "signet.conf:3",
			"proxy.trusted", `invalid network "proxy.example.org"`},
		{"proxy.trusted host bits", keyLines + "proxy.trusted = 10.0.0.1/8\n", "signet.conf:3", "proxy.trusted",
			"write 10.0.0.0/8"},
		{"proxy.trusted zone", keyLines + "proxy.trusted = fe80::1%eth0\n", "signet.conf:3", "proxy.trusted",
			"invalid network"},
		{"proxy.trusted empty", keyLines + "proxy.trusted = , ,\n", "signet.conf:3", "proxy.trusted", "empty list"},
		{"proxy.client-header", keyLines + "proxy.client-header = X-Real-IP\n", "signet.conf:3",
			"proxy.client-header", `invalid header "X-Real-IP"`},
		{"forward-auth.path slash", keyLines + "forward-auth.path = /auth/\n", "signet.conf:3", "forward-auth.path",
			"does not end with it"},
		{"forward-auth.path relative", keyLines + "forward-auth.path = auth\n", "signet.conf:3", "forward-auth.path",
			"invalid path"},
		{"forward-auth.path API", keyLines + "forward-auth.path = /api/auth\n", "signet.conf:3", "forward-auth.path",
			"overlaps the server's route /api/"},
		{"forward-auth.path in media.path", keyLines + "media.path = /files/\nforward-auth.path = /files/auth\n",
			"signet.conf:4", "forward-auth.path", "overlap"},
		{"metrics.enabled", keyLines + "metrics.enabled = yes\n", "signet.conf:3", "metrics.enabled",
			`invalid boolean "yes"`},
		{"reload.interval short", keyLines + "reload.interval = 10ms\n", "signet.conf:3", "reload.interval",
			"shorter than 1s"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, dir, err := load(t, map[string]string{"signet.conf": tc.text}, "signet.conf")
			if err == nil {
				t.Fatalf("Load succeeded, want error %s: %s: %s", tc.at, tc.key, tc.want)
			}
			msg := strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), "")
			if !strings.HasPrefix(msg, tc.at+": "+tc.key+": ") {
				t.Errorf("error %q does not name %s: %s", msg, tc.at, tc.key)
			}
			if !strings.Contains(msg, tc.want) {
				t.Errorf("error %q does not contain %q", msg, tc.want)
			}
			checkNoSecrets(t, msg)
		})
	}
}
