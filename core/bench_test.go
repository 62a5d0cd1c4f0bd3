package core_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"net/netip"
	"testing"
	"time"

	"github.com/signet-media/signet/core"
)

// benchURL returns a typical signed URL: an absolute URL bound to a client
// address, signed for two hours.
func benchURL(b *testing.B) (string, *core.Verifier, netip.Addr, time.Time) {
	b.Helper()
	keys := []core.Key{{ID: "demoKeyOne", Secret: "6EDB5EDDCF994B7432C371D7C274F", URLs: []string{"https://media.example.org/"}}}
	signer, err := core.NewSigner(core.SignerConfig{Keys: keys})
	if err != nil {
		b.Fatal(err)
	}
	now := time.UnixMilli(1767225600000)
	signed, err := signer.Sign(core.SignRequest{
		URL:        "https://media.example.org/engage/4f6c2a9e-1b2c-4d5e-8f90-123456789abc/presenter/video.mp4",
		ValidUntil: now.Add(2 * time.Hour),
		IP:         "192.168.1.20",
	})
	if err != nil {
		b.Fatal(err)
	}
	verifier, err := core.NewVerifier(core.VerifierConfig{Keys: keys})
	if err != nil {
		b.Fatal(err)
	}
	return signed.URL, verifier, netip.MustParseAddr("192.168.1.20"), now
}

func BenchmarkVerify(b *testing.B) {
	u, v, client, now := benchURL(b)
	if r := v.Verify(u, client, now); !r.OK() {
		b.Fatalf("Verify = %d %s, want 200 ok", r.Status, r.Reason)
	}
	b.ReportAllocs()
	for b.Loop() {
		v.Verify(u, client, now)
	}
}

func BenchmarkVerifyParallel(b *testing.B) {
	u, v, client, now := benchURL(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			v.Verify(u, client, now)
		}
	})
}

// BenchmarkHMACBaseline is the floor for BenchmarkVerify: one HMAC-SHA256
// over the same policy bytes with a reused hash.
func BenchmarkHMACBaseline(b *testing.B) {
	keys := []core.Key{{ID: "demoKeyOne", Secret: "6EDB5EDDCF994B7432C371D7C274F", URLs: []string{"https://media.example.org/"}}}
	signer, _ := core.NewSigner(core.SignerConfig{Keys: keys})
	signed, err := signer.Sign(core.SignRequest{
		URL:        "https://media.example.org/engage/4f6c2a9e-1b2c-4d5e-8f90-123456789abc/presenter/video.mp4",
		ValidUntil: time.UnixMilli(1767225600000).Add(2 * time.Hour),
		IP:         "192.168.1.20",
	})
	if err != nil {
		b.Fatal(err)
	}
	msg := []byte(signed.PolicyJSON)
	h := hmac.New(sha256.New, []byte(keys[0].Secret))
	sum := make([]byte, 0, sha256.Size)
	b.ReportAllocs()
	for b.Loop() {
		h.Reset()
		h.Write(msg)
		sum = h.Sum(sum[:0])
	}
}

func BenchmarkSign(b *testing.B) {
	keys := []core.Key{{ID: "demoKeyOne", Secret: "6EDB5EDDCF994B7432C371D7C274F", URLs: []string{"https://media.example.org/"}}}
	signer, _ := core.NewSigner(core.SignerConfig{Keys: keys})
	req := core.SignRequest{
		URL:        "https://media.example.org/engage/4f6c2a9e-1b2c-4d5e-8f90-123456789abc/presenter/video.mp4",
		ValidUntil: time.UnixMilli(1767225600000).Add(2 * time.Hour),
		IP:         "192.168.1.20",
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := signer.Sign(req); err != nil {
			b.Fatal(err)
		}
	}
}
