package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"
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
	if *id == "" {
		*id = "key-" + now.Format("20060102") + "-" + randomHex(2)
	}
	if err := checkKeyID(*id); err != nil {
		return fmt.Errorf("%w: --id: %v", errUsage, err)
	}
	printKeySnippet(stdout, *id, randomHex(keygenSecretBytes), urls, now)
	return nil
}

// checkKeyID accepts ids of letters, digits, '-' and '_', which need no
// escaping in a properties file or a URL.
func checkKeyID(id string) error {
	for _, r := range id {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '-' || r == '_') {
			return fmt.Errorf("invalid key id %q: use letters, digits, '-' and '_'", id)
		}
	}
	if id == "" || len(id) > 64 {
		return fmt.Errorf("invalid key id %q: write 1 to 64 characters", id)
	}
	return nil
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
	b.WriteString("# Rotation: add the key to every signet and Opencast that verifies, then\n" +
		"# name it in sign.keys, then remove the old key once its last URL has\n" +
		"# expired (sign.max-lifetime plus verify.leeway).\n")
	fmt.Fprintf(&b, "key.%s.secret = %s\n", id, secret)
	for i, u := range urls {
		name := "url"
		if i > 0 {
			name = fmt.Sprintf("url.%d", i+1)
		}
		fmt.Fprintf(&b, "key.%s.%s = %s\n", id, name, u)
	}
	if len(urls) == 0 {
		fmt.Fprintf(&b, "key.%s.url = https://media.example.org/engage/\n", id)
		b.WriteString("# (replace the example prefix above with the URL prefix of your media)\n")
	}
	fmt.Fprintf(&b, "\n# The same key for Opencast's UrlSigningVerifierImpl.cfg:\n# key.%s = %s\n", id, secret)
	io.WriteString(w, b.String())
}
