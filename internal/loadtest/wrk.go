package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// scenario is one target of wrk.
type scenario struct {
	name    string
	url     string
	headers []string // "Name: value"
	script  string   // wrk Lua script, or empty
	proc    *process // the signet process whose memory is read, or nil
}

// run is the result of one wrk run.
type run struct {
	name         string
	requests     int64
	perSecond    float64
	p50, p99     time.Duration
	non2xx       int64
	socketErrors int64
	peakRSS      int64 // bytes; 0 when not measured
	rounds       int   // runs that this one is the median of; 0 or 1 for one
}

// wrk runs wrk with one thread, which leaves the second CPU of a 2-CPU
// machine to the server.
func wrk(sc scenario, d time.Duration, conns int) (run, error) {
	args := []string{"-t1", "-c" + strconv.Itoa(conns), "-d" + strconv.Itoa(int(d.Seconds())) + "s", "--latency"}
	for _, h := range sc.headers {
		args = append(args, "-H", h)
	}
	if sc.script != "" {
		args = append(args, "-s", sc.script)
	}
	args = append(args, sc.url)
	var out bytes.Buffer
	cmd := exec.Command("wrk", args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return run{}, fmt.Errorf("wrk: %w\n%s", err, out.String())
	}
	res, err := parseWrk(out.String())
	res.name = sc.name
	return res, err
}

// parseWrk reads the summary of wrk 4.1 with --latency.
func parseWrk(out string) (run, error) {
	var r run
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 2 && f[0] == "50%":
			r.p50 = parseLatency(f[1])
		case len(f) == 2 && f[0] == "99%":
			r.p99 = parseLatency(f[1])
		case len(f) >= 2 && f[1] == "requests":
			r.requests, _ = strconv.ParseInt(f[0], 10, 64)
		case len(f) == 2 && f[0] == "Requests/sec:":
			r.perSecond, _ = strconv.ParseFloat(f[1], 64)
		case len(f) == 5 && f[0] == "Non-2xx":
			r.non2xx, _ = strconv.ParseInt(f[4], 10, 64)
		case len(f) >= 3 && f[0] == "Socket" && f[1] == "errors:":
			r.socketErrors = sumSocketErrors(f[2:])
		}
	}
	if r.perSecond == 0 {
		return r, fmt.Errorf("no Requests/sec in the output of wrk:\n%s", out)
	}
	return r, nil
}

// sumSocketErrors adds "connect 0, read 0, write 0, timeout 0".
func sumSocketErrors(fields []string) int64 {
	var sum int64
	for i := 1; i < len(fields); i += 2 {
		n, _ := strconv.ParseInt(strings.TrimSuffix(fields[i], ","), 10, 64)
		sum += n
	}
	return sum
}

// parseLatency parses wrk's "812.00us", "1.23ms" or "1.01s".
func parseLatency(text string) time.Duration {
	for _, unit := range []struct {
		suffix string
		scale  time.Duration
	}{{"us", time.Microsecond}, {"ms", time.Millisecond}, {"s", time.Second}, {"m", time.Minute}} {
		if number, ok := strings.CutSuffix(text, unit.suffix); ok {
			v, err := strconv.ParseFloat(number, 64)
			if err == nil {
				return time.Duration(v * float64(unit.scale))
			}
		}
	}
	return 0
}

// memorySample is the resident memory of signet at a time of the long run.
type memorySample struct {
	at  time.Duration
	rss int64
}

// memoryRun is the long run of the protected media route.
type memoryRun struct {
	run
	samples []memorySample
}

// sampleMemory drives the protected media route for d and reads the
// resident memory of signet every second.
func (e *env) sampleMemory(d time.Duration, conns int) (memoryRun, error) {
	stop := make(chan struct{})
	samplesc := make(chan []memorySample)
	go func() {
		var samples []memorySample
		start := time.Now()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				samplesc <- samples
				return
			case <-tick.C:
				samples = append(samples, memorySample{at: time.Since(start).Round(time.Second), rss: e.signet.rss()})
			}
		}
	}()
	sc := scenario{name: "signet media, verified, long run", url: e.mediaURL, proc: e.signet}
	fmt.Printf("loadtest: %s for %v\n", sc.name, d)
	res, err := wrk(sc, d, conns)
	close(stop)
	samples := <-samplesc
	res.peakRSS = e.signet.peakRSS()
	return memoryRun{run: res, samples: samples}, err
}
