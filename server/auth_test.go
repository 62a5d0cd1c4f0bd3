package server

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/signet-media/signet/config"
)

func basic(user, password string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
}

func TestSignAuthentication(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name          string
		authorization string
		status        int
	}{
		{"no credentials", "", http.StatusUnauthorized},
		{"wrong password", "Basic " + basic("alice", "wrong"), http.StatusUnauthorized},
		{"unknown user", "Basic " + basic("mallory", alicePass), http.StatusUnauthorized},
		{"malformed basic", "Basic !!!", http.StatusUnauthorized},
		{"other scheme", "Digest username=alice", http.StatusUnauthorized},
		{"wrong token", "Bearer not-the-token", http.StatusUnauthorized},
		{"empty token", "Bearer ", http.StatusUnauthorized},
		{"role without signing", "Basic " + basic("bob", bobPass), http.StatusForbidden},
		{"user with signing role", "Basic " + basic("alice", alicePass), http.StatusOK},
		{"token", "Bearer " + tokenText, http.StatusOK},
		{"token scheme in lower case", "bearer " + tokenText, http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := f.signForm(url.Values{"url": {f.base + "/media/a.txt"}}, "Authorization", tc.authorization)
			if r.status != tc.status {
				t.Fatalf("status %d, expected %d; body %s", r.status, tc.status, r.body)
			}
			if tc.status != http.StatusOK {
				checkError(t, r, tc.status)
			}
			challenges := r.header.Values("WWW-Authenticate")
			want := []string{basicChallenge, bearerChallenge}
			if tc.status == http.StatusUnauthorized && !slices.Equal(challenges, want) {
				t.Errorf("WWW-Authenticate %q, expected %q", challenges, want)
			}
			if tc.status != http.StatusUnauthorized && len(challenges) != 0 {
				t.Errorf("WWW-Authenticate %q on status %d", challenges, r.status)
			}
		})
	}
}

// TestSignTwoAuthorizationHeaders checks that a request with two
// Authorization headers is refused even when the first is valid, since a
// proxy in front could have checked the other.
func TestSignTwoAuthorizationHeaders(t *testing.T) {
	f := newFixture(t)
	req := f.request(http.MethodPost, "/api/security/sign", strings.NewReader(url.Values{"url": {f.base + "/media/a.txt"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Add("Authorization", "Bearer "+tokenText)
	req.Header.Add("Authorization", "Basic "+basic("mallory", "x"))
	r := f.do(req)
	body := checkError(t, r, http.StatusUnauthorized)
	if !strings.Contains(body["error"], "more than one Authorization header") {
		t.Errorf("error %q does not name the two headers", body["error"])
	}
}

func TestChallengeWithoutTokens(t *testing.T) {
	f := newFixture(t, func(cfg *config.Config) { cfg.Tokens = nil })
	r := f.signForm(url.Values{"url": {f.base + "/media/a.txt"}}, "Authorization", "")
	checkError(t, r, http.StatusUnauthorized)
	if got := r.header.Values("WWW-Authenticate"); !slices.Equal(got, []string{basicChallenge}) {
		t.Errorf("WWW-Authenticate %q, expected only %q", got, basicChallenge)
	}
}

func TestCredentialCache(t *testing.T) {
	f := newFixture(t)
	sign := func(user, password string) int {
		t.Helper()
		form := url.Values{"url": {f.base + "/media/a.txt"}}
		return f.signForm(form, "Authorization", "Basic "+basic(user, password)).status
	}
	steps := []struct {
		name           string
		user, password string
		status         int
		bcrypts        int64 // bcrypt comparisons so far
		advance        time.Duration
	}{
		{"first request", "alice", alicePass, http.StatusOK, 1, 0},
		{"cached", "alice", alicePass, http.StatusOK, 1, 0},
		{"wrong password", "alice", "wrong", http.StatusUnauthorized, 2, 0},
		{"wrong password again", "alice", "wrong", http.StatusUnauthorized, 3, 0},
		{"still cached", "alice", alicePass, http.StatusOK, 3, 0},
		{"unknown user costs bcrypt", "mallory", "x", http.StatusUnauthorized, 4, 0},
		{"cached just before expiry", "alice", alicePass, http.StatusOK, 4, 59 * time.Second},
		{"expired", "alice", alicePass, http.StatusOK, 5, time.Second},
		{"cached again", "alice", alicePass, http.StatusOK, 5, 0},
		{"forbidden user", "bob", bobPass, http.StatusForbidden, 6, 0},
		{"forbidden user cached", "bob", bobPass, http.StatusForbidden, 6, 0},
	}
	for _, step := range steps {
		f.clock.Advance(step.advance)
		if got := sign(step.user, step.password); got != step.status {
			t.Errorf("%s: status %d, expected %d", step.name, got, step.status)
		}
		if got := f.bcrypts.Load(); got != step.bcrypts {
			t.Errorf("%s: %d bcrypt comparisons, expected %d", step.name, got, step.bcrypts)
		}
	}
}

func TestCredentialCacheDisabled(t *testing.T) {
	f := newFixture(t, func(cfg *config.Config) { cfg.CredentialCache = -1 })
	for i := 1; i <= 3; i++ {
		r := f.signForm(url.Values{"url": {f.base + "/media/a.txt"}})
		if r.status != http.StatusOK {
			t.Fatalf("request %d: status %d, expected 200", i, r.status)
		}
		if got := f.bcrypts.Load(); got != int64(i) {
			t.Errorf("after request %d: %d bcrypt comparisons, expected %d", i, got, i)
		}
	}
}

func TestCredentialCacheKey(t *testing.T) {
	a, b := newCredentialCache(time.Minute), newCredentialCache(time.Minute)
	if a.key("alice", "pw") == b.key("alice", "pw") {
		t.Error("two caches use the same key: the salt is missing")
	}
	if a.key("alice", "pw") != a.key("alice", "pw") {
		t.Error("one cache gives two keys for the same credentials")
	}
	if a.key("alice", "pw") == a.key("alice", "pw2") {
		t.Error("different passwords give the same key")
	}
}

func TestCredentialCacheBounded(t *testing.T) {
	c := newCredentialCache(time.Minute)
	p := &principal{name: "alice"}
	for i := range maxCachedCredentials + 10 {
		c.put(c.key("alice", string(rune(i))), p, start)
	}
	if len(c.entries) > maxCachedCredentials {
		t.Errorf("%d entries, expected at most %d", len(c.entries), maxCachedCredentials)
	}
	key := c.key("alice", "last")
	c.put(key, p, start)
	if c.get(key, start) != p {
		t.Error("the newest entry was evicted")
	}
}
