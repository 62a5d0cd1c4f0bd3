package edge

import "strings"

// containsToken reports whether a comma-separated header value contains
// token, ignoring case.
func containsToken(value, token string) bool {
	for part := range strings.SplitSeq(value, ",") {
		name, _, _ := strings.Cut(strings.TrimSpace(part), "=")
		if strings.EqualFold(name, token) {
			return true
		}
	}
	return false
}
