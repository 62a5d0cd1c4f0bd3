# signet: signed media URLs for stream security.

GO       ?= go
BIN      := bin/signet
FUZZTIME ?= 5s
VECTORS  := core/testdata/opencast-compat.json

.PHONY: all build demo test test-go test-wasm test-js vet fuzz vectors bench demo-media clean wasm bench-wasm

all: build

build:
	$(GO) build -o $(BIN) ./cmd/signet

# demo runs the server with a fresh demo key and user on 127.0.0.1:8080.
demo: build
	./$(BIN) serve

# test runs the unit and end-to-end tests, the conformance vectors through
# the CLI in every engine, the JavaScript and browser tests, and each fuzz
# target for FUZZTIME.
test: vet build test-go test-wasm test-js fuzz

test-go:
	$(GO) test -count=1 ./...
	./$(BIN) vectors $(VECTORS)

# test-wasm runs the vectors through the WebAssembly module, the command
# form on stdin, and the core's tests inside WebAssembly with the wazero
# CLI (installed into GOBIN from the Go module proxy when missing).
test-wasm: wasm build
	./$(BIN) vectors --engine wasm --module $(WASM) $(VECTORS)
	printf 'key\tk\tsecret\n\n/a\t10.0.0.1\t0\n' | $(WAZERO) run $(WASM_COMMAND) | grep -qx '401.unsigned'
	PATH="$(GOBIN_DIR):$$PATH" GOWASIRUNTIME=wazero GOOS=wasip1 GOARCH=wasm \
		$(GO) test -count=1 -exec "$$($(GO) env GOROOT)/lib/wasm/go_wasip1_wasm_exec" ./core/...

WASM         := bin/signet.wasm
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

# test-js runs the JavaScript client's tests and the browser tests.
test-js:

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

# demo-media remakes the embedded sample videos with Debian's ffmpeg.
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

clean:
	rm -rf bin
