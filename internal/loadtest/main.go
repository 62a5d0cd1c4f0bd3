// Command loadtest measures signet under load on loopback and writes the
// results to a section of docs/benchmarks.md. It is what make loadtest
// runs, for about three minutes.
//
// It builds signet with the build tag signet_benchmark and starts a
// protected signet, an unverified signet, an nginx that serves the same
// file with secure_link, with and without an access log, and a plain
// net/http server of the file, which shows what any net/http server can
// reach here. wrk (Debian packages nginx and wrk) drives each at
// saturation: the media routes, /auth and the sign API for a short run
// each, then the protected media route for a long run that samples the
// resident memory of signet every second. Every server listens on a free
// 127.0.0.1 port and stops at the end.
package main

import (
	"cmp"
	"crypto/md5"
	"encoding/base64"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	out := flag.String("out", "docs/benchmarks.md", "Markdown `file` whose load test section is replaced")
	short := flag.Duration("duration", 10*time.Second, "length of each short run")
	long := flag.Duration("memory-duration", 60*time.Second, "length of the run that samples memory")
	conns := flag.Int("connections", 32, "open connections of wrk")
	plainAddr := flag.String("serve-plain", "", "only serve `address` as the plain net/http server of the load test")
	plainDir := flag.String("plain-dir", "", "`directory` that -serve-plain serves under /media/")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("loadtest: ")
	if *plainAddr != "" {
		log.Fatal(servePlain(*plainAddr, *plainDir))
	}

	for _, tool := range []string{"wrk", "nginx"} {
		if _, err := lookTool(tool); err != nil {
			log.Fatalf("%s not found: install the Debian package %s", tool, tool)
		}
	}
	// The output file is checked first, so that a wrong path fails
	// before the servers start.
	if _, err := os.Stat(*out); err != nil {
		log.Fatal(err)
	}
	env, err := setUp()
	if err != nil {
		log.Fatal(err)
	}
	r, err := measure(env, *short, *long, *conns)
	env.stop()
	if err != nil {
		log.Fatal(err)
	}
	if err := r.write(*out); err != nil {
		log.Fatal(err)
	}
	fmt.Print(r.section())
}

// measure runs every scenario and the memory run.
func measure(env *env, short, long time.Duration, conns int) (*report, error) {
	r := &report{load: loadAverage(), started: time.Now()}
	var err error
	if r.runs, err = env.runAll(short, conns); err != nil {
		return nil, err
	}
	if r.memory, err = env.sampleMemory(long, conns); err != nil {
		return nil, err
	}
	r.duration, r.memoryDuration, r.connections = short, long, conns
	return r, nil
}

// lookTool finds a program in PATH or in /usr/sbin, where Debian installs
// nginx.
func lookTool(name string) (string, error) {
	if path, err := exec.LookPath(name); err == nil {
		return path, nil
	}
	path := filepath.Join("/usr/sbin", name)
	_, err := os.Stat(path)
	return path, err
}

// forwardName names the run of media through nginx with docs/nginx.conf.
const forwardName = "nginx + signet forward auth, grants cached"

// mediaRounds is how many times the unverified and the verified media
// routes run. They alternate, so that a change in the machine's load
// during the test affects both, and the report shows the median run of
// each.
const mediaRounds = 5

// runAll runs each scenario for d, the two media routes mediaRounds times.
func (e *env) runAll(d time.Duration, conns int) ([]run, error) {
	unverified := scenario{name: "signet media, unverified", url: e.unverifiedURL, proc: e.unverified}
	verified := scenario{name: "signet media, verified", url: e.mediaURL, proc: e.signet}
	scenarios := []scenario{
		{name: "nginx secure_link", url: e.nginxURL},
		{name: "nginx secure_link, access log on", url: e.nginxLogURL},
		{name: "net/http ServeContent alone, unverified", url: e.plainURL},
	}
	for range mediaRounds {
		scenarios = append(scenarios, unverified, verified)
	}
	scenarios = append(scenarios,
		scenario{name: forwardName, url: e.forwardURL, proc: e.signet},
		scenario{name: "signet /auth (nginx mode)", url: e.signet.base + "/auth?nginx=1", proc: e.signet,
			headers: []string{"X-Original-URI: " + strings.TrimPrefix(e.mediaURL, e.signet.base)}},
		scenario{name: "signet sign API (bearer token)", url: e.signet.base + "/api/security/sign", proc: e.signet,
			script: e.signScript},
	)
	var runs []run
	for _, sc := range scenarios {
		log.Printf("%s for %v", sc.name, d)
		res, err := wrk(sc, d, conns)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sc.name, err)
		}
		if sc.proc != nil {
			res.peakRSS = sc.proc.peakRSS()
		}
		runs = append(runs, res)
	}
	return medians(runs), nil
}

// medians keeps one run per name, in the order of first appearance: the
// run with the median requests per second among those of that name, with
// the errors of all of them added up.
func medians(runs []run) []run {
	byName := make(map[string][]run)
	var order []string
	for _, r := range runs {
		if _, seen := byName[r.name]; !seen {
			order = append(order, r.name)
		}
		byName[r.name] = append(byName[r.name], r)
	}
	out := make([]run, 0, len(order))
	for _, name := range order {
		same := byName[name]
		slices.SortFunc(same, func(a, b run) int { return cmp.Compare(a.perSecond, b.perSecond) })
		median := same[len(same)/2]
		median.non2xx, median.socketErrors, median.rounds = 0, 0, len(same)
		for _, r := range same {
			median.non2xx += r.non2xx
			median.socketErrors += r.socketErrors
		}
		out = append(out, median)
	}
	return out
}

// secureLinkQuery returns the query of nginx's secure_link_md5
// "$secure_link_expires$uri <secret>": md5 in unpadded URL-safe base64
// and the expiry in Unix seconds.
func secureLinkQuery(uri, secret string, expires time.Time) string {
	exp := strconv.FormatInt(expires.Unix(), 10)
	sum := md5.Sum([]byte(exp + uri + " " + secret))
	return "md5=" + base64.RawURLEncoding.EncodeToString(sum[:]) + "&expires=" + exp
}
