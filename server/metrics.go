package server

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/signet-media/signet/config"
	"github.com/signet-media/signet/core"
)

// Labels of key ids that name no configured key.
const (
	keyLabelNone    = "none"    // the URL names no key: unsigned or malformed
	keyLabelUnknown = "unknown" // the URL names a key that is not configured
)

// durationBuckets are the upper bounds of the latency histograms, in
// seconds: a verification takes microseconds, a file response longer.
var durationBuckets = []float64{
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10,
}

// Metrics are the Prometheus metrics of signet's servers. One Metrics
// outlives the Servers that a Reloader swaps, so that counters continue
// across reloads. Every label value comes from the server or the
// configuration, never from the client: key ids that are not configured
// are counted as "unknown". It is safe for concurrent use.
type Metrics struct {
	registry      *prometheus.Registry
	requests      *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	verifications *prometheus.CounterVec
	lastVerified  *prometheus.GaugeVec
	signs         *prometheus.CounterVec
	keys          *prometheus.GaugeVec
	keysMu        sync.Mutex       // guards keyRoles
	keyRoles      map[keyRole]bool // the series of keys
	verifiedKeys  sync.Map         // key id: *keyObservers, for the keys with a last-verified time
	reloads       *prometheus.CounterVec
	lastReload    prometheus.Gauge
}

// NewMetrics returns metrics in a registry of their own, with the Go
// runtime and process collectors.
func NewMetrics() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "signet_requests_total",
			Help: "HTTP requests by route and response status.",
		}, []string{"route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "signet_request_duration_seconds",
			Help:    "Time from the start of a request to the end of its handler, by route.",
			Buckets: durationBuckets,
		}, []string{"route"}),
		verifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "signet_verifications_total",
			Help: `Verified URLs of the media and forward authentication routes, by key id ("none" or "unknown" when no configured key is named) and reason code.`,
		}, []string{"key_id", "reason"}),
		lastVerified: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "signet_key_last_verified_timestamp_seconds",
			Help: "Unix time of the last URL that verified with the key. A key that signs no more can be removed once this is older than the longest URL lifetime.",
		}, []string{"key_id"}),
		signs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "signet_sign_requests_total",
			Help: "Requests of the sign API by outcome (signed, not-signable, invalid, unauthorized, forbidden, rate-limited, error, other) and signing key id.",
		}, []string{"outcome", "key_id"}),
		keys: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "signet_keys",
			Help: `The configured keys, 1 per key id, by role: "sign" for keys that sign and verify, "verify" for keys that only verify.`,
		}, []string{"key_id", "role"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "signet_config_reloads_total",
			Help: "Configuration reloads by result (success or failure).",
		}, []string{"result"}),
		lastReload: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "signet_config_last_reload_success_timestamp_seconds",
			Help: "Unix time of the last configuration that was loaded and applied, at start or by a reload.",
		}),
	}
	m.registry.MustRegister(m.requests, m.duration, m.verifications, m.lastVerified, m.signs, m.keys,
		m.reloads, m.lastReload,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler returns the handler of the metrics in the Prometheus text
// format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// Registry returns the registry of the metrics, for tests and for
// programs that add metrics of their own.
func (m *Metrics) Registry() *prometheus.Registry {
	return m.registry
}

func (m *Metrics) observeRequest(route string, status int, elapsed time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route).Observe(elapsed.Seconds())
}

// observeVerification counts a verification. res.KeyID is always a
// configured key, because the verifier sets it only for those.
func (m *Metrics) observeVerification(res core.Result, now time.Time) {
	label := res.KeyID
	switch {
	case label != "":
	case res.Reason == core.ReasonUnknownKey:
		label = keyLabelUnknown
	default:
		label = keyLabelNone
	}
	if !res.OK() {
		m.verifications.WithLabelValues(label, string(res.Reason)).Inc()
		return
	}
	// Most requests verify, so the series of a key's successes are looked
	// up once and kept, rather than found by their labels every time.
	obs, seen := m.verifiedKeys.Load(label)
	if !seen {
		obs, _ = m.verifiedKeys.LoadOrStore(label, &keyObservers{
			ok:   m.verifications.WithLabelValues(label, string(core.ReasonOK)),
			last: m.lastVerified.WithLabelValues(label),
		})
	}
	o := obs.(*keyObservers)
	o.ok.Inc()
	o.last.Set(float64(now.UnixNano()) / 1e9)
}

// keyObservers are the series that a successful verification with one key
// updates.
type keyObservers struct {
	ok   prometheus.Counter // signet_verifications_total{reason="ok"}
	last prometheus.Gauge   // signet_key_last_verified_timestamp_seconds
}

// observeRejection counts a request that was rejected before
// verification, with one of the server's own reasons.
func (m *Metrics) observeRejection(reason core.Reason) {
	m.verifications.WithLabelValues(keyLabelNone, string(reason)).Inc()
}

// observeSign counts a request of the sign API. keyID is the id of the
// key that signed, or empty.
func (m *Metrics) observeSign(outcome, keyID string) {
	if keyID == "" {
		keyID = keyLabelNone
	}
	m.signs.WithLabelValues(outcome, keyID).Inc()
}

// setKeys replaces the key gauge with the keys of cfg. It sets the new
// series before it deletes the old ones, so that a scrape during a reload
// always finds the keys of one configuration or the other.
func (m *Metrics) setKeys(cfg *config.Config) {
	m.keysMu.Lock()
	defer m.keysMu.Unlock()
	current := make(map[keyRole]bool, len(cfg.Keys))
	for _, k := range cfg.Keys {
		kr := keyRole{id: k.ID, role: "verify"}
		if cfg.Signs(k) {
			kr.role = "sign"
		}
		current[kr] = true
		m.keys.WithLabelValues(kr.id, kr.role).Set(1)
	}
	for kr := range m.keyRoles {
		if !current[kr] {
			m.keys.DeleteLabelValues(kr.id, kr.role)
		}
	}
	m.keyRoles = current
	m.dropRemovedKeys(cfg)
}

// keyRole is one series of the key gauge.
type keyRole struct{ id, role string }

// dropRemovedKeys deletes the last-verified time of keys that cfg no
// longer has, so that a retired key leaves the metrics.
func (m *Metrics) dropRemovedKeys(cfg *config.Config) {
	configured := make(map[string]bool, len(cfg.Keys))
	for _, k := range cfg.Keys {
		configured[k.ID] = true
	}
	m.verifiedKeys.Range(func(id, _ any) bool {
		if !configured[id.(string)] {
			m.lastVerified.DeleteLabelValues(id.(string))
			m.verifiedKeys.Delete(id)
		}
		return true
	})
}

// observeReload counts a reload and, after a success, sets the time of
// the last configuration applied.
func (m *Metrics) observeReload(ok bool, now time.Time) {
	if !ok {
		m.reloads.WithLabelValues("failure").Inc()
		return
	}
	m.reloads.WithLabelValues("success").Inc()
	m.lastReload.Set(float64(now.UnixNano()) / 1e9)
}

// signOutcome returns the outcome label of a sign request from its
// status, unless the handler recorded one.
func signOutcome(recorded string, status int) string {
	switch {
	case recorded != "":
		return recorded
	case status == http.StatusUnauthorized:
		return "unauthorized"
	case status == http.StatusForbidden:
		return "forbidden"
	case status == http.StatusTooManyRequests:
		return "rate-limited"
	case status >= 500:
		return "error"
	case status >= 400:
		return "invalid"
	}
	return "other"
}
