package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/signet-media/signet/internal/httplog"
)

// maxLoggedTarget bounds the request target in the request log, in bytes.
const maxLoggedTarget = 1024

// record collects what the handlers learn about a request for its log
// line. One goroutine serves a request, so it needs no lock.
type record struct {
	route         string // the route name for metrics; empty: "other"
	reason        string // the verifier's reason code
	keyID         string
	user          string // the user or token name that authenticated
	auth          string // "basic" or "bearer"
	err           string // the error sent to the client
	outcome       string // the outcome of a sign request, when its status is not enough
	forwarded     string // the client address named by a trusted proxy
	original      string // the original target of a forward authentication request, redacted
	tooLongURI    int    // bytes of a request target over MaxURLBytes, routed as "/"; else 0
	invalidTarget bool   // a target in neither origin nor http(s) absolute form, routed as "/"
}

type recordKey struct{}

// recordOf returns the request's record, or a throwaway one when the
// request did not pass through serveHTTP.
func recordOf(r *http.Request) *record {
	if rec, ok := r.Context().Value(recordKey{}).(*record); ok {
		return rec
	}
	return new(record)
}

// serveHTTP attaches a record to the request, passes it to the gin engine
// and logs one line when the response is complete. A target longer than
// MaxURLBytes, or in a form that validTargetForm rejects, is routed as "/"
// with tooLongURI or invalidTarget set, so limitRequest rejects it without
// the router ever reading it.
func (s *Server) serveHTTP(engine http.Handler, w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := new(record)
	r = r.WithContext(context.WithValue(r.Context(), recordKey{}, rec))
	routed := r
	switch {
	case len(r.RequestURI) > s.cfg.MaxURLBytes:
		rec.tooLongURI = len(r.RequestURI)
	case !validTargetForm(r.RequestURI):
		rec.invalidTarget = true
	}
	if rec.tooLongURI > 0 || rec.invalidTarget {
		routed = r.Clone(r.Context())
		routed.URL = &url.URL{Path: "/"}
		routed.RequestURI = "/"
	}
	sw := httplog.NewWriter(w)
	engine.ServeHTTP(sw, routed)
	elapsed := time.Since(start)
	s.observe(rec, sw.Status(), elapsed)
	s.logRequest(r, sw, rec, elapsed)
}

// observe counts the request in the metrics.
func (s *Server) observe(rec *record, status int, elapsed time.Duration) {
	route := rec.route
	if route == "" {
		route = "other"
	}
	s.metrics.observeRequest(route, status, elapsed)
	if route == "sign" {
		s.metrics.observeSign(signOutcome(rec.outcome, status), rec.keyID)
	}
}

// logRequest logs the request line with the signing parameters redacted.
// Responses with a 5xx status are logged at level Error.
func (s *Server) logRequest(r *http.Request, sw *httplog.Writer, rec *record, elapsed time.Duration) {
	target, sigHash := redactTarget(originForm(r.RequestURI))
	var buf [14]slog.Attr
	attrs := append(buf[:0],
		slog.String("method", r.Method),
		slog.String("target", target),
		slog.Int("status", sw.Status()),
		slog.Int64("bytes", sw.Bytes()),
		slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
		slog.String("client", r.RemoteAddr),
	)
	attrs = appendNonEmpty(attrs, "forwarded_client", rec.forwarded)
	attrs = appendNonEmpty(attrs, "original_target", rec.original)
	attrs = appendNonEmpty(attrs, "reason", rec.reason)
	attrs = appendNonEmpty(attrs, "key_id", rec.keyID)
	attrs = appendNonEmpty(attrs, "signature_sha256", sigHash)
	attrs = appendNonEmpty(attrs, "user", rec.user)
	attrs = appendNonEmpty(attrs, "auth", rec.auth)
	attrs = appendNonEmpty(attrs, "error", rec.err)
	level := slog.LevelInfo
	if sw.Status() >= 500 {
		level = slog.LevelError
	}
	httplog.Log(r.Context(), s.logger, level, attrs...)
}

func appendNonEmpty(attrs []slog.Attr, key, value string) []slog.Attr {
	if value == "" {
		return attrs
	}
	return append(attrs, slog.String(key, value))
}

