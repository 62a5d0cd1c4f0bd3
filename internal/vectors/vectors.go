// Package vectors runs conformance vector files against a signing and
// verification engine.
//
// A vector file is JSON: {"meta": {...}, "cases": [...]}. Each case has an
// id, an op ("sign" or "verify"), an input and the expected output. Inputs
// give the current time, which engines use instead of the clock.
package vectors

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
)

// DefaultOrganization is the caller's organization when a sign case names
// none, as in Opencast.
const DefaultOrganization = "mh_default_org"

// File is a vector file.
type File struct {
	Meta  json.RawMessage `json:"meta"`
	Cases []Case          `json:"cases"`
}

// Case is one conformance case.
type Case struct {
	ID     string          `json:"id"`
	Op     string          `json:"op"`
	Input  json.RawMessage `json:"input"`
	Expect json.RawMessage `json:"expect"`
	Note   string          `json:"note,omitempty"`
}

// Key is a signing key of a sign case.
type Key struct {
	ID           string   `json:"id"`
	Secret       string   `json:"secret"`
	URLs         []string `json:"urls"`
	Organization string   `json:"organization,omitempty"`
}

// SignInput is the input of a sign case.
type SignInput struct {
	Keys         []Key  `json:"keys"`
	URL          string `json:"url"`
	ValidUntil   int64  `json:"validUntil"`
	ValidFrom    *int64 `json:"validFrom,omitempty"`
	IP           string `json:"ip,omitempty"`
	Organization string `json:"organization,omitempty"`
	Exclude      string `json:"exclude,omitempty"`
	Resource     string `json:"resource,omitempty"`
}

// SignOutput is a signer's result: accepted with the policy and URL, or
// rejected with one of the error codes not-accepted, invalid-url,
// invalid-ip and invalid-resource.
type SignOutput struct {
	Accepted   bool   `json:"accepted"`
	PolicyJSON string `json:"policyJson,omitempty"`
	SignedURL  string `json:"signedUrl,omitempty"`
	Error      string `json:"error,omitempty"`
}

// VerifyInput is the input of a verify case.
type VerifyInput struct {
	Keys     map[string]string `json:"keys"`
	URL      string            `json:"url"`
	ClientIP string            `json:"clientIp"`
	Now      int64             `json:"now"`
	Strict   bool              `json:"strict"`
}

// VerifyOutput is a verifier's result.
type VerifyOutput struct {
	Status int    `json:"status"`
	Reason string `json:"reason"`
}

// Engine signs and verifies as the cases describe.
type Engine interface {
	Sign(in SignInput) (SignOutput, error)
	Verify(in VerifyInput) (VerifyOutput, error)
}

// Load reads a vector file.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f File
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%s: invalid vector file: %w", path, err)
	}
	if len(f.Cases) == 0 {
		return nil, fmt.Errorf("%s: no cases; expected {\"cases\": [...]}", path)
	}
	if err := f.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &f, nil
}

// inputFields are the field names of the inputs of each op, spelled
// exactly. Go's JSON decoder matches names without case and ignores
// unknown ones, so a misspelled field would silently become zero.
var inputFields = map[string][]string{
	"sign":   {"keys", "url", "validUntil", "validFrom", "ip", "organization", "exclude", "resource"},
	"verify": {"keys", "url", "clientIp", "now", "strict"},
}

// check rejects cases without an id, ids given twice, unknown ops and
// input fields that are not spelled exactly as the format names them.
func (f *File) check() error {
	seen := make(map[string]int, len(f.Cases))
	for i, c := range f.Cases {
		if c.ID == "" {
			return fmt.Errorf("case %d has no id", i)
		}
		if j, dup := seen[c.ID]; dup {
			return fmt.Errorf("case %d: id %q is also the id of case %d", i, c.ID, j)
		}
		seen[c.ID] = i
		fields, ok := inputFields[c.Op]
		if !ok {
			return fmt.Errorf("case %q: unknown op %q; expected sign or verify", c.ID, c.Op)
		}
		if err := checkFields(c.Input, fields); err != nil {
			return fmt.Errorf("case %q: %w", c.ID, err)
		}
	}
	return nil
}

func checkFields(input json.RawMessage, allowed []string) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(input, &fields); err != nil {
		return fmt.Errorf("invalid input: %w", err)
	}
	for name := range fields {
		if !slices.Contains(allowed, name) {
			return fmt.Errorf("unknown input field %q; expected one of %s", name, strings.Join(allowed, ", "))
		}
	}
	return nil
}

// Outcome is the result of running one case.
type Outcome struct {
	Case     *Case
	Passed   bool
	Expected string // JSON of the expected answer
	Actual   string // JSON of the engine's answer, or the error
}

// Run runs one case on the engine.
func Run(e Engine, c *Case) Outcome {
	out := Outcome{Case: c}
	var want, got any
	var err error
	switch c.Op {
	case "sign":
		want, got, err = runSign(e, c)
	case "verify":
		want, got, err = runVerify(e, c)
	default:
		err = fmt.Errorf("unknown op %q; expected sign or verify", c.Op)
	}
	out.Expected = string(c.Expect)
	if err != nil {
		out.Actual = "error: " + err.Error()
		return out
	}
	wantJSON, _ := json.Marshal(want)
	gotJSON, _ := json.Marshal(got)
	out.Expected, out.Actual = string(wantJSON), string(gotJSON)
	out.Passed = out.Expected == out.Actual
	return out
}

func runSign(e Engine, c *Case) (want, got SignOutput, err error) {
	var in SignInput
	if err = decodeCase(c, &in, &want); err != nil {
		return want, got, err
	}
	if in.Organization == "" {
		in.Organization = DefaultOrganization
	}
	got, err = e.Sign(in)
	return want, got, err
}

func runVerify(e Engine, c *Case) (want, got VerifyOutput, err error) {
	var in VerifyInput
	if err = decodeCase(c, &in, &want); err != nil {
		return want, got, err
	}
	got, err = e.Verify(in)
	return want, got, err
}

func decodeCase(c *Case, in, want any) error {
	if err := json.Unmarshal(c.Input, in); err != nil {
		return fmt.Errorf("invalid input: %w", err)
	}
	if err := json.Unmarshal(c.Expect, want); err != nil {
		return fmt.Errorf("invalid expect: %w", err)
	}
	return nil
}
