package config

import (
	"fmt"
	"slices"

	"github.com/signet-media/signet/core"
)

// finish runs the checks that need every file: keys, accounts, CORS and
// lifetimes, and at last builds a core.Signer and a core.Verifier.
func (l *loader) finish() {
	l.finishKeys()
	l.finishAccounts()
	l.checkCORS()
	l.checkLifetimes()
	l.checkForwardAuthPath()
	if len(l.errs) == 0 {
		if err := checkCore(&l.cfg); err != nil {
			l.fail(err)
		}
	}
}

// checkCORS rejects credentials with the "*" origin, because browsers
// reject a response to a request with credentials when its
// Access-Control-Allow-Origin is "*".
func (l *loader) checkCORS() {
	if !l.cfg.CORS.AllowCredentials || !slices.Contains(l.cfg.CORS.AllowedOrigins, "*") {
		return
	}
	origins := l.settings["cors.allowed-origins"]
	l.fail(l.settings["cors.allow-credentials"].errorf(
		`credentials require explicit origins, but %s at %s is "*"; list the origins or set this to false`,
		origins.key, origins.where()))
}

// checkLifetimes rejects a maximum lifetime shorter than the default one.
// The error names the line of sign.max-lifetime, or of
// sign.default-lifetime when only that one is set.
func (l *loader) checkLifetimes() {
	if l.cfg.MaxLifetime >= l.cfg.DefaultLifetime {
		return
	}
	if e, ok := l.settings["sign.max-lifetime"]; ok {
		l.fail(e.errorf("maximum lifetime %v is shorter than sign.default-lifetime %v; "+
			"raise it or lower the default", l.cfg.MaxLifetime, l.cfg.DefaultLifetime))
		return
	}
	l.fail(l.settings["sign.default-lifetime"].errorf(
		"default lifetime %v is longer than the maximum lifetime %v; lower it or set sign.max-lifetime",
		l.cfg.DefaultLifetime, l.cfg.MaxLifetime))
}

// checkCore builds a core.Signer and a core.Verifier from c, to reject
// what core rejects.
func checkCore(c *Config) error {
	if _, err := core.NewSigner(c.SignerConfig()); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if _, err := core.NewVerifier(c.VerifierConfig()); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return nil
}
