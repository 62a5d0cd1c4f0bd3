package guest

import (
	"bufio"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/signet-media/signet/core"
)

// maxLine bounds one line of the command's input, in bytes.
const maxLine = 1 << 20

// RunCommand reads the configuration and then the requests from in, and
// writes one result line per request to out.
//
// The configuration is a block of lines ended by an empty line:
//
//	key<TAB>ID<TAB>SECRET    a key; ID and SECRET contain no TAB, CR or LF
//	strict<TAB>true|false    strict resource comparison (default true)
//	leeway<TAB>MS            clock-skew leeway in milliseconds (default 0)
//
// Each request line is URL<TAB>client IP<TAB>now in Unix milliseconds, and
// each answer is STATUS<TAB>REASON, such as "410	expired", or
// "error<TAB>message" for a line that is no request.
func RunCommand(in io.Reader, out io.Writer) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	cfg, err := readConfig(sc)
	if err != nil {
		return err
	}
	if err := Configure(cfg); err != nil {
		return err
	}
	w := bufio.NewWriter(out)
	for sc.Scan() {
		w.WriteString(answer(strings.TrimSuffix(sc.Text(), "\r")))
		w.WriteByte('\n')
	}
	if err := sc.Err(); err != nil {
		w.Flush()
		return errors.New("reading stdin: " + err.Error())
	}
	return w.Flush()
}

// readConfig reads configuration lines up to the first empty line.
func readConfig(sc *bufio.Scanner) (core.VerifierConfig, error) {
	var cfg core.VerifierConfig
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSuffix(sc.Text(), "\r")
		if text == "" {
			return cfg, nil
		}
		if err := applyConfigLine(&cfg, text); err != nil {
			return cfg, errors.New("configuration line " + strconv.Itoa(line) + ": " + err.Error())
		}
	}
	if err := sc.Err(); err != nil {
		return cfg, errors.New("reading stdin: " + err.Error())
	}
	return cfg, errors.New("stdin ended inside the configuration; end it with an empty line")
}

func applyConfigLine(cfg *core.VerifierConfig, text string) error {
	fields := strings.Split(text, "\t")
	switch {
	case fields[0] == "key" && len(fields) == 3:
		cfg.Keys = append(cfg.Keys, core.Key{ID: fields[1], Secret: fields[2]})
	case fields[0] == "strict" && len(fields) == 2:
		strict, err := strconv.ParseBool(fields[1])
		if err != nil {
			return errors.New("invalid strict value " + strconv.Quote(fields[1]) + "; write true or false")
		}
		cfg.NonStrict = !strict
	case fields[0] == "leeway" && len(fields) == 2:
		ms, err := strconv.ParseInt(fields[1], 10, 64)
		if err != nil || ms < 0 {
			return errors.New("invalid leeway " + strconv.Quote(fields[1]) + "; write milliseconds, 0 or more")
		}
		cfg.Leeway = time.Duration(ms) * time.Millisecond
	default:
		return errors.New("expected key<TAB>ID<TAB>SECRET, strict<TAB>BOOL or leeway<TAB>MS, found " + strconv.Quote(fields[0]) + " with " + strconv.Itoa(len(fields)) + " fields")
	}
	return nil
}

// answer verifies one request line and returns its result line.
func answer(line string) string {
	fields := strings.Split(line, "\t")
	if len(fields) != 3 {
		return "error\texpected URL<TAB>client IP<TAB>now ms, found " + strconv.Itoa(len(fields)) + " fields"
	}
	now, err := strconv.ParseInt(fields[2], 10, 64)
	if err != nil {
		return "error\tinvalid time " + strconv.Quote(fields[2]) + "; write Unix milliseconds"
	}
	r, _ := Verify(fields[0], fields[1], now)
	return strconv.Itoa(r.Status) + "\t" + string(r.Reason)
}
