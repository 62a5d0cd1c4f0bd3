package config

import (
	"errors"
	"fmt"
	"strings"

	"github.com/signet-media/signet/core"
)

// excludeKey is the key of the regular expression of URLs never to sign.
const excludeKey = "exclude.url.pattern"

// anyOrganization is the organization value of Opencast that lets every
// organization sign with a key.
const anyOrganization = "*"

// signingKeyList names the keys of the signing provider format, for
// error messages.
const signingKeyList = "key.<id>.secret, key.<id>.url, key.<id>.url.<name>, " +
	"key.<id>.organization and " + excludeKey

// keyEntry collects the entries of one signing or verification key.
type keyEntry struct {
	id       string
	secret   *entry
	urls     []entry
	org      *entry
	verifier bool // the secret is also in a verifier file
}

// key returns the entry of the key id, creating it on first use so that
// Config.Keys keeps the order in which keys first appear.
func (l *loader) key(id string) *keyEntry {
	k := l.keyByID[id]
	if k == nil {
		k = &keyEntry{id: id}
		l.keyByID[id] = k
		l.keys = append(l.keys, k)
	}
	return k
}

// applySigningKey stores an entry of Opencast's signing provider format.
func (l *loader) applySigningKey(e entry) error {
	if e.key == excludeKey {
		if _, err := l.claim(e.key, e); err != nil {
			return err
		}
		l.cfg.Exclude = e.value
		return nil
	}
	id, attribute, err := splitKeyProperty(e.key)
	if err != nil {
		return e.errorf("%w", err)
	}
	isNew, err := l.claim(e.key, e)
	if !isNew {
		return err
	}
	k := l.key(id)
	switch attribute {
	case "secret":
		k.secret = &e
	case "organization":
		k.org = &e
	default:
		k.urls = append(k.urls, e)
	}
	return nil
}

// splitKeyProperty splits "key.<id>.<attribute>" or "key.<id>.url.<name>".
// Key ids cannot contain '.', because Opencast splits the key at dots.
func splitKeyProperty(key string) (id, attribute string, err error) {
	parts := strings.Split(key, ".")
	if len(parts) < 3 || parts[1] == "" {
		return "", "", errors.New("unknown key; write " + signingKeyList)
	}
	id, attribute = parts[1], parts[2]
	switch {
	case len(parts) == 3 && (attribute == "secret" || attribute == "url" || attribute == "organization"):
		return id, attribute, nil
	case len(parts) == 4 && attribute == "url" && parts[3] != "":
		return id, attribute, nil
	}
	return "", "", errors.New("unknown key; the keys of a signing key are " + signingKeyList)
}

// applyVerifierKey stores an entry "key.<id> = <secret>" of Opencast's
// verifier format.
func (l *loader) applyVerifierKey(e entry) error {
	id, ok := strings.CutPrefix(e.key, "key.")
	if !ok || id == "" {
		return e.errorf("unknown key; a UrlSigningVerifierImpl file contains only key.<id> = <secret> lines")
	}
	if strings.Contains(id, ".") {
		return e.errorf("key id %q contains '.', which Opencast's signing provider cannot use; "+
			"a UrlSigningVerifierImpl file contains only key.<id> = <secret> lines", id)
	}
	isNew, err := l.claim("key."+id+".secret", e)
	if err != nil {
		return err
	}
	k := l.key(id)
	if isNew {
		k.secret = &e
	}
	k.verifier = true
	return nil
}

// finishKeys checks every key and stores them in l.cfg.Keys.
func (l *loader) finishKeys() {
	for _, k := range l.keys {
		for _, u := range k.urls {
			if err := checkPrefix(u); err != nil {
				l.fail(err)
			}
		}
		if err := k.check(); err != nil {
			l.fail(err)
			continue
		}
		l.cfg.Keys = append(l.cfg.Keys, k.build())
	}
	l.checkExclude()
	l.checkSignKeys()
	l.checkSharedPrefixes()
	if len(l.keys) == 0 {
		l.fail(fmt.Errorf("config: no key configured in %s; add key.<id>.secret and key.<id>.url, "+
			"or a UrlSigningVerifierImpl file", strings.Join(l.cfg.Sources, ", ")))
	}
}

// MinSecretBytes is the shortest secret Load accepts. A shorter one can be
// guessed; signet keygen makes secrets of 64 hex digits (256 bits).
const MinSecretBytes = 16

