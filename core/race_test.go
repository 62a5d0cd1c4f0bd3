//go:build race

package core_test

// raceEnabled reports whether the race detector is on, which makes
// some calls allocate.
const raceEnabled = true
