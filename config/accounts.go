package config

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// accountFields lists the attributes of users and tokens. The first is the
// credential.
var accountFields = map[string][]string{
	"user":  {"password-hash", "roles", "organization"},
	"token": {"sha256", "roles", "organization"},
}

// account collects the entries of one user or token.
type account struct {
	section    string // "user" or "token"
	name       string
	first      entry // the account's first entry, for errors about the account
	credential string
	hash       [32]byte // the token's SHA-256
	roles      []string
	org        string
}

// splitAccountKey splits "user.<name>.<attribute>" or
// "token.<name>.<attribute>". The name may contain dots.
func splitAccountKey(key string) (section, name, attribute string, ok bool) {
	section, rest, _ := strings.Cut(key, ".")
	fields, known := accountFields[section]
	i := strings.LastIndexByte(rest, '.')
	if !known || i < 0 {
		return "", "", "", false
	}
	name, attribute = rest[:i], rest[i+1:]
	for _, f := range fields {
		if f == attribute {
			return section, name, attribute, true
		}
	}
	return "", "", "", false
}

// applyAccount stores an attribute of a user or a token.
func (l *loader) applyAccount(section, name, attribute string, e entry) error {
	if err := checkAccountName(name); err != nil {
		return e.errorf("%w", err)
	}
	a := l.account(section, name, e)
	switch attribute {
	case "password-hash":
		if err := checkBcrypt(e.value); err != nil {
			return e.errorf("%w", err)
		}
		a.credential = e.value
	case "sha256":
		hash, err := parseTokenHash(e.value)
		if err != nil {
			return e.errorf("%w", err)
		}
		a.credential, a.hash = e.value, hash
	case "roles":
		roles, err := parseRoles(e.value)
		if err != nil {
			return e.errorf("%w", err)
		}
		a.roles = roles
	case "organization":
		a.org = e.value
	}
	return nil
}

// account returns the user or token with the name, creating it on first
// use so that Config.Users and Config.Tokens keep the order of the files.
func (l *loader) account(section, name string, e entry) *account {
	id := section + "." + name
	a := l.byName[id]
	if a == nil {
		a = &account{section: section, name: name, first: e}
		l.byName[id] = a
		l.accounts = append(l.accounts, a)
	}
	return a
}

// checkAccountName rejects names that HTTP Basic authentication or a log
// line cannot carry.
func checkAccountName(name string) error {
	if name == "" {
		return errors.New("missing name; write user.<name>.<attribute> or token.<name>.<attribute>")
	}
	for _, r := range name {
		if r == ':' || r < ' ' || r == 0x7f {
			return fmt.Errorf("invalid name %q: it contains ':' or a control character", name)
		}
	}
	return nil
}

// bcryptAlphabet is the base64 alphabet of bcrypt hashes.
const bcryptAlphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// errBcrypt is the error for a password hash that is not bcrypt. It does
// not quote the hash.
var errBcrypt = errors.New("not a bcrypt hash; write a hash of 60 characters " +
	"starting with $2a$, $2b$ or $2y$ and a cost, such as the part after ':' " +
	"in the output of htpasswd -nbB NAME PASSWORD")

// checkBcrypt checks the form of a bcrypt hash: "$2a$", "$2b$" or "$2y$",
// a cost from bcrypt.MinCost to bcrypt.MaxCost, '$', and 53 characters of
// salt and hash.
func checkBcrypt(hash string) error {
	if len(hash) != 60 || !strings.HasPrefix(hash, "$2a$") && !strings.HasPrefix(hash, "$2b$") &&
		!strings.HasPrefix(hash, "$2y$") {
		return errBcrypt
	}
	for _, c := range []byte(hash[7:]) {
		if strings.IndexByte(bcryptAlphabet, c) < 0 {
			return errBcrypt
		}
	}
	_, err := bcrypt.Cost([]byte(hash))
	var cost bcrypt.InvalidCostError
	if errors.As(err, &cost) {
		return fmt.Errorf("invalid bcrypt cost %d; create a hash with a cost from %d to %d",
			int(cost), bcrypt.MinCost, bcrypt.MaxCost)
	}
	if err != nil {
		return errBcrypt
	}
	return nil
}

// parseTokenHash decodes the SHA-256 of a token from 64 hex digits. Its
// error does not quote the value.
func parseTokenHash(value string) ([32]byte, error) {
	var hash [32]byte
	decoded, err := hex.DecodeString(value)
	if err != nil || len(decoded) != len(hash) {
		return hash, errors.New("not a SHA-256 hash; write the 64 hex digits of the SHA-256 of the token, " +
			"such as the output of: printf %s TOKEN | sha256sum | cut -d' ' -f1")
	}
	copy(hash[:], decoded)
	return hash, nil
}

// parseRoles splits a comma-separated list of roles.
func parseRoles(value string) ([]string, error) {
	roles, err := splitList(value)
	if err != nil {
		return nil, err
	}
	if len(roles) == 0 {
		return nil, errors.New("empty list; write roles separated by commas, such as ROLE_ADMIN")
	}
	for _, r := range roles {
		if strings.ContainsFunc(r, func(c rune) bool { return c <= ' ' }) {
			return nil, fmt.Errorf("role %s contains white space; separate roles with commas", strconv.Quote(r))
		}
	}
	return roles, nil
}

// finishAccounts checks that every user and token has a credential and
// roles, and stores them in l.cfg.
func (l *loader) finishAccounts() {
	tokenByHash := make(map[[32]byte]*account)
	for _, a := range l.accounts {
		if err := a.check(); err != nil {
			l.fail(err)
			continue
		}
		if a.section == "user" {
			l.cfg.Users = append(l.cfg.Users, a.user())
			continue
		}
		if other := tokenByHash[a.hash]; other != nil {
			l.fail(a.first.errorf("token %q has the same sha256 as token %q; give each token its own",
				a.name, other.name))
			continue
		}
		tokenByHash[a.hash] = a
		l.cfg.Tokens = append(l.cfg.Tokens, a.token())
	}
}

func (a *account) check() error {
	fields := accountFields[a.section]
	if a.credential == "" {
		return a.first.errorf("%s %q has no %s; add %s.%s.%s", a.section, a.name, fields[0],
			a.section, a.name, fields[0])
	}
	if len(a.roles) == 0 {
		return a.first.errorf("%s %q has no roles; add %s.%s.roles, such as %s", a.section, a.name,
			a.section, a.name, RoleAdmin)
	}
	return nil
}

func (a *account) organization() string {
	if a.org == "" {
		return DefaultOrganization
	}
	return a.org
}

func (a *account) user() User {
	return User{Name: a.name, PasswordHash: a.credential, Roles: a.roles, Organization: a.organization()}
}

func (a *account) token() Token {
	return Token{Name: a.name, SHA256: a.hash, Roles: a.roles, Organization: a.organization()}
}
