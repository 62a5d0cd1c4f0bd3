package server

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/signet-media/signet/config"
)

func TestMetrics(t *testing.T) {
	f := newFixture(t)
	f.get(f.signPath("/media/a.txt", start.Add(time.Hour)))
	f.get("/media/a.txt")
	f.get("/media/a.txt?policy=eyJ9&keyId=client-chosen-id&signature=00")
	f.signForm(url.Values{"url": {f.base + "/media/a.txt"}})
	f.signForm(url.Values{"url": {"https://elsewhere.example.org/a.txt"}})
	f.signForm(url.Values{"url": {f.base + "/media/a.txt"}}, "Authorization", "Basic eDp5")
	f.signForm(url.Values{"url": {f.base + "/media/a.txt"}, "pad": {strings.Repeat("x", 1<<20)}})

	r := f.get("/metrics")
	if r.status != 200 {
		t.Fatalf("GET /metrics: status %d", r.status)
	}
	text := string(r.body)
	for _, want := range []string{
		`signet_requests_total{route="media",status="200"} 1`,
		`signet_requests_total{route="media",status="401"} 1`,
		`signet_requests_total{route="sign",status="200"} 2`,
		`signet_verifications_total{key_id="main",reason="ok"} 1`,
		`signet_verifications_total{key_id="none",reason="unsigned"} 1`,
		`signet_verifications_total{key_id="unknown",reason="unknown-key"} 1`,
		`signet_sign_requests_total{key_id="main",outcome="signed"} 1`,
		`signet_sign_requests_total{key_id="none",outcome="not-signable"} 1`,
		`signet_sign_requests_total{key_id="none",outcome="unauthorized"} 1`,
		`signet_requests_total{route="sign",status="413"} 1`,
		`signet_sign_requests_total{key_id="none",outcome="invalid"} 1`,
		`signet_key_last_verified_timestamp_seconds{key_id="main"}`,
		`signet_keys{key_id="wide",role="sign"} 1`,
		`signet_request_duration_seconds_bucket{route="media",le="0.0001"}`,
		"go_goroutines",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(text, "client-chosen-id") {
		t.Error("metrics contain a key id that the client chose")
	}
}

func TestMetricsDisabled(t *testing.T) {
	f := newFixture(t, func(cfg *config.Config) { cfg.DisableMetrics = true })
	if r := f.get("/metrics"); r.status != 404 {
		t.Errorf("GET /metrics: status %d, expected 404", r.status)
	}
}

// TestMetricsKeysAfterReload checks the key gauge after a key rotation:
// the new roles are there and the old series are gone.
func TestMetricsKeysAfterReload(t *testing.T) {
	before, after := rotationConfigs(t)
	m := NewMetrics()
	m.setKeys(before)
	m.setKeys(after)
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, family := range families {
		if family.GetName() != "signet_keys" {
			continue
		}
		for _, metric := range family.GetMetric() {
			labels := map[string]string{}
			for _, pair := range metric.GetLabel() {
				labels[pair.GetName()] = pair.GetValue()
			}
			got = append(got, labels["key_id"]+"/"+labels["role"])
		}
	}
	slices.Sort(got)
	if want := []string{"new/sign", "old/verify"}; !slices.Equal(got, want) {
		t.Errorf("signet_keys series %q, expected %q", got, want)
	}
}

// TestSignOutcome checks the outcome label of sign requests by status.
func TestSignOutcome(t *testing.T) {
	for _, tc := range []struct {
		recorded string
		status   int
		want     string
	}{
		{"signed", 200, "signed"},
		{"", 401, "unauthorized"},
		{"", 403, "forbidden"},
		{"", 429, "rate-limited"},
		{"", 400, "invalid"},
		{"", 413, "invalid"},
		{"", 503, "error"},
		{"", 204, "other"},
	} {
		if got := signOutcome(tc.recorded, tc.status); got != tc.want {
			t.Errorf("signOutcome(%q, %d) = %q, expected %q", tc.recorded, tc.status, got, tc.want)
		}
	}
}