// check reports a key without a secret, a secret shorter than
// MinSecretBytes, and a key with a secret but no URL
// prefix that is not in a verifier file.
func (k *keyEntry) check() error {
	if k.secret == nil {
		first := k.org
		if len(k.urls) > 0 {
			first = &k.urls[0]
		}
		return first.errorf("key %q has no secret; add key.%s.secret", k.id, k.id)
	}
	if len(k.secret.value) < MinSecretBytes {
		return k.secret.errorf("the secret of key %q is %d bytes, shorter than %d; "+
			"make a new one with signet keygen", k.id, len(k.secret.value), MinSecretBytes)
	}
	if len(k.urls) == 0 && !k.verifier {
		return k.secret.errorf("key %q has a secret but no URL prefix, so it signs nothing; "+
			"add key.%s.url = <prefix>, or move the key to a UrlSigningVerifierImpl file to only verify with it",
			k.id, k.id)
	}
	return nil
}

func (k *keyEntry) build() core.Key {
	key := core.Key{ID: k.id, Secret: k.secret.value}
	for _, u := range k.urls {
		key.URLs = append(key.URLs, u.value)
	}
	if k.org != nil && k.org.value != anyOrganization {
		key.Organization = k.org.value
	}
	return key
}

// checkPrefix checks a URL prefix as core.NewSigner does.
func checkPrefix(e entry) error {
	// The secret is a placeholder, so that a prefix is checked even when
	// its key has no secret.
	key := core.Key{ID: "check", Secret: "unused", URLs: []string{e.value}}
	_, err := core.NewSigner(core.SignerConfig{Keys: []core.Key{key}})
	if err == nil {
		return nil
	}
	// Drop core's prefix `core: key "check": `.
	if inner := errors.Unwrap(err); inner != nil {
		err = inner
	}
	return &Error{File: e.file, Line: e.line, Key: e.key, Err: err}
}

// checkExclude checks the exclude pattern as core.NewSigner does.
func (l *loader) checkExclude() {
	e, ok := l.settings[excludeKey]
	if !ok || e.value == "" {
		return
	}
	_, err := core.NewSigner(core.SignerConfig{Exclude: e.value})
	if err == nil {
		return
	}
	// Drop core's prefix "core: invalid exclude pattern: ".
	if inner := errors.Unwrap(err); inner != nil {
		err = inner
	}
	l.fail(e.errorf("invalid regular expression (RE2 syntax): %w", err))
}

// checkSharedPrefixes reports a URL prefix that two signing keys share
// when both may sign for the same organization, because then only the
// first key would ever sign those URLs. Keys left out of sign.keys only
// verify, so they may share prefixes with the keys that replace them.
func (l *loader) checkSharedPrefixes() {
	first := make(map[string]*keyEntry)
	for _, k := range l.keys {
		if !l.cfg.signs(k.id) {
			continue
		}
		for _, u := range k.urls {
			other := first[u.value]
			if other == nil {
				first[u.value] = k
				continue
			}
			if other != k && organizationsOverlap(other.org, k.org) {
				l.fail(u.errorf("URL prefix %q is also a prefix of key %q, and both sign; during a key rotation, "+
					"name the key that signs now in sign.keys (sign.keys = %s), else give each prefix to one key "+
					"per organization", u.value, other.id, other.id))
			}
		}
	}
}

func organizationsOverlap(a, b *entry) bool {
	if a == nil || b == nil || a.value == anyOrganization || b.value == anyOrganization {
		return true
	}
	return a.value == b.value
}

// setSignKeys reads sign.keys, the ids of the keys that sign. Whether
// they exist is checked by checkSignKeys, after every file is read.
func setSignKeys(l *loader, e entry) error {
	ids, err := splitList(e.value)
	if err != nil {
		return e.errorf("%w", err)
	}
	if len(ids) == 0 {
		return e.errorf("empty list; write the ids of the keys that sign, separated by commas")
	}
	seen := make(map[string]bool)
	for _, id := range ids {
		if seen[id] {
			return e.errorf("key %q is listed twice; list each key once", id)
		}
		seen[id] = true
	}
	l.cfg.SignKeys = ids
	return nil
}

// checkSignKeys checks that every key in sign.keys is configured and has
// a URL prefix to sign.
func (l *loader) checkSignKeys() {
	e, ok := l.settings["sign.keys"]
	if !ok {
		return
	}
	for _, id := range l.cfg.SignKeys {
		k := l.keyByID[id]
		switch {
		case k == nil:
			l.fail(e.errorf("key %q is not configured; add key.%s.secret and key.%s.url, or remove it from the list",
				id, id, id))
		case len(k.urls) == 0:
			l.fail(e.errorf("key %q has no URL prefix, so it cannot sign; add key.%s.url = <prefix>", id, id))
		}
	}
}
