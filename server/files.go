package server

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// rootFS is the file system of an os.Root that also keeps the Root, so
// that openRegular can open files with flags that fs.FS cannot pass.
type rootFS struct {
	fs.FS
	root *os.Root
}

// newRootFS returns the file system of root.
func newRootFS(root *os.Root) rootFS {
	return rootFS{FS: root.FS(), root: root}
}

// errNotRegular reports a directory or special file, served as missing.
var errNotRegular = fmt.Errorf("not a regular file: %w", fs.ErrNotExist)

// openRegular opens a regular file. Opening a named pipe would block until
// a writer appears, so a file of an os.Root is opened without blocking
// (see openNonblocking) and other file systems are checked with Stat
// first. Both check the open file's type again, in case the file was
// replaced in between.
func openRegular(fsys fs.FS, name string) (fs.File, fs.FileInfo, error) {
	var f fs.File
	var err error
	if r, ok := fsys.(rootFS); ok {
		f, err = openNonblocking(r.root, name)
	} else {
		f, err = openAfterStat(fsys, name)
	}
	if err != nil {
		return nil, nil, err
	}
	info, err := f.Stat()
	if err == nil && !info.Mode().IsRegular() {
		err = errNotRegular
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, info, nil
}

func openAfterStat(fsys fs.FS, name string) (fs.File, error) {
	info, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, errNotRegular
	}
	return fsys.Open(name)
}

// sizedFile is an open file whose size is known. http.ServeContent learns
// the size by seeking to the end and back. sizedFile handles those seeks
// without system calls and moves the file's offset only when a read
// needs it.
type sizedFile struct {
	*os.File
	size   int64
	pos    int64 // the offset that ServeContent believes in
	offset int64 // the file's real offset
}

func (f *sizedFile) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		offset += f.pos
	case io.SeekEnd:
		offset += f.size
	}
	if offset < 0 {
		return 0, errors.New("seek before the start of the file")
	}
	f.pos = offset
	return offset, nil
}

// sync moves the file's offset to where ServeContent believes it is.
func (f *sizedFile) sync() error {
	if f.offset == f.pos {
		return nil
	}
	if _, err := f.File.Seek(f.pos, io.SeekStart); err != nil {
		return err
	}
	f.offset = f.pos
	return nil
}

func (f *sizedFile) Read(p []byte) (int, error) {
	if err := f.sync(); err != nil {
		return 0, err
	}
	n, err := f.File.Read(p)
	f.pos += int64(n)
	f.offset = f.pos
	return n, err
}
