package core

// detailError is an error that adds detail to a wrapped error, such as a
// sentinel that callers test with errors.Is. The core builds its messages
// without fmt, which keeps the reflection-based formatter out of the
// WebAssembly module.
type detailError struct {
	err error
	msg string
}

func (e *detailError) Error() string { return e.msg }
func (e *detailError) Unwrap() error { return e.err }

// wrap returns an error whose message is err's message followed by the
// detail texts, and which unwraps to err.
func wrap(err error, detail ...string) error {
	msg := err.Error()
	for _, d := range detail {
		msg += d
	}
	return &detailError{err: err, msg: msg}
}

// prefixed returns an error whose message is the text followed by err's
// message, and which unwraps to err.
func prefixed(text string, err error) error {
	return &detailError{err: err, msg: text + err.Error()}
}
