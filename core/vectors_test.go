package core_test

import (
	"testing"

	"github.com/signet-media/signet/internal/vectors"
)

// TestVectors runs every conformance case in testdata against the core.
func TestVectors(t *testing.T) {
	f, err := vectors.Load("testdata/opencast-compat.json")
	if err != nil {
		t.Fatal(err)
	}
	for i := range f.Cases {
		c := &f.Cases[i]
		t.Run(c.ID, func(t *testing.T) {
			out := vectors.Run(vectors.Native{}, c)
			if !out.Passed {
				t.Errorf("input:    %s\nexpected: %s\nactual:   %s\nnote: %s", c.Input, out.Expected, out.Actual, c.Note)
			}
		})
	}
}
