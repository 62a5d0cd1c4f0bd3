//go:build unix

package server

import (
	"io/fs"
	"os"
	"syscall"
)

// openNonblocking opens a file of root with O_NONBLOCK, which makes
// opening a named pipe return at once instead of waiting for a writer.
// It also spares the two fcntl calls with which the os package otherwise
// tries, and fails, to make a regular file non-blocking for its poller.
// Reads of regular files ignore the flag.
func openNonblocking(root *os.Root, name string) (fs.File, error) {
	return root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
