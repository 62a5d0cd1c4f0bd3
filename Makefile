# signet: signed media URLs for stream security.

GO       ?= go
BIN      := bin/signet
FUZZTIME ?= 5s
LISTEN   ?= 127.0.0.1:8080
VECTORS  := core/testdata/opencast-compat.json

.PHONY: all build demo deps test test-go test-wasm test-js vet fuzz vectors bench demo-media clean wasm bench-wasm loadtest bench-edge

all: build

build:
	$(GO) build -o $(BIN) ./cmd/signet

# demo runs the server with a fresh demo key and user on LISTEN, by
# default 127.0.0.1:8080: make demo LISTEN=127.0.0.1:9090 picks another.
# It installs the JavaScript client's npm packages for hls.js, which the
# player page needs to play the HLS sample in browsers without native HLS.
demo: build
	@test -d jsclient/node_modules || (cd jsclient && npm ci --no-audit --no-fund)
	./$(BIN) serve --listen $(LISTEN)

# test runs the unit and end-to-end tests, the conformance vectors through
# the CLI in every engine, the JavaScript and browser tests, and each fuzz
# target for FUZZTIME.
test: deps vet build test-go test-wasm test-js fuzz

# SUDO runs apt-get as root: empty when make already runs as root.
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

# deps installs what the tests need beyond Go and Node: Debian's chromium,
# nginx and caddy with apt-get when they are missing, and the npm packages of the
# JavaScript client and of the example Worker at their locked versions.
deps:
	@missing=""; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	test -x /usr/sbin/nginx || missing="$$missing nginx"; \
	test -x /usr/bin/caddy || missing="$$missing caddy"; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing with apt-get"; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@test -d jsclient/node_modules || (cd jsclient && npm ci --no-audit --no-fund)
	@test -d wasm/workerd/node_modules || (cd wasm/workerd && npm ci --no-audit --no-fund)

test-go:
	$(GO) test -count=1 ./...
	./$(BIN) vectors $(VECTORS)

# test-wasm checks the module's size against its goal, runs the vectors
# through the WebAssembly module in wazero and in Node's WASI, the command
# form on stdin, the example Worker in workerd
# (installed by "npm ci" in wasm/workerd), and the core's tests inside
# WebAssembly with the wazero CLI (installed into GOBIN from the Go module
# proxy when missing).
test-wasm: wasm build
	@size=$$(stat -c %s $(WASM)); test "$$size" -lt $(WASM_MAX_BYTES) || { \
		echo "$(WASM) is $$size bytes, over the goal of $(WASM_MAX_BYTES): docs/benchmarks.md lists what the module links"; \
		exit 1; }
	./$(BIN) vectors --engine wasm --module $(WASM) $(VECTORS)
	node wasm/node/vectors.mjs $(WASM) $(VECTORS)
	cd wasm/workerd && node --test test/
	printf 'key\tk\tsecret\n\n/a\t10.0.0.1\t0\n' | $(WAZERO) run $(WASM_COMMAND) | grep -qx '401.unsigned'
	PATH="$(GOBIN_DIR):$$PATH" GOWASIRUNTIME=wazero GOOS=wasip1 GOARCH=wasm \
		$(GO) test -count=1 -exec "$$($(GO) env GOROOT)/lib/wasm/go_wasip1_wasm_exec" ./core/...

WASM         := bin/signet.wasm
# WASM_MAX_BYTES is the size goal of the reactor module, which test-wasm
# enforces.
WASM_MAX_BYTES := 2500000
WASM_COMMAND := bin/signet-command.wasm
GOBIN_DIR    := $(shell $(GO) env GOPATH)/bin
WAZERO       := $(GOBIN_DIR)/wazero

# wasm builds the WebAssembly module: the reactor that signet edge and
# other hosts load, and the command form.
wasm: $(WAZERO)
	GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -trimpath -ldflags='-s -w' -o $(WASM) ./wasm/guest
	GOOS=wasip1 GOARCH=wasm $(GO) build -trimpath -ldflags='-s -w' -o $(WASM_COMMAND) ./wasm/guest/command
	@echo "$(WASM): $$(stat -c %s $(WASM)) bytes, $$(gzip -9c $(WASM) | wc -c) gzipped"

