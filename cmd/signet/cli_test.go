package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/signet-media/signet/config"
)

// runCLI runs the command line in process and returns its exit status and
// output.
func runCLI(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func writeKeyConfig(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "keys.conf")
	// The maximum lifetime reaches 2100, so that the protocol's example
	// URL can be signed as it is.
	conf := "key.demoKeyOne.secret = 6EDB5EDDCF994B7432C371D7C274F\nkey.demoKeyOne.url = http://media.example.org/\n" +
		"sign.max-lifetime = 1000000h\n"
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// The expected URL is the one of the protocol's example, signed with the
// same key until 2100-01-01.
const exampleSigned = "http://media.example.org/engage/a.mp4?policy=eyJTdGF0ZW1lbnQiOnsiQ29uZGl0aW9uIjp7IkRhdGVMZXNzVGhhbiI6NDEwMjQ0NDgwMDAwMH0sIlJlc291cmNlIjoiaHR0cDpcL1wvbWVkaWEuZXhhbXBsZS5vcmdcL2VuZ2FnZVwvYS5tcDQifX0&keyId=demoKeyOne&signature=8b3d4b862a028c6d296e543e3a87637aa00dcb491636f33c068af2e84e1408c7"

func TestSignCommand(t *testing.T) {
	conf := writeKeyConfig(t)
	code, out, errOut := runCLI("sign", "--config", conf, "--valid-until", "2100-01-01T00:00:00Z", "http://media.example.org/engage/a.mp4")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if got := strings.TrimSpace(out); got != exampleSigned {
		t.Errorf("signed URL\n got %s\nwant %s", got, exampleSigned)
	}
}

func TestSignCommandLowerCaseTime(t *testing.T) {
	conf := writeKeyConfig(t)
	code, out, errOut := runCLI("sign", "--config", conf, "--valid-until", "2100-01-01t00:00:00z", "http://media.example.org/engage/a.mp4")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if got := strings.TrimSpace(out); got != exampleSigned {
		t.Errorf("signed URL\n got %s\nwant %s", got, exampleSigned)
	}
}

func TestParseTime(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	want := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		text string
		want time.Time
	}{
		{"2030-01-02T03:04:05Z", want},
		{"2030-01-02t03:04:05Z", want},
		{"2030-01-02T03:04:05z", want},
		{"2030-01-02t03:04:05z", want},
		{"2030-01-02t03:04:05.250z", want.Add(250 * time.Millisecond)},
		{"2030-01-02t05:04:05+02:00", want},
		{"2030-01-02t01:04:05-02:00", want},
		{"1893553445000", want},
		{"+2h", now.Add(2 * time.Hour)},
		{"-30m", now.Add(-30 * time.Minute)},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			got, err := parseTime(tc.text, now)
			if err != nil {
				t.Fatalf("parseTime: %v", err)
			}
			if !got.Equal(tc.want) {
				t.Errorf("parseTime = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestParseTimeErrors(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, text := range []string{
		"tomorrow",
		"2030-01-02t03:04:05",
		"2030-01-02x03:04:05z",
		"2030-01-02 03:04:05z",
		"2030-01-02tt03:04:05z",
		"2030-01-02t03:04:05zz",
		"+2 hours",
	} {
		t.Run(text, func(t *testing.T) {
			_, err := parseTime(text, now)
			if err == nil {
				t.Fatal("parseTime succeeded, expected an error")
			}
			if quoted := strconv.Quote(text); !strings.Contains(err.Error(), quoted) {
				t.Errorf("error %q does not quote the value %s", err, quoted)
			}
			if !strings.Contains(err.Error(), "2030-01-01T00:00:00Z") {
				t.Errorf("error %q does not show the expected form", err)
			}
		})
	}
}

func TestSignCommandErrors(t *testing.T) {
	conf := writeKeyConfig(t)
	tests := []struct {
		name string
		args []string
		code int
		text string
	}{
		{"no config", []string{"sign", "http://media.example.org/a.mp4"}, 2, "--config"},
		{"no URL", []string{"sign", "--config", conf}, 2, "expected one URL"},
		{"bad time", []string{"sign", "--config", conf, "--valid-until", "tomorrow", "http://media.example.org/a.mp4"}, 2, `"tomorrow" is not a time`},
		{"lower-case time without offset", []string{"sign", "--config", conf, "--valid-until", "2100-01-01t00:00:00", "http://media.example.org/a.mp4"}, 2, `--valid-until: "2100-01-01t00:00:00" is not a time`},
		{"other host", []string{"sign", "--config", conf, "http://other.example.org/a.mp4"}, 1, "cannot be signed"},
		{"bad IP", []string{"sign", "--config", conf, "--valid-source", "10.0.0.300", "http://media.example.org/a.mp4"}, 1, "invalid IP"},
		{"past", []string{"sign", "--config", conf, "--valid-until", "-1h", "http://media.example.org/a.mp4"}, 2, "is not in the future"},
		{"beyond max lifetime", []string{"sign", "--config", conf, "--valid-until", "+1000001h", "http://media.example.org/a.mp4"}, 2, "more than sign.max-lifetime"},
		{"from after until", []string{"sign", "--config", conf, "--valid-from", "+3h", "--valid-until", "+1h", "http://media.example.org/a.mp4"}, 2, "--valid-from must be before"},
		{"missing config file", []string{"sign", "--config", "/nonexistent/signet.conf", "http://media.example.org/a.mp4"}, 1, "/nonexistent/signet.conf"},
		{"empty segment", []string{"sign", "--config", conf, "http://media.example.org/x//a.mp4"}, 2, "sign the normalized path"},
		{"resource with dot segment", []string{"sign", "--config", conf, "--resource", "http://media.example.org/x/../*", "http://media.example.org/a.mp4"}, 2, "--resource"},
		{"option after the URL", []string{"sign", "--config", conf, "http://media.example.org/a.mp4", "--valid-until", "+1h"}, 2, "options such as --valid-until go before the URL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runCLI(tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d", code, tc.code)
			}
			if !strings.Contains(errOut, tc.text) {
				t.Errorf("stderr %q does not mention %q", errOut, tc.text)
			}
		})
	}
}

