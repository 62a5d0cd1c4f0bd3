package server

import (
	"bufio"
	"encoding/base64"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/signet-media/signet/config"
)

func basicAuth(user, password string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
}

func TestFailedLoginLogsNoName(t *testing.T) {
	f := newFixture(t)
	r := f.signForm(url.Values{"url": {f.base + "/media/a.txt"}}, "Authorization", "Basic "+basicAuth(alicePass, ""))
	if r.status != 401 {
		t.Fatalf("status %d, want 401", r.status)
	}
	if logs := f.logs.String(); strings.Contains(logs, alicePass) {
		t.Errorf("the log contains the password sent as a user name:\n%s", logs)
	}
}

func TestErrorsRedactSigningParameters(t *testing.T) {
	f := newFixture(t)
	signed := f.signPath("/media/a.txt", start.Add(time.Hour))
	signature := signed[strings.Index(signed, "signature=")+len("signature="):]
	policy, _, _ := strings.Cut(signed[strings.Index(signed, "policy=")+len("policy="):], "&")
	tests := []struct {
		name string
		form url.Values
	}{
		{"resource with signature", url.Values{"url": {f.base + "/media/a.txt"}, "resource": {f.base + signed + "x*"}}},
		{"url with a second question mark", url.Values{"url": {f.base + "/media/a txt?x=" + signed}}},
		{"signature as valid-until", url.Values{"url": {f.base + "/media/a.txt"}, "valid-until": {signature}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := f.signForm(tc.form)
			if r.status != 400 {
				t.Fatalf("status %d, want 400: %s", r.status, r.body)
			}
			for _, secret := range []string{signature, signature[:40], policy} {
				if strings.Contains(string(r.body), secret) {
					t.Errorf("response %s repeats a signing value", r.body)
				}
				if strings.Contains(f.logs.String(), secret) {
					t.Errorf("the log repeats a signing value:\n%s", f.logs.String())
				}
			}
		})
	}
}

func TestResourceWithSigningParameters(t *testing.T) {
	f := newFixture(t)
	r := f.signForm(url.Values{"url": {f.base + "/media/a.txt?policy=x"}, "resource": {f.base + "/media/a.txt?policy=*"}})
	if r.status != 400 || r.json(t)["parameter"] != "resource" {
		t.Errorf("status %d, body %s; want 400 naming resource", r.status, r.body)
	}
}

func TestSignRejectsURLBeyondLimit(t *testing.T) {
	f := newFixture(t, func(c *config.Config) { c.MaxURLBytes = 2048 })
	long := f.base + "/media/" + strings.Repeat("a", 1800)
	r := f.signForm(url.Values{"url": {long}})
	if r.status != 400 {
		t.Fatalf("status %d, want 400: %s", r.status, r.body)
	}
	body := r.json(t)
	if body["parameter"] != "url" || !strings.Contains(body["error"], "limits.max-url-bytes") {
		t.Errorf("body %v does not name url and the limit", body)
	}
}

func TestAbsoluteTargetLogsNoUserInfo(t *testing.T) {
	f := newFixture(t)
	conn, err := net.Dial("tcp", strings.TrimPrefix(f.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	host := strings.TrimPrefix(f.base, "http://")
	conn.Write([]byte("GET http://user:hunter2pw@" + host + "/nope HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n"))
	status, _ := bufio.NewReader(conn).ReadString('\n')
	if !strings.Contains(status, "404") {
		t.Errorf("status line %q, want 404", status)
	}
	time.Sleep(50 * time.Millisecond) // the log line follows the response
	if logs := f.logs.String(); strings.Contains(logs, "hunter2pw") {
		t.Errorf("the log contains the user info of the target:\n%s", logs)
	}
}

func TestFailedLoginsThrottled(t *testing.T) {
	f := newFixture(t)
	form := url.Values{"url": {f.base + "/media/a.txt"}}
	for i := range failureBurst {
		if r := f.signForm(form, "Authorization", "Basic "+basicAuth("alice", "wrong")); r.status != 401 {
			t.Fatalf("attempt %d: status %d, want 401", i+1, r.status)
		}
	}
	before := f.bcrypts.Load()
	r := f.signForm(form, "Authorization", "Basic "+basicAuth("alice", "wrong"))
	if r.status != 429 || r.header.Get("Retry-After") == "" {
		t.Fatalf("attempt after the burst: status %d, Retry-After %q; want 429 with Retry-After", r.status, r.header.Get("Retry-After"))
	}
	if f.bcrypts.Load() != before {
		t.Errorf("a throttled attempt ran bcrypt")
	}
	f.clock.Advance(failureRefill)
	if r := f.signForm(form); r.status != 200 {
		t.Errorf("after %v: valid login status %d, want 200", failureRefill, r.status)
	}
}