$(WAZERO):
	$(GO) install github.com/tetratelabs/wazero/cmd/wazero@v1.12.0

# bench-wasm runs the WebAssembly benchmarks beside the native verify.
bench-wasm:
	$(GO) test -run '^$$' -bench 'Verify$$' -benchmem ./core/
	$(GO) test -run '^$$' -bench . -benchmem ./wasm/

# bench-edge measures signet edge against signet serve's media route on
# loopback with wrk (Debian package wrk), 10 seconds per server.
bench-edge: wasm build
	wasm/bench/edge-load.sh 10 16

# test-js runs the JavaScript client's tests: type checks, unit tests,
# integration tests against bin/signet, and browser tests in Chromium.
test-js: build
	cd jsclient && npm test


vet:
	@test -z "$$(gofmt -l .)" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	$(GO) vet ./...

fuzz:
	@for pkg in $$($(GO) list ./...); do \
		for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "fuzz $$pkg $$target ($(FUZZTIME))"; \
			$(GO) test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

vectors: build
	./$(BIN) vectors $(VECTORS)

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./core/

# loadtest drives the sign API, the media route and /auth with wrk at
# saturation on loopback, beside nginx secure_link, a plain net/http server
# of the same file and an unverified media route, for about three minutes,
# and writes the results to
# docs/benchmarks.md. It needs Debian's nginx and wrk; make test does not
# run it.
loadtest:
	$(GO) run ./internal/loadtest -out docs/benchmarks.md

# demo-media remakes the embedded sample videos with Debian's ffmpeg: the
# MP4 and WebM files, and an HLS stream in hls/ with two variants (320x180
# and 160x90) of 16 seconds in 2-second fMP4 segments.
demo-media:
	ffmpeg -hide_banner -loglevel error -y \
		-f lavfi -i "testsrc2=size=320x180:rate=25:duration=4" \
		-f lavfi -i "sine=frequency=440:duration=4:sample_rate=44100" \
		-c:v libx264 -profile:v baseline -pix_fmt yuv420p -preset veryslow -crf 32 -g 25 \
		-c:a aac -b:a 48k -movflags +faststart -shortest demo/media/sample.mp4
	ffmpeg -hide_banner -loglevel error -y \
		-f lavfi -i "testsrc2=size=320x180:rate=25:duration=4" \
		-f lavfi -i "sine=frequency=440:duration=4:sample_rate=48000" \
		-c:v libvpx-vp9 -b:v 0 -crf 45 -deadline good -g 25 \
		-c:a libopus -b:a 32k -shortest demo/media/sample.webm
	rm -rf demo/media/hls && mkdir -p demo/media/hls
	cd demo/media/hls && ffmpeg -hide_banner -loglevel error -y \
		-f lavfi -i "testsrc2=size=320x180:rate=15:duration=16" \
		-f lavfi -i "sine=frequency=440:duration=16:sample_rate=22050" \
		-filter_complex "[0:v]split=2[v1][v2];[v2]scale=160:90[v2o]" \
		-map "[v1]" -map "[v2o]" -map 1:a -map 1:a \
		-c:v libx264 -profile:v baseline -pix_fmt yuv420p -preset veryslow -g 30 -keyint_min 30 -sc_threshold 0 \
		-b:v:0 64k -maxrate:v:0 80k -bufsize:v:0 160k -b:v:1 24k -maxrate:v:1 30k -bufsize:v:1 60k \
		-c:a aac -b:a 24k -ac 1 \
		-f hls -hls_time 2 -hls_playlist_type vod -hls_segment_type fmp4 \
		-hls_fmp4_init_filename init.mp4 -hls_segment_filename 'v%v/seg%d.m4s' \
		-master_pl_name master.m3u8 -var_stream_map "v:0,a:0,name:320x180 v:1,a:1,name:160x90" \
		'v%v/index.m3u8'

clean:
	rm -rf bin
