// Package core signs and verifies URLs with Opencast's stream security
// protocol.
//
// A signed URL carries three query parameters. The policy parameter is the
// base64 of a JSON policy that names the resource and the time (and
// optionally the client address) it is valid for. The keyId parameter is
// the id of the key that signed it, and the signature parameter is the
// HMAC-SHA256 of the policy under that key's secret. URLs signed here
// verify in Opencast and the other way round, for every URL that Opencast
// handles correctly.
//
// A Signer chooses a key by URL prefix and writes the policy and signature:
//
//	signer, err := core.NewSigner(core.SignerConfig{Keys: keys})
//	signed, err := signer.Sign(core.SignRequest{
//		URL:        "https://media.example.org/engage/a.mp4",
//		ValidUntil: now.Add(2 * time.Hour),
//	})
//
// A Verifier checks a request URL and returns an HTTP status with a stable
// reason code:
//
//	verifier, err := core.NewVerifier(core.VerifierConfig{Keys: keys})
//	result := verifier.Verify(requestURL, clientIP, now)
//	if result.Status != 200 { ... result.Reason ... }
//
// The package never reads the clock, the environment or a random source:
// callers pass the current time. Signers and Verifiers are safe for
// concurrent use. Errors and results never contain a secret or an expected
// signature.
//
// Where Opencast's own code is unsafe or inconsistent, this package is
// stricter: key prefixes match whole host names and path segments, URLs
// keep their percent-encoding, resources are compared after RFC 3986
// normalization, addresses are compared as addresses, and policies with
// unknown conditions are rejected. Two extensions exist, which Opencast's
// verifiers reject rather than over-grant: a CIDR prefix as IpAddress, and a
// Resource ending in '*' that covers every URL starting with the text
// before it.
package core
