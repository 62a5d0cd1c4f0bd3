package core_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/signet-media/signet/core"
)

func Example() {
	keys := []core.Key{{
		ID:     "demoKeyOne",
		Secret: "6EDB5EDDCF994B7432C371D7C274F",
		URLs:   []string{"http://media.example.org/"},
	}}
	signer, err := core.NewSigner(core.SignerConfig{Keys: keys})
	if err != nil {
		panic(err)
	}
	signed, err := signer.Sign(core.SignRequest{
		URL:        "http://media.example.org/engage/a.mp4",
		ValidUntil: time.UnixMilli(4102444800000), // 2100-01-01
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(signed.URL)

	verifier, err := core.NewVerifier(core.VerifierConfig{Keys: keys})
	if err != nil {
		panic(err)
	}
	now := time.UnixMilli(1767225600000) // 2026-01-01
	client := netip.MustParseAddr("192.0.2.1")
	r := verifier.Verify(signed.URL, client, now)
	fmt.Println(r.Status, r.Reason)

	r = verifier.Verify("http://media.example.org/engage/b.mp4?"+signed.URL[len("http://media.example.org/engage/a.mp4?"):], client, now)
	fmt.Println(r.Status, r.Reason)
	// Output:
	// http://media.example.org/engage/a.mp4?policy=eyJTdGF0ZW1lbnQiOnsiQ29uZGl0aW9uIjp7IkRhdGVMZXNzVGhhbiI6NDEwMjQ0NDgwMDAwMH0sIlJlc291cmNlIjoiaHR0cDpcL1wvbWVkaWEuZXhhbXBsZS5vcmdcL2VuZ2FnZVwvYS5tcDQifX0&keyId=demoKeyOne&signature=8b3d4b862a028c6d296e543e3a87637aa00dcb491636f33c068af2e84e1408c7
	// 200 ok
	// 403 resource-mismatch
}
