#!/usr/bin/env bash
# edge-load.sh measures signet edge --root against signet serve's media
# route in one load run on loopback: the same signed file from both, one
# after the other, with wrk (Debian package wrk). signet edge runs twice:
# with the default call deadline and with --call-timeout 0.
#
#   wasm/bench/edge-load.sh [SECONDS] [CONNECTIONS]
#
# It needs bin/signet and bin/signet.wasm ("make build wasm"), and prints
# the machine, the load average and, per server, requests per second,
# p50 and p99 latency and errors.
set -euo pipefail
cd "$(dirname "$0")/../.."

duration=${1:-10}
connections=${2:-16}
signet=bin/signet

command -v wrk >/dev/null || { echo "wrk not found: apt-get install wrk" >&2; exit 1; }
[ -x "$signet" ] && [ -f bin/signet.wasm ] || { echo "run make build wasm first" >&2; exit 1; }

dir=$(mktemp -d)
pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT

# free_port prints a TCP port that is free on 127.0.0.1 now.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

serve_port=$(free_port)
edge_port=$(free_port)
edge_fast_port=$(free_port)
mkdir "$dir/media"
head -c 16384 /dev/urandom >"$dir/media/clip.mp4"
secret=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
cat >"$dir/signet.conf" <<CONF
key.load.secret = $secret
key.load.url = http://127.0.0.1:$serve_port/
key.load.url.edge = http://127.0.0.1:$edge_port/
key.load.url.fast = http://127.0.0.1:$edge_fast_port/
media.path = /media/
media.dir = $dir/media
CONF

"$signet" serve --config "$dir/signet.conf" --listen "127.0.0.1:$serve_port" 2>/dev/null &
pids+=($!)
"$signet" edge --config "$dir/signet.conf" --root "$dir/media" --listen "127.0.0.1:$edge_port" 2>/dev/null &
pids+=($!)
"$signet" edge --config "$dir/signet.conf" --root "$dir/media" --listen "127.0.0.1:$edge_fast_port" --call-timeout 0 2>/dev/null &
pids+=($!)

# wait_for returns once the URL gets a response, or fails after 10 s.
wait_for() {
	for _ in $(seq 100); do
		curl -s -o /dev/null "$1" && return 0
		sleep 0.1
	done
	echo "no response from $1 after 10 s" >&2
	return 1
}

# measure runs wrk on a signed URL and prints one table row.
measure() {
	local name=$1 url=$2 out status
	status=$(curl -s -o /dev/null -w '%{http_code}' "$url")
	[ "$status" = 200 ] || { echo "$name: $url returned $status, expected 200" >&2; exit 1; }
	out=$(wrk --latency -t 2 -c "$connections" -d "${duration}s" "$url")
	awk -v name="$name" '
		/Requests\/sec/ { rps = $2 }
		/^ +50%/ { p50 = $2 }
		/^ +99%/ { p99 = $2 }
		/Non-2xx/ { non2xx = $NF }
		/Socket errors/ { sock = $0; sub(/.*Socket errors: /, "", sock) }
		END { printf "| %s | %s | %s | %s | %s |\n", name, rps, p50, p99, (non2xx ? non2xx " non-2xx" : "0") (sock ? "; socket " sock : "") }
	' <<<"$out"
}

serve_url=$("$signet" sign --config "$dir/signet.conf" "http://127.0.0.1:$serve_port/media/clip.mp4")
edge_url=$("$signet" sign --config "$dir/signet.conf" "http://127.0.0.1:$edge_port/clip.mp4")
edge_fast_url=$("$signet" sign --config "$dir/signet.conf" "http://127.0.0.1:$edge_fast_port/clip.mp4")
wait_for "http://127.0.0.1:$serve_port/media/clip.mp4"
wait_for "http://127.0.0.1:$edge_port/clip.mp4"
wait_for "http://127.0.0.1:$edge_fast_port/clip.mp4"

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(uname -sr)"
echo "load before: $(uptime | sed 's/.*load average: //')"
echo "wrk -t 2 -c $connections -d ${duration}s --latency, 16 KiB file, logs to /dev/null"
echo
echo "| server | requests/s | p50 | p99 | errors |"
echo "| --- | ---: | ---: | ---: | --- |"
measure "signet serve, media route" "$serve_url"
measure "signet edge --root" "$edge_url"
measure "signet edge --root --call-timeout 0" "$edge_fast_url"
echo
echo "load after: $(uptime | sed 's/.*load average: //')"