func TestSignCommandURLTooLong(t *testing.T) {
	conf := writeKeyConfig(t)
	longURL := "http://media.example.org/" + strings.Repeat("a", 9000)
	code, out, errOut := runCLI("sign", "--config", conf, "--valid-until", "+1h", longURL)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if out != "" {
		t.Errorf("printed %d bytes, want no signed URL", len(out))
	}
	for _, want := range []string{
		"the URL of 9025 bytes would be ",
		"more than the 8192 bytes that signet serve and signet edge accept (limits.max-url-bytes)",
		"sign a shorter URL",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr %q does not contain %q", errOut, want)
		}
	}
	if strings.Contains(errOut, "signature") || strings.Contains(errOut, "policy=") {
		t.Errorf("stderr %q contains a part of the signed URL", errOut)
	}
}

func TestSignCommandURLLimitFromConfig(t *testing.T) {
	longURL := "http://media.example.org/" + strings.Repeat("a", 9000)
	tests := []struct {
		name, limit, url string
		code             int
	}{
		{"raised limit", "limits.max-url-bytes = 1048576\n", longURL, 0},
		{"lowered limit", "limits.max-url-bytes = 1024\n", "http://media.example.org/" + strings.Repeat("a", 400), 1},
		{"lowered limit short URL", "limits.max-url-bytes = 1024\n", "http://media.example.org/a.mp4", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			conf := writeKeyConfig(t)
			extra := filepath.Join(filepath.Dir(conf), "limits.conf")
			if err := os.WriteFile(extra, []byte(tc.limit), 0o600); err != nil {
				t.Fatal(err)
			}
			code, out, errOut := runCLI("sign", "--config", conf, "--config", extra, "--valid-until", "+1h", tc.url)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %q", code, tc.code, errOut)
			}
			if tc.code == 0 && !strings.HasPrefix(out, tc.url+"?policy=") {
				t.Errorf("output %.80q... is not the signed URL", out)
			}
			if tc.code != 0 && !strings.Contains(errOut, "more than the 1024 bytes") {
				t.Errorf("stderr %q does not name the configured limit", errOut)
			}
		})
	}
}

