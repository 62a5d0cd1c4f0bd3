package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Error is an error in a configuration file. Its message never contains a
// secret, a password hash or a token hash.
type Error struct {
	File string // the path of the file
	Line int    // the 1-based line number, or 0 for the whole file
	Key  string // the property key, or empty
	Err  error
}

// Error returns the message in the form "file:line: key: error".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Line))
	}
	if e.Key != "" {
		b.WriteString(": ")
		b.WriteString(e.Key)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// maxErrors is the maximum number of errors that Load returns.
const maxErrors = 20

// fileKind is the format of a configuration file.
type fileKind int

const (
	signetFile   fileKind = iota // signet's own keys and Opencast's signing keys
	signingFile                  // Opencast's GenericUrlSigningProvider.cfg
	verifierFile                 // Opencast's UrlSigningVerifierImpl.cfg
)

// kindOf chooses the format of a file by its name.
func kindOf(path string) fileKind {
	base := filepath.Base(path)
	switch {
	case strings.HasSuffix(base, "GenericUrlSigningProvider.cfg"):
		return signingFile
	case strings.HasSuffix(base, "UrlSigningVerifierImpl.cfg"):
		return verifierFile
	}
	return signetFile
}

// Load reads the configuration files at paths and merges them into one
// Config, with defaults for the settings that no file sets. The format of
// each file follows from its name, as the package documentation describes.
//
// Load checks the whole configuration and returns up to 20 errors joined
// with errors.Join, each an *Error that names the file, the line and the
// key. A Config that Load returns yields a valid core.Signer and
// core.Verifier.
func Load(paths ...string) (*Config, error) {
	if len(paths) == 0 {
		return nil, errors.New("config: no configuration file given")
	}
	l := newLoader()
	for _, path := range paths {
		l.loadFile(path, kindOf(path), nil)
	}
	if len(l.errs) == 0 {
		l.finish()
	}
	if len(l.errs) > 0 {
		return nil, errors.Join(l.errs...)
	}
	return &l.cfg, nil
}

// Parse reads data as the content of a configuration file named name,
// and checks it as Load checks a file. The kind of file follows from
// name, relative paths start at the directory of name, and errors name
// name as the file. Parse reads no file named name, but it does read the
// Opencast files that data names.
func Parse(name string, data []byte) (*Config, error) {
	if len(data) > MaxFileSize {
		return nil, fileTooLarge(name)
	}
	l := newLoader()
	if abs, err := filepath.Abs(name); err == nil {
		l.loaded[abs] = true
	}
	l.cfg.Sources = append(l.cfg.Sources, name)
	l.loadData(name, kindOf(name), data)
	if len(l.errs) == 0 {
		l.finish()
	}
	if len(l.errs) > 0 {
		return nil, errors.Join(l.errs...)
	}
	return &l.cfg, nil
}

// readFile reads a file of at most MaxFileSize bytes.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, fileTooLarge(path)
	}
	return data, nil
}

func fileTooLarge(path string) error {
	err := fmt.Errorf("file is larger than %d bytes (1 MiB); "+
		"a configuration file is much smaller, check the path", MaxFileSize)
	return &Error{File: path, Err: err}
}

// entry is a property with the file it was read from.
type entry struct {
	file  string
	line  int
	key   string
	value string // trimmed
}

// errorf returns an *Error at the entry's line and key.
func (e entry) errorf(format string, args ...any) error {
	return keyError(e.file, e.line, e.key, fmt.Errorf(format, args...))
}

// keyError returns the *Error of the entry with key at file:line, with the
// key as shownKey allows, and a note when it is not shown.
func keyError(file string, line int, key string, err error) *Error {
	visible := shownKey(key)
	if visible == "" && key != "" {
		err = fmt.Errorf("%w (the key is not shown, since the line may hold a secret)", err)
	}
	return &Error{File: file, Line: line, Key: visible, Err: err}
}

// shownKey returns key for an error message when it has the shape of a
// key that signet reads, the start of it (see keyStart) when only its
// first segment is one that signet reads, such as "key", and "" otherwise.
// A line whose key starts some other way may be a secret pasted onto a
// line of its own, which the properties format reads as a key, and one
// such as "key.k.secretVALUE" swallowed its value for want of a '=': so
// neither is repeated, and the line number finds them.
func shownKey(key string) string {
	first, _, _ := strings.Cut(key, ".")
	switch {
	case !knownFirstSegments[first]:
		return ""
	case key == first+"...":
		return key // cut already
	case strings.Count(key, ".") <= 1 || key == excludeKey:
		return key
	}
	if _, _, err := splitKeyProperty(key); err == nil && first == "key" {
		return key
	}
	if _, _, _, ok := splitAccountKey(key); ok {
		return key
	}
	return keyStart(key)
}

// knownFirstSegments holds the first segments of every key that signet
// reads. TestKnownFirstSegments checks it against settings, accountFields
// and excludeKey.
var knownFirstSegments = map[string]bool{
	"auth": true, "cors": true, "exclude": true, "forward-auth": true, "key": true, "limits": true,
	"listen": true, "media": true, "metrics": true, "opencast": true, "player": true, "proxy": true,
	"reload": true, "sign": true, "token": true, "user": true, "verify": true,
}

// where returns the entry's location as "file:line".
func (e entry) where() string {
	return e.file + ":" + strconv.Itoa(e.line)
}

// dir returns the directory that relative paths in the entry's file
// resolve against.
func (e entry) dir() string {
	return filepath.Dir(e.file)
}

// trimValue removes white space and control characters at both ends of a
// value, as Java's String.trim does and as Opencast does for key values.
func trimValue(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
}

