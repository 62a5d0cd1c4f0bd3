package config

import "time"

// ParseRFC3339 parses an RFC 3339 date and time with seconds and a UTC
// offset, optionally with fractional seconds, such as
// 2018-03-19T13:08:39Z. It rejects impossible dates such as 2018-02-30.
// The sign API and the signet command line read times with it.
//
// RFC 3339, section 5.6, allows a lower-case t and z, but time.Parse
// accepts only T and Z, so ParseRFC3339 upper-cases the letter at each of
// the two places first. An error is the *time.ParseError of time.Parse
// for that text.
func ParseRFC3339(text string) (time.Time, error) {
	return time.Parse(time.RFC3339Nano, upperRFC3339Letters(text))
}

// upperRFC3339Letters returns text with a 't' after the date (at byte 10)
// and a final 'z' in upper case. The other bytes stay as they are, so
// that a parse error shows the text that was given.
func upperRFC3339Letters(text string) string {
	const dateLen = len("2006-01-02")
	b := []byte(text)
	if len(b) > dateLen && b[dateLen] == 't' {
		b[dateLen] = 'T'
	}
	if n := len(b); n > 0 && b[n-1] == 'z' {
		b[n-1] = 'Z'
	}
	return string(b)
}
