//go:build !unix

package server

import (
	"io/fs"
	"os"
)

// openNonblocking opens a file of root after checking with Stat that it
// is a regular file; systems other than Unix have no O_NONBLOCK for files.
func openNonblocking(root *os.Root, name string) (fs.File, error) {
	return openAfterStat(root.FS(), name)
}