// loader merges configuration files into a Config.
type loader struct {
	cfg  Config
	errs []error

	loaded   map[string]bool  // absolute paths of the files read
	settings map[string]entry // the first entry of each setting, by name
	includes []entry          // Opencast files named by the current file

	keys     []*keyEntry
	keyByID  map[string]*keyEntry
	accounts []*account
	byName   map[string]*account // by section and name, such as "user.alice"
}

// defaultConfig returns a Config with the default of every setting.
func defaultConfig() Config {
	return Config{
		Listen:           DefaultListen,
		DefaultLifetime:  DefaultLifetime,
		MaxLifetime:      DefaultMaxLifetime,
		CredentialCache:  DefaultCredentialCache,
		MediaPath:        DefaultMediaPath,
		MaxURLBytes:      DefaultMaxURLBytes,
		MaxBodyBytes:     DefaultMaxBodyBytes,
		MaxPlaylistBytes: DefaultMaxPlaylistBytes,
		ClientHeader:     HeaderXForwardedFor,
		ForwardAuthPath:  DefaultForwardAuthPath,
		ReloadInterval:   DefaultReloadInterval,
	}
}

func newLoader() *loader {
	return &loader{
		cfg:      defaultConfig(),
		loaded:   make(map[string]bool),
		settings: make(map[string]entry),
		keyByID:  make(map[string]*keyEntry),
		byName:   make(map[string]*account),
	}
}

// fail records an error. After maxErrors errors, it records one error
// about the limit and drops the rest.
func (l *loader) fail(err error) {
	switch {
	case len(l.errs) < maxErrors:
		l.errs = append(l.errs, err)
	case len(l.errs) == maxErrors:
		l.errs = append(l.errs, fmt.Errorf("config: more than %d errors; fix these first", maxErrors))
	}
}

// loadFile reads one file, applies its entries, and then loads the Opencast
// files that it names. A file already read is skipped. When the file is
// named by an entry of another file, from is that entry.
func (l *loader) loadFile(path string, kind fileKind, from *entry) {
	abs, err := filepath.Abs(path)
	if err != nil {
		l.fail(fmt.Errorf("config: %w", err))
		return
	}
	if l.loaded[abs] {
		return
	}
	l.loaded[abs] = true
	l.cfg.Sources = append(l.cfg.Sources, path)

	data, err := readFile(path)
	if err != nil {
		l.fail(fileError(err, from))
		return
	}
	l.loadData(path, kind, data)
}

// loadData applies the entries of a file's content, and then loads the
// Opencast files that it names.
func (l *loader) loadData(path string, kind fileKind, data []byte) {
	props, err := parseProperties(path, data)
	if err != nil {
		l.fail(err)
		return
	}
	for _, p := range props {
		e := entry{file: path, line: p.line, key: p.key, value: trimValue(p.value)}
		if err := l.apply(kind, e); err != nil {
			l.fail(err)
		}
	}

	includes := l.includes
	l.includes = nil
	for _, e := range includes {
		l.loadFile(e.value, includeKinds[e.key], &e)
	}
}

// fileError returns the error for a file that could not be read: at the
// entry that names the file, if any.
func fileError(err error, from *entry) error {
	var cfgErr *Error
	switch {
	case errors.As(err, &cfgErr):
		return err
	case from != nil:
		return from.errorf("%w; correct the path (relative paths start at the directory of this file)", err)
	}
	return fmt.Errorf("config: %w", err)
}

// keyStart returns the first two dot-separated segments of key, followed
// by "..." when there are more.
func keyStart(key string) string {
	first, rest, ok := strings.Cut(key, ".")
	if !ok {
		return key
	}
	second, _, more := strings.Cut(rest, ".")
	if !more {
		return key
	}
	return first + "." + second + "..."
}

// hasInlineComment reports whether value contains '#' after white space,
// the way a comment at the end of a line would read.
func hasInlineComment(value string) bool {
	for i := 1; i < len(value); i++ {
		if value[i] == '#' && (value[i-1] == ' ' || value[i-1] == '\t') {
			return true
		}
	}
	return false
}

// includeKinds maps the keys that name an Opencast file to its format.
var includeKinds = map[string]fileKind{
	"opencast.signing-config":  signingFile,
	"opencast.verifier-config": verifierFile,
}

// apply checks one entry and stores its value.
func (l *loader) apply(kind fileKind, e entry) error {
	if e.value == "" && e.key != excludeKey {
		// Without a separator, the key may have swallowed a secret, as
		// "key.k1SECRET" of Opencast's verifier format does, so only its
		// first segment is shown.
		if first, _, ok := strings.Cut(e.key, "."); ok {
			e.key = first + "..."
		}
		return e.errorf("missing value; write key = value (is the '=' missing?) or delete the line")
	}
	if hasInlineComment(e.value) {
		return e.errorf("the value contains white space followed by '#', but properties files have no end-of-line comments; put the comment on a line of its own")
	}
	if strings.Contains(e.value, "${") {
		return e.errorf("${...} substitution is not supported; write the value itself")
	}
	switch {
	case kind == verifierFile:
		return l.applyVerifierKey(e)
	case e.key == excludeKey || strings.HasPrefix(e.key, "key."):
		return l.applySigningKey(e)
	case kind == signingFile:
		return e.errorf("unknown key; a GenericUrlSigningProvider file contains only %s", signingKeyList)
	}
	return l.applySetting(e)
}

// claim records e as the entry that sets name. It reports whether name is
// new. Setting a name again is an error unless the value is the same, as
// when a key's secret is in both Opencast files.
func (l *loader) claim(name string, e entry) (bool, error) {
	first, ok := l.settings[name]
	if !ok {
		l.settings[name] = e
		return true, nil
	}
	if first.value == e.value {
		return false, nil
	}
	return false, e.errorf("conflicts with %s at %s, which sets a different value; keep one of them",
		first.key, first.where())
}