func TestVerifyCommand(t *testing.T) {
	conf := writeKeyConfig(t)
	tests := []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"valid", []string{"--now", "2026-01-01T00:00:00Z", exampleSigned}, 0, "200 ok"},
		{"expired", []string{"--now", "2100-01-01T00:00:00.001Z", exampleSigned}, 1, "410 expired"},
		{"lower-case now", []string{"--now", "2026-01-01t00:00:00z", exampleSigned}, 0, "200 ok"},
		{"lower-case now expired", []string{"--now", "2100-01-01t00:00:00.001z", exampleSigned}, 1, "410 expired"},
		{"unsigned", []string{"http://media.example.org/engage/a.mp4"}, 1, "401 unsigned"},
		{"tampered", []string{strings.Replace(exampleSigned, "a.mp4?", "b.mp4?", 1)}, 1, "403 resource-mismatch"},
		{"non-strict other host", []string{"--strict=false", strings.Replace(exampleSigned, "media.example.org", "cdn.example.net", 1)}, 0, "200 ok"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(append([]string{"verify", "--config", conf}, tc.args...)...)
			if code != tc.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tc.code, errOut)
			}
			if strings.TrimSpace(out) != tc.out {
				t.Errorf("output %q, want %q", out, tc.out)
			}
		})
	}
}

func TestVectorsCommand(t *testing.T) {
	code, out, errOut := runCLI("vectors", "../../core/testdata/opencast-compat.json")
	if code != 0 || !strings.HasSuffix(out, "167 passed, 0 failed\n") {
		t.Errorf("exit %d, output %q, stderr %q", code, out, errOut)
	}
}

func TestVectorsCommandReportsFailure(t *testing.T) {
	data, err := os.ReadFile("../../core/testdata/opencast-compat.json")
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(data), `"reason": "ip-mismatch"`, `"reason": "expired"`, 1)
	path := filepath.Join(t.TempDir(), "broken.json")
	if err := os.WriteFile(path, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runCLI("vectors", path)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{"FAIL ", "input:", `expected: {"status":403,"reason":"expired"}`, `actual:   {"status":403,"reason":"ip-mismatch"}`, "166 passed, 1 failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("output does not contain %q:\n%s", want, out)
		}
	}
}

func TestVectorsCommandNativeRejectsWasmFlags(t *testing.T) {
	for _, args := range [][]string{
		{"vectors", "--module", "signet.wasm", "../../core/testdata/opencast-compat.json"},
		{"vectors", "--engine", "native", "--module", "signet.wasm", "../../core/testdata/opencast-compat.json"},
		{"vectors", "--engine", "native", "--cache-dir", "", "../../core/testdata/opencast-compat.json"},
	} {
		t.Run(strings.Join(args[1:len(args)-1], " "), func(t *testing.T) {
			code, out, errOut := runCLI(args...)
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if out != "" {
				t.Errorf("output %q, want none: no case should run", out)
			}
			if !strings.Contains(errOut, "applies only to --engine wasm") {
				t.Errorf("stderr %q does not explain the conflict", errOut)
			}
		})
	}
}

func TestUnknownCommand(t *testing.T) {
	if code, _, errOut := runCLI("frobnicate"); code != 2 || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

// TestDemoHelpWarnsOffLoopback checks that the demo's help warns when it
// listens on an address that is not a loopback one, and only then.
func TestDemoHelpWarnsOffLoopback(t *testing.T) {
	for listen, warn := range map[string]bool{
		"127.0.0.1:8080": false,
		"localhost:8080": false,
		"[::1]:8080":     false,
		"0.0.0.0:8080":   true,
		":8080":          true,
		"192.0.2.1:8080": true,
	} {
		cfg, password, err := config.NewDemo(config.DemoOptions{Listen: listen})
		if err != nil {
			t.Fatal(err)
		}
		var out strings.Builder
		printDemoHelp(&out, cfg, password)
		if got := strings.Contains(out.String(), "Warning: the demo listens on "+listen); got != warn {
			t.Errorf("listen %s: warning shown = %v, expected %v:\n%s", listen, got, warn, out.String())
		}
	}
}
