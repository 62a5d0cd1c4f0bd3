package server

import (
	"os"
	"sync/atomic"
)

// sharedRoot is a directory opened with os.OpenRoot, which successive
// Servers of a Reloader share while their configurations name the same
// directory. Every Server that serves from it holds one reference, and
// the last release closes it. The package documentation explains why.
type sharedRoot struct {
	dir  string // the path it was opened from, as configured
	root *os.Root
	refs atomic.Int64
}

func openSharedRoot(dir string) (*sharedRoot, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	r := &sharedRoot{dir: dir, root: root}
	r.refs.Store(1)
	return r, nil
}

// serves reports whether r was opened from dir and dir still names the
// same directory. A deployment that swaps a symbolic link or renames
// directories changes what a path names without changing the path.
func (r *sharedRoot) serves(dir string) bool {
	if r.dir != dir {
		return false
	}
	opened, err := r.root.Stat(".")
	if err != nil {
		return false
	}
	named, err := os.Stat(dir)
	return err == nil && os.SameFile(opened, named)
}

// share adds a reference. It must be called only while another
// reference is held, so that r cannot have been closed.
func (r *sharedRoot) share() *sharedRoot {
	r.refs.Add(1)
	return r
}

// release drops a reference and closes the root with the last one.
func (r *sharedRoot) release() error {
	if r.refs.Add(-1) > 0 {
		return nil
	}
	return r.root.Close()
}

// withRootsOf makes New reuse the roots of old, the Server that the new
// one replaces, for the directories that both configurations name.
func withRootsOf(old *Server) Option {
	return func(s *Server) { s.reusable = old.roots }
}

// openRoot returns a root of dir: one of the replaced Server's roots
// that still serves dir, shared, or else a newly opened one. The Server
// holds a reference to it until releaseDirs.
func (s *Server) openRoot(dir string) (*os.Root, error) {
	for _, r := range s.reusable {
		// The replaced Server is current while New runs, so it still
		// holds its reference to r.
		if r.serves(dir) {
			s.roots = append(s.roots, r.share())
			return r.root, nil
		}
	}
	r, err := openSharedRoot(dir)
	if err != nil {
		return nil, err
	}
	s.roots = append(s.roots, r)
	return r.root, nil
}

// releaseDirs drops the Server's references to its roots, closing those
// that no other Server holds.
func (s *Server) releaseDirs() {
	for _, r := range s.roots {
		if err := r.release(); err != nil {
			s.logger.Error("cannot close directory", "dir", r.dir, "error", err)
		}
	}
}

// acquire counts a request in flight on s. It returns false when s has
// been retired and its last request has ended, so that its directories
// may be closed.
func (s *Server) acquire() bool {
	for {
		n := s.inUse.Load()
		if n == 0 {
			return false
		}
		if s.inUse.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// release ends a request that acquire counted, or the Reloader's
// reference to a current Server. The last one releases the directories.
func (s *Server) release() {
	if s.inUse.Add(-1) == 0 {
		s.releaseDirs()
	}
}

// retire makes next serve the requests that reach s from now on, and
// releases the directories of s once its requests in flight have ended.
// Only a Reloader calls it, once per Server, after making next current.
func (s *Server) retire(next *Server) {
	s.successor.Store(next)
	s.release()
}
