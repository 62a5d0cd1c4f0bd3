package vectors

import (
	"errors"
	"net/netip"
	"time"

	"github.com/signet-media/signet/core"
)

// Native runs cases on the Go core.
type Native struct{}

// Sign signs with a Signer built from the case's keys.
func (Native) Sign(in SignInput) (SignOutput, error) {
	cfg := core.SignerConfig{Exclude: in.Exclude}
	for _, k := range in.Keys {
		cfg.Keys = append(cfg.Keys, core.Key{
			ID: k.ID, Secret: k.Secret, URLs: k.URLs, Organization: k.Organization,
		})
	}
	signer, err := core.NewSigner(cfg)
	if err != nil {
		return SignOutput{}, err
	}
	req := core.SignRequest{
		URL:          in.URL,
		ValidUntil:   time.UnixMilli(in.ValidUntil),
		IP:           in.IP,
		Resource:     in.Resource,
		Organization: in.Organization,
	}
	if in.ValidFrom != nil {
		req.ValidFrom = time.UnixMilli(*in.ValidFrom)
	}
	signed, err := signer.Sign(req)
	if err != nil {
		code, ok := SignErrorCode(err)
		if !ok {
			return SignOutput{}, err
		}
		return SignOutput{Error: code}, nil
	}
	return SignOutput{Accepted: true, PolicyJSON: signed.PolicyJSON, SignedURL: signed.URL}, nil
}

// SignErrorCode returns the vector error code of a core signing error.
func SignErrorCode(err error) (string, bool) {
	switch {
	case errors.Is(err, core.ErrNotAccepted):
		return "not-accepted", true
	case errors.Is(err, core.ErrInvalidURL):
		return "invalid-url", true
	case errors.Is(err, core.ErrInvalidIP):
		return "invalid-ip", true
	case errors.Is(err, core.ErrInvalidResource):
		return "invalid-resource", true
	}
	return "", false
}

// Verify verifies with a Verifier built from the case's keys.
func (Native) Verify(in VerifyInput) (VerifyOutput, error) {
	cfg := core.VerifierConfig{NonStrict: !in.Strict}
	for id, secret := range in.Keys {
		cfg.Keys = append(cfg.Keys, core.Key{ID: id, Secret: secret})
	}
	verifier, err := core.NewVerifier(cfg)
	if err != nil {
		return VerifyOutput{}, err
	}
	client, _ := netip.ParseAddr(in.ClientIP) // an invalid address matches no IP condition
	r := verifier.Verify(in.URL, client, time.UnixMilli(in.Now))
	return VerifyOutput{Status: r.Status, Reason: string(r.Reason)}, nil
}
