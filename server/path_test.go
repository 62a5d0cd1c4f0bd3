package server

import "testing"

func TestAmbiguousPath(t *testing.T) {
	for path, want := range map[string]bool{
		"/media/a.mp4":            false,
		"/media/sub/":             false,
		"/":                       false,
		"":                        false,
		"/media/a..b/c.mp4":       false,
		"/media/...":              false,
		"/media/.hidden":          false,
		"/media/%2e%2e%2e/a":      false,
		"/media/a%20b.mp4":        false,
		"/media//a.mp4":           true,
		"//media/a.mp4":           true,
		"/media/sub//../a.mp4":    true,
		"/media/./a.mp4":          true,
		"/media/../a.mp4":         true,
		"/media/..":               true,
		"/media/.":                true,
		"/media/%2e%2e/a.mp4":     true,
		"/media/%2E./a.mp4":       true,
		"/media/.%2e/a.mp4":       true,
		"/media/%2e/a.mp4":        true,
		"/media/sub%2f..%2fa":     true,
		"/media/sub%2F/a":         true,
		"/media/sub%5c..%5ca":     true,
		"/media/sub\\..\\a.mp4":   true,
		"/media/a.mp4/..":         true,
		"/media/a.mp4/%2e%2e/b":   true,
		"/media/%2e%2e%2fa.mp4":   true,
		"/media/%252e%252e/a.mp4": false,
	} {
		if got := ambiguousPath(path); got != want {
			t.Errorf("ambiguousPath(%q) = %v; expected %v", path, got, want)
		}
	}
}
