package main

import (
	"flag"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/signet-media/signet/config"
	"github.com/signet-media/signet/core"
	"github.com/signet-media/signet/server"
)

func runSign(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("sign", "--config FILE [options] URL", stderr)
	var configs stringList
	fs.Var(&configs, "config", "configuration `FILE` with the signing keys (repeatable)")
	until := fs.String("valid-until", "", "end of validity: RFC 3339 time such as 2030-01-01T00:00:00Z, or +DURATION from now such as +2h (default: the configured lifetime)")
	from := fs.String("valid-from", "", "start of validity, same forms as --valid-until (default: none)")
	source := fs.String("valid-source", "", "bind the URL to this client `IP` address or CIDR prefix")
	resource := fs.String("resource", "", "sign a prefix `PATTERN` ending in '*' that covers URL, such as https://host/hls/ev1/*")
	org := fs.String("organization", config.DefaultOrganization, "the caller's `organization`, which selects the keys")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	rawURL, err := oneArg(fs, "URL")
	if err != nil {
		return err
	}
	cfg, err := loadConfig(configs)
	if err != nil {
		return err
	}
	signer, err := core.NewSigner(cfg.SignerConfig())
	if err != nil {
		return err
	}

	if err := server.CheckServablePath("URL", rawURL); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if err := server.CheckServablePath("--resource", *resource); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	now := time.Now()
	req := core.SignRequest{URL: rawURL, IP: *source, Resource: *resource, Organization: *org}
	req.ValidUntil = now.Add(cfg.DefaultLifetime)
	if *until != "" {
		if req.ValidUntil, err = parseTime(*until, now); err != nil {
			return fmt.Errorf("%w: --valid-until: %v", errUsage, err)
		}
	}
	if *from != "" {
		if req.ValidFrom, err = parseTime(*from, now); err != nil {
			return fmt.Errorf("%w: --valid-from: %v", errUsage, err)
		}
	}
	if err := checkValidity(req, now, cfg.MaxLifetime); err != nil {
		return err
	}
	signed, err := signer.Sign(req)
	if err != nil {
		return err
	}
	if err := checkSignedLength(len(rawURL), len(signed.URL), cfg.MaxURLBytes); err != nil {
		return err
	}
	fmt.Fprintln(stdout, signed.URL)
	return nil
}

// checkSignedLength applies the sign API's limit on the length of a
// signed URL, limits.max-url-bytes, because signet serve rejects a longer
// request with 414. The message gives lengths only, because the URL may
// carry an earlier signature.
func checkSignedLength(urlBytes, signedBytes, maxURLBytes int) error {
	if signedBytes <= maxURLBytes {
		return nil
	}
	return fmt.Errorf("the URL of %d bytes would be %d bytes signed, more than the %d bytes that signet serve and signet edge "+
		"accept (limits.max-url-bytes); sign a shorter URL, or raise limits.max-url-bytes here and for every signet serve "+
		"or signet edge that serves the URL",
		urlBytes, signedBytes, maxURLBytes)
}

// checkValidity applies the sign API's rules to the command line: the URL
// must be valid for some time in the future, and for at most maxLifetime.
func checkValidity(req core.SignRequest, now time.Time, maxLifetime time.Duration) error {
	until := req.ValidUntil.UTC().Format(time.RFC3339Nano)
	switch {
	case !req.ValidUntil.After(now):
		return fmt.Errorf("%w: --valid-until %s is not in the future", errUsage, until)
	case req.ValidUntil.Sub(now) > maxLifetime:
		return fmt.Errorf("%w: --valid-until %s is more than sign.max-lifetime (%v) from now", errUsage, until, maxLifetime)
	case !req.ValidFrom.IsZero() && !req.ValidFrom.Before(req.ValidUntil):
		return fmt.Errorf("%w: --valid-from must be before --valid-until %s", errUsage, until)
	}
	return nil
}

func runVerify(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("verify", "--config FILE [options] URL", stderr)
	var configs stringList
	fs.Var(&configs, "config", "configuration `FILE` with the keys (repeatable)")
	client := fs.String("client-ip", "", "the client's `IP` address (default: none, which fails any IP condition)")
	var strict optionalBool
	fs.Var(&strict, "strict", "compare scheme, host, port and path; false compares only the path (default: the configuration's verify.strict, which defaults to true)")
	nowText := fs.String("now", "", "the time to verify at: RFC 3339, Unix milliseconds, or +/-DURATION from now (default: now)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	rawURL, err := oneArg(fs, "URL")
	if err != nil {
		return err
	}
	cfg, err := loadConfig(configs)
	if err != nil {
		return err
	}
	vcfg := cfg.VerifierConfig()
	if strict.set {
		vcfg.NonStrict = !strict.value
	}
	verifier, err := core.NewVerifier(vcfg)
	if err != nil {
		return err
	}

	var addr netip.Addr
	if *client != "" {
		if addr, err = netip.ParseAddr(*client); err != nil {
			return fmt.Errorf("%w: --client-ip %q is not an IP address", errUsage, *client)
		}
	}
	now := time.Now()
	if *nowText != "" {
		if now, err = parseTime(*nowText, now); err != nil {
			return fmt.Errorf("%w: --now: %v", errUsage, err)
		}
	}
	r := verifier.Verify(rawURL, addr, now)
	fmt.Fprintf(stdout, "%d %s\n", r.Status, r.Reason)
	if !r.OK() {
		return exitError(1)
	}
	return nil
}

// parseTime reads an RFC 3339 time (fractions, offsets and lower-case t
// and z allowed), Unix milliseconds, or a duration relative to now written
// with a sign.
func parseTime(text string, now time.Time) (time.Time, error) {
	if text[0] == '+' || text[0] == '-' {
		d, err := time.ParseDuration(text)
		if err == nil {
			return now.Add(d), nil
		}
	}
	if ms, err := strconv.ParseInt(text, 10, 64); err == nil {
		return time.UnixMilli(ms), nil
	}
	t, err := config.ParseRFC3339(text)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a time; write 2030-01-01T00:00:00Z, Unix milliseconds, or +2h", text)
	}
	return t, nil
}

func oneArg(fs *flag.FlagSet, name string) (string, error) {
	switch {
	case fs.NArg() > 1 && strings.HasPrefix(fs.Arg(1), "-"):
		return "", fmt.Errorf("%w: expected one %s, got %d arguments; options such as %s go before the %s",
			errUsage, name, fs.NArg(), fs.Arg(1), name)
	case fs.NArg() != 1:
		return "", fmt.Errorf("%w: expected one %s, got %d arguments", errUsage, name, fs.NArg())
	}
	return fs.Arg(0), nil
}

// optionalBool is a boolean flag that records whether it was given, so
// that a configuration decides when it was not.
type optionalBool struct {
	value, set bool
}

func (b *optionalBool) String() string   { return "" }
func (b *optionalBool) IsBoolFlag() bool { return true }

func (b *optionalBool) Set(text string) error {
	v, err := strconv.ParseBool(text)
	if err != nil {
		return fmt.Errorf("%q is not a boolean; use true or false", text)
	}
	b.value, b.set = v, true
	return nil
}

func loadConfig(paths []string) (*config.Config, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("%w: --config FILE is required", errUsage)
	}
	return config.Load(paths...)
}