// redactTarget returns the request target with the values of the policy
// and signature query parameters replaced by REDACTED, cut to
// maxLoggedTarget bytes, and the first 8 hex digits of the SHA-256 of the
// first signature value. Parameter names are compared after
// percent-decoding and ignoring case, so no spelling of them escapes.
func redactTarget(target string) (redacted, sigHash string) {
	path, query, hasQuery := strings.Cut(target, "?")
	if !hasQuery {
		return truncate(redactText(target)), ""
	}
	// The hash goes into the same buffer, after the target, so that both
	// strings cost one allocation.
	var hash [2 * sigHashBytes]byte
	hashed := false
	var b strings.Builder
	b.Grow(len(target) + len(hash))
	b.WriteString(path)
	b.WriteByte('?')
	for first := true; ; first = false {
		param, rest, more := strings.Cut(query, "&")
		if !first {
			b.WriteByte('&')
		}
		name, value, _ := strings.Cut(param, "=")
		redact, isSignature := redactedParam(name)
		if isSignature && !hashed {
			hashSignature(&hash, value)
			hashed = true
		}
		if redact {
			b.WriteString(name)
			b.WriteString("=REDACTED")
		} else {
			b.WriteString(param)
		}
		if !more {
			break
		}
		query = rest
	}
	n := b.Len()
	if hashed {
		b.Write(hash[:])
	}
	both := b.String()
	return truncate(redactText(both[:n])), both[n:]
}

// sigHashBytes is how many bytes of a signature's SHA-256 the request log
// shows, in hex.
const sigHashBytes = 4

// hashSignature writes the first sigHashBytes of the SHA-256 of value to
// dst in lower-case hex. A value of a usual length is copied to the stack
// rather than converted to a slice on the heap.
func hashSignature(dst *[2 * sigHashBytes]byte, value string) {
	var sum [sha256.Size]byte
	var buf [128]byte
	if len(value) <= len(buf) {
		sum = sha256.Sum256(buf[:copy(buf[:], value)])
	} else {
		sum = sha256.Sum256([]byte(value))
	}
	hex.Encode(dst[:], sum[:sigHashBytes])
}

// redactText replaces the value after every "policy=" and "signature=" in
// s, in any ASCII letter case and with the name spellings of
// redactedNameLen, with REDACTED. It catches signing parameters that
// parameter-wise redaction misses, such as those in a second '?' or in an
// error message that quotes a URL. A text with nothing to replace, such
// as a target that redactTarget has already redacted, is returned as it
// is, without allocating.
func redactText(s string) string {
	var b strings.Builder
	copied := 0 // bytes of s already written to b
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c != 'p' && c != 's' {
			continue
		}
		n := redactedNameLen(s[i:])
		if n == 0 {
			continue
		}
		valueEnd := i + n
		for valueEnd < len(s) && !valueEnds[s[valueEnd]] {
			valueEnd++
		}
		if s[i+n:valueEnd] != "REDACTED" {
			if copied == 0 {
				b.Grow(len(s))
			}
			b.WriteString(s[copied : i+n])
			b.WriteString("REDACTED")
			copied = valueEnd
		}
		i = valueEnd - 1
	}
	if copied == 0 {
		return s
	}
	b.WriteString(s[copied:])
	return b.String()
}

// valueEnds marks the bytes that end a redacted value in redactText.
var valueEnds = [256]bool{'&': true, '#': true, '"': true, '\'': true, ' ': true, '\t': true, '\n': true}

// redactedNameLen returns, when s starts with "policy" or "signature" in
// any ASCII letter case, followed by '=' or by other characters of a
// parameter name and then '=', the length up to and including the '='. It
// returns 0 otherwise. So "signature+=" and "policy%20=" are caught, and
// "signature/" is not.
func redactedNameLen(s string) int {
	for _, word := range []string{"policy", "signature"} {
		if len(s) < len(word) || !strings.EqualFold(s[:len(word)], word) {
			continue
		}
		for i := len(word); i < len(s); i++ {
			switch s[i] {
			case '=':
				return i + 1
			case '&', '#', '"', '\'', ' ', '\t', '\n', '/', '?', ';':
				return 0
			}
		}
	}
	return 0
}

// redactedParam reports whether a query parameter's value must be
// redacted: its name contains "policy" or "signature" after
// percent-decoding and ignoring case. Names such as "signature+" or
// "x-policy" count too: the verifier ignores them, but their values may
// still be a signature. isSignature reports the name "signature" itself.
func redactedParam(name string) (redact, isSignature bool) {
	if strings.IndexByte(name, '%') >= 0 || strings.IndexByte(name, '+') >= 0 {
		if decoded, err := url.QueryUnescape(name); err == nil {
			name = decoded
		}
	}
	return containsFold(name, "signature") || containsFold(name, "policy"), strings.EqualFold(name, "signature")
}

func truncate(s string) string {
	if len(s) <= maxLoggedTarget {
		return s
	}
	return s[:maxLoggedTarget] + "...(" + strconv.Itoa(len(s)) + " bytes)"
}
