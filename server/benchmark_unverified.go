//go:build signet_benchmark

package server

// WithoutVerification makes the media route serve every file without
// verifying the URL, as a baseline for load tests. It exists only in
// builds with the build tag signet_benchmark, so no configuration and no
// flag of a normal build can turn verification off.
func WithoutVerification() Option {
	return func(s *Server) { s.skipVerify = true }
}
