package config

import (
	"errors"
	"testing"
	"time"
)

func TestParseRFC3339(t *testing.T) {
	want := time.Date(2026, 12, 4, 19, 17, 7, 0, time.UTC)
	tests := []struct {
		text string
		want time.Time
	}{
		{"2026-12-04T19:17:07Z", want},
		{"2026-12-04t19:17:07z", want},
		{"2026-12-04t19:17:07Z", want},
		{"2026-12-04T19:17:07z", want},
		{"2026-12-04t19:17:07.250z", want.Add(250 * time.Millisecond)},
		{"2026-12-04t21:17:07+02:00", want},
		{"2026-12-04t17:17:07-02:00", want},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			got, err := ParseRFC3339(tc.text)
			if err != nil {
				t.Fatalf("ParseRFC3339: %v", err)
			}
			if !got.Equal(tc.want) {
				t.Errorf("ParseRFC3339 = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestParseRFC3339Errors(t *testing.T) {
	for _, text := range []string{
		"",
		"t",
		"z",
		"2026-12-04",
		"2026-12-04t",
		"2026-12-04t19:17:07",
		"2026-12-04x19:17:07z",
		"2026-12-04 19:17:07z",
		"2026-12-04tt19:17:07z",
		"2026-12-04t19:17:07zz",
		"2026-02-30t19:17:07z",
		"1796411827000",
	} {
		t.Run(text, func(t *testing.T) {
			_, err := ParseRFC3339(text)
			if err == nil {
				t.Fatal("ParseRFC3339 succeeded, expected an error")
			}
			var parseErr *time.ParseError
			if !errors.As(err, &parseErr) {
				t.Errorf("error %v is not a *time.ParseError", err)
			}
		})
	}
}
