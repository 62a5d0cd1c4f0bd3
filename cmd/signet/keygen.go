package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/signet-media/signet/config"
	"github.com/signet-media/signet/core"
)

// keygenSecretBytes is the size of a new secret: 256 bits, written as 64
// hex digits whose text is the HMAC key.
const keygenSecretBytes = 32

func runKeygen(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("keygen", "[--id ID] [--url PREFIX]...", stderr)
	now := time.Now().UTC()
	id := fs.String("id", "", "key `id` (default: key-YYYYMMDD- and 4 random hex digits)")
	var urls stringList
	fs.Var(&urls, "url", "URL `prefix` that the key signs, such as https://media.example.org/engage/ (repeatable)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("%w: unexpected argument %q; keygen takes only options", errUsage, fs.Arg(0))
	}
	if !isFlagSet(fs, "id") {
		*id = "key-" + now.Format("20060102") + "-" + randomHex(2)
	}
	if err := checkKeyID(*id); err != nil {
		return fmt.Errorf("%w: --id: %v", errUsage, err)
	}
	var snippet strings.Builder
	printKeySnippet(&snippet, *id, randomHex(keygenSecretBytes), urls, now)
	if err := checkKeySnippet(snippet.String(), *id, urls); err != nil {
		return err
	}
	io.WriteString(stdout, snippet.String())
	return nil
}

// isFlagSet reports whether the command line set the flag, even to its
// default value.
func isFlagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// checkKeyID accepts ids of letters, digits, '-' and '_', which need no
// escaping in a properties file or a URL.
func checkKeyID(id string) error {
	if id == "" {
		return errors.New("the key id is empty; give 1 to 64 letters, digits, '-' and '_', " +
			"or leave out --id for a generated id")
	}
	for _, r := range id {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '-' || r == '_') {
			return fmt.Errorf("invalid key id %q: use letters, digits, '-' and '_'", id)
		}
	}
	if len(id) > 64 {
		return fmt.Errorf("invalid key id %q: it is %d characters long; write 1 to 64", id, len(id))
	}
	return nil
}

// examplePrefix is the URL prefix that keygen shows as an example.
const examplePrefix = "https://media.example.org/engage/"

// keygenSnippetName names the snippet in the errors of config.Parse that
// checkKeySnippet cannot attribute to an option.
const keygenSnippetName = "keygen output"

// checkKeySnippet loads the snippet with config.Parse, as signet serve
// loads a file that contains it, so that keygen prints no key that serve
// rejects. The errors name the option at fault.
func checkKeySnippet(snippet, id string, urls []string) error {
	for _, u := range urls {
		switch {
		case u == "":
			return fmt.Errorf("%w: --url is empty; give a URL prefix such as %s", errUsage, examplePrefix)
		case strings.ContainsAny(u, "\r\n"):
			return fmt.Errorf("%w: --url %q contains a line break; give one URL prefix per --url", errUsage, core.WithoutUserInfo(u))
		}
	}
	cfg, err := config.Parse(keygenSnippetName, []byte(snippet))
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, attributeKeyErrors(err, id, urls))
	}
	if len(urls) == 0 {
		return nil
	}
	loaded := cfg.Keys[0].URLs
	for i, u := range urls {
		if i >= len(loaded) || loaded[i] != u {
			return fmt.Errorf("%w: --url %q: a properties file does not read it as given; "+
				"remove backslashes and white space at the ends", errUsage, core.WithoutUserInfo(u))
		}
	}
	return nil
}

// attributeKeyErrors rewrites the errors of config.Parse about the key's
// URL prefixes as errors of the --url option with that value. Other
// errors keep their message.
func attributeKeyErrors(err error, id string, urls []string) error {
	errs := []error{err}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		errs = joined.Unwrap()
	}
	var messages []string
	for _, e := range errs {
		var cfgErr *config.Error
		i := -1
		if errors.As(e, &cfgErr) {
			i = urlIndex(cfgErr.Key, id)
		}
		if i < 0 || i >= len(urls) {
			messages = append(messages, e.Error())
			continue
		}
		messages = append(messages, urlErrorMessage(urls[i], cfgErr.Err))
	}
	return errors.New(strings.Join(messages, "\n"))
}

// urlErrorMessage returns the message of a config error about the URL
// prefix u, without the prefix that core's message repeats.
func urlErrorMessage(u string, err error) string {
	redacted := core.WithoutUserInfo(u)
	detail, isPrefixError := strings.CutPrefix(err.Error(), "invalid URL prefix "+strconv.Quote(redacted)+": ")
	if !isPrefixError {
		return fmt.Sprintf("--url %q: %s", redacted, detail)
	}
	return fmt.Sprintf("--url %q: invalid URL prefix: %s "+
		"(write scheme://host/path or a path starting with '/', such as %s)", redacted, detail, examplePrefix)
}

// urlIndex returns the index of the --url option that printKeySnippet
// writes as the property key, or -1 for other keys: key.<id>.url is the
// first, key.<id>.url.<n> the n-th.
func urlIndex(key, id string) int {
	rest, ok := strings.CutPrefix(key, "key."+id+".url")
	switch {
	case !ok:
		return -1
	case rest == "":
		return 0
	}
	n, err := strconv.Atoi(strings.TrimPrefix(rest, "."))
	if err != nil || !strings.HasPrefix(rest, ".") || n < 2 {
		return -1
	}
	return n - 1
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never returns an error since Go 1.24
	return hex.EncodeToString(b)
}

func printKeySnippet(w io.Writer, id, secret string, urls []string, now time.Time) {
	var b strings.Builder
	fmt.Fprintf(&b, "# Key %s, made by signet keygen on %s: 256 random bits from crypto/rand.\n",
		id, now.Format(time.DateOnly))
	b.WriteString("# Rotation: add the key to every signet and Opencast that verifies, with\n" +
		"# sign.keys naming the old key, so that only the old key signs; then name\n" +
		"# this key in sign.keys instead; then remove the old key once its last URL\n" +
		"# has expired (sign.max-lifetime plus verify.leeway).\n")
	fmt.Fprintf(&b, "key.%s.secret = %s\n", id, secret)
	for i, u := range urls {
		name := "url"
		if i > 0 {
			name = fmt.Sprintf("url.%d", i+1)
		}
		fmt.Fprintf(&b, "key.%s.%s = %s\n", id, name, u)
	}
	if len(urls) == 0 {
		fmt.Fprintf(&b, "key.%s.url = %s\n", id, examplePrefix)
		b.WriteString("# (replace the example prefix above with the URL prefix of your media)\n")
	}
	fmt.Fprintf(&b, "\n# The same key for Opencast's UrlSigningVerifierImpl.cfg:\n# key.%s = %s\n", id, secret)
	io.WriteString(w, b.String())
}
