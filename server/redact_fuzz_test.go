package server

import (
	"strings"
	"testing"
)

// TestRedactKeepsOffsets checks texts whose characters change length in
// strings.ToLower, such as U+212A KELVIN SIGN, which once made the
// redaction slice past the end of the text and panic.
func TestRedactKeepsOffsets(t *testing.T) {
	target := "/\u212a\u212a\u212a\u212a/\u0130?a=b&policy=P&signature=S"
	got, _ := redactTarget(target)
	if want := "/\u212a\u212a\u212a\u212a/\u0130?a=b&policy=REDACTED&signature=REDACTED"; got != want {
		t.Errorf("redactTarget(%q) = %q; expected %q", target, got, want)
	}
	if got := redactText("\u212a\u212a error in signature=S"); got != "\u212a\u212a error in signature=REDACTED" {
		t.Errorf("redactText = %q; expected the value after signature= redacted", got)
	}
}

// FuzzRedactTarget checks that redaction never panics and that the value
// of a signature parameter, however the rest of the target looks, never
// reaches the log line.
func FuzzRedactTarget(f *testing.F) {
	f.Add("/a.mp4", "/b", "0123456789abcdef")
	f.Add("/\u212a?x=1", "&policy=e30", "deadbeefdeadbeef")
	f.Add("/a?b", "#frag?signature+=", "cafecafecafecafe")
	f.Fuzz(func(t *testing.T, before, after, secret string) {
		if len(secret) < 8 || strings.ContainsAny(secret, "&#\"' \t\n/?;=%+") {
			return
		}
		target := before + "?signature=" + secret + after
		redacted, _ := redactTarget(target)
		if strings.Contains(redacted, secret) && !strings.Contains(before+after, secret) {
			t.Fatalf("redactTarget(%q) = %q, which contains the signature", target, redacted)
		}
		redactText(target)
	})
}

// TestRedactTextKeepsRedacted checks that a text whose values are already
// REDACTED comes back as it is, without allocating, and that other values
// after the same names are still replaced.
func TestRedactTextKeepsRedacted(t *testing.T) {
	done := "/media/a.mp4?policy=REDACTED&keyId=k&signature=REDACTED"
	if got := redactText(done); got != done {
		t.Errorf("redactText(%q) = %q; expected it unchanged", done, got)
	}
	if allocs := testing.AllocsPerRun(100, func() { redactText(done) }); allocs != 0 {
		t.Errorf("redactText of a redacted target allocates %v times; expected 0", allocs)
	}
	mixed := "/a?policy=REDACTED&SIGNATURE=S&policy=REDACTEDx"
	if got, want := redactText(mixed), "/a?policy=REDACTED&SIGNATURE=REDACTED&policy=REDACTED"; got != want {
		t.Errorf("redactText(%q) = %q; expected %q", mixed, got, want)
	}
}
