package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// Markers of the section that the load test replaces.
const (
	sectionBegin = "<!-- loadtest:begin (written by make loadtest) -->"
	sectionEnd   = "<!-- loadtest:end -->"
)

// report is the result of a whole load test.
type report struct {
	started        time.Time
	load           string // /proc/loadavg before the runs
	runs           []run
	memory         memoryRun
	duration       time.Duration
	memoryDuration time.Duration
	connections    int
}

// write replaces the section between the markers in the file at path, or
// appends it when the file has none.
func (r *report) write(path string) error {
	old, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	text := string(old)
	section := sectionBegin + "\n" + r.section() + sectionEnd + "\n"
	begin, end := strings.Index(text, sectionBegin), strings.Index(text, sectionEnd)
	if begin >= 0 && end > begin {
		text = text[:begin] + section + text[end+len(sectionEnd)+1:]
	} else {
		text = strings.TrimRight(text, "\n") + "\n\n" + section
	}
	return os.WriteFile(path, []byte(text), 0o644)
}

func (r *report) section() string {
	var b strings.Builder
	b.WriteString("## Load test: sign API, media route and /auth beside nginx\n\n")
	fmt.Fprintf(&b, "Command: `make loadtest` (`go run ./internal/loadtest`), %s.\n", r.started.UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&b, "Machine: %s. Load average before the run (1, 5, 15 min): %s.\n", machine(), r.load)
	fmt.Fprintf(&b, "wrk 4.1 runs with 1 thread and %d connections, %v per run, on loopback. The file is %d KiB. "+
		"signet logs every request as JSON to a file. nginx runs once with access_log off and once "+
		"with its default access log to a file, and a third time with docs/nginx.conf as documented "+
		"(access_log off), asking the verified signet. The plain net/http server serves the file with "+
		"http.ServeContent and nothing else. The unverified signet is the same route with only the "+
		"verifier call skipped: it still resolves trusted proxies, checks the path and logs each request.\n\n",
		r.connections, r.duration, fileSize>>10)
	b.WriteString("| run | requests/s | p50 | p99 | non-2xx | socket errors | peak RSS of signet |\n")
	b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, run := range append(r.runs, r.memory.run) {
		name := run.name
		if run.rounds > 1 {
			name += fmt.Sprintf(" (median of %d alternating runs)", run.rounds)
		}
		fmt.Fprintf(&b, "| %s | %.0f | %s | %s | %d | %d | %s |\n", name, run.perSecond,
			formatLatency(run.p50), formatLatency(run.p99), run.non2xx, run.socketErrors, formatBytes(run.peakRSS))
	}
	b.WriteString("\n")
	b.WriteString(r.verdict())
	return b.String()
}

// verdict states the ratios and the goals.
func (r *report) verdict() string {
	byName := make(map[string]run)
	var errors int64
	for _, run := range append(r.runs, r.memory.run) {
		byName[run.name] = run
		errors += run.non2xx + run.socketErrors
	}
	verified := byName["signet media, verified"].perSecond
	nginx := byName["nginx secure_link"].perSecond
	unverified := byName["signet media, unverified"].perSecond
	var b strings.Builder
	fmt.Fprintf(&b, "- Verified media against nginx `secure_link`: %.2fx (goal at least 0.7x: %s).\n",
		verified/nginx, met(verified/nginx >= 0.7))
	nginxLog := byName["nginx secure_link, access log on"].perSecond
	plain := byName["net/http ServeContent alone, unverified"].perSecond
	fmt.Fprintf(&b, "- Verified media against nginx `secure_link` with its access log on: %.2fx.\n", verified/nginxLog)
	fmt.Fprintf(&b, "- net/http serving the file alone against nginx `secure_link`: %.2fx, "+
		"the ceiling of any server built on net/http here; verified media reaches %.2fx of it.\n",
		plain/nginx, verified/plain)
	forward := byName[forwardName].perSecond
	fmt.Fprintf(&b, "- Media through nginx with signet's forward authentication (docs/nginx.conf) against nginx `secure_link`: "+
		"%.2fx. Every request after the first is for the same URL, so nginx answers it from its cache of signet's grants; "+
		"a URL it has not seen costs a request to /auth.\n", forward/nginx)
	fmt.Fprintf(&b, "- Verified media against the unverified route: %.2fx (goal at least 0.9x: %s).\n",
		verified/unverified, met(verified/unverified >= 0.9))
	fmt.Fprintf(&b, "- Errors in all runs: %d (goal 0: %s).\n", errors, met(errors == 0))
	b.WriteString(r.memoryLine())
	return b.String()
}

// memoryLine describes the resident memory over the long run.
func (r *report) memoryLine() string {
	s := r.memory.samples
	if len(s) < 3 {
		return "- Memory: too few samples.\n"
	}
	first, mid, last := s[0], s[len(s)/2], s[len(s)-1]
	var lowest, highest int64 = first.rss, first.rss
	for _, sample := range s[len(s)/4:] {
		lowest, highest = min(lowest, sample.rss), max(highest, sample.rss)
	}
	growth := float64(last.rss-s[len(s)/4].rss) / float64(s[len(s)/4].rss)
	return fmt.Sprintf("- Resident memory of signet over the %v run, sampled every second: %s at %v, %s at %v, "+
		"%s at %v. From the first quarter on it stays between %s and %s, %+.0f%% from then to the end "+
		"(goal flat, read as within 10%%: %s).\n",
		r.memoryDuration, formatBytes(first.rss), first.at, formatBytes(mid.rss), mid.at,
		formatBytes(last.rss), last.at, formatBytes(lowest), formatBytes(highest), growth*100, met(growth < 0.1))
}

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "missed"
}

func formatLatency(d time.Duration) string {
	if d < time.Millisecond {
		return fmt.Sprintf("%d µs", d.Microseconds())
	}
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}

func formatBytes(n int64) string {
	if n == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// machine describes the CPU, kernel and tool versions.
func machine() string {
	model := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if name, ok := strings.CutPrefix(line, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
				break
			}
		}
	}
	kernel, _ := exec.Command("uname", "-r").Output()
	nginxVersion, _ := exec.Command(mustTool("nginx"), "-v").CombinedOutput()
	return fmt.Sprintf("%d CPUs (%s), Linux %s, %s %s/%s, %s", runtime.NumCPU(), model,
		strings.TrimSpace(string(kernel)), runtime.Version(), runtime.GOOS, runtime.GOARCH,
		strings.TrimPrefix(strings.TrimSpace(string(nginxVersion)), "nginx version: "))
}

func mustTool(name string) string {
	path, _ := lookTool(name)
	return path
}

func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], ", ")
}
