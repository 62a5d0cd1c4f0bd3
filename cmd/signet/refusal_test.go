package main

import (
	"net/http"
	"strings"
	"testing"
)

// refusal is a request through a web server in front of signet that
// signet must reject, with the status and reason the client must get.
type refusal struct {
	name, url string
	headers   []string // name and value pairs
	status    int
	reason    string
}

// refusals returns the requests that a web server protected by signet's
// forward authentication must reject. base is the web server's URL and
// signed a valid URL of lecture.mp4 there. expired is an expired URL,
// elsewhere one bound to another client, and keyID the key that signed
// them.
func refusals(base, signed, expired, elsewhere, keyID string) []refusal {
	return []refusal{
		{"unsigned", base + "/media/lecture.mp4", nil, 401, "unsigned"},
		{"tampered", signed[:len(signed)-1] + flipHex(signed[len(signed)-1:]), nil, 403, "invalid-signature"},
		{"other file", strings.Replace(signed, "lecture.mp4", "other.mp4", 1), nil, 403, "resource-mismatch"},
		{"expired", expired, nil, 410, "expired"},
		{"malformed", base + "/media/lecture.mp4?policy=e30&keyId=" + keyID + "&signature=00", nil, 400, "malformed-policy"},
		{"bound to another client", elsewhere, nil, 403, "ip-mismatch"},
		{"spoofed client address", elsewhere, []string{"X-Forwarded-For", "192.0.2.1"}, 403, "ip-mismatch"},
		{"spoofed original URI", base + "/media/lecture.mp4", []string{"X-Original-URI", strings.TrimPrefix(signed, base)}, 401, "unsigned"},
		{"empty segment and dot dot", strings.Replace(signed, "/media/lecture.mp4", "/media/x//../lecture.mp4", 1), nil, 400, "ambiguous-path"},
	}
}

// checkRefusals sends each request and checks its status, reason code and
// Cache-Control. extra, unless nil, checks more of each response.
func checkRefusals(t *testing.T, cases []refusal, extra func(*testing.T, *http.Response, refusal)) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", tc.url, nil)
			for i := 0; i+1 < len(tc.headers); i += 2 {
				req.Header.Set(tc.headers[i], tc.headers[i+1])
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			checkRefused(t, resp, tc.status, tc.reason)
			if extra != nil {
				extra(t, resp, tc)
			}
		})
	}
}
