# circles-actor — common tasks. `make test` is what CI runs.
GO       ?= go
BIN      := bin/circles-actor
SHARED   ?= ../shared
# A demo circle key for `make run` (public key of a throwaway private key; see README).
DEMO_PK  ?= 02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5
FUZZTIME ?= 60s

.PHONY: all build test test-short test-js web conformance difftest bench bench-go fuzz lint run vet clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/circles-actor

vet:
	$(GO) vet ./...

## test: vet, staticcheck, the whole suite with the race detector, and the Rhai conformance run.
test: vet lint
	$(GO) test -race -count=1 -timeout 30m ./...
	$(MAKE) test-js
	$(MAKE) conformance

test-short:
	$(GO) test -short -count=1 ./...

## test-js: the browser client's unit tests (node --test over the built module).
test-js:
	@if ! command -v node >/dev/null 2>&1; then echo "test-js: node is not installed, skipped"; \
	elif ! node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)'; then \
		echo "test-js: node $$(node --version) is older than 20, skipped"; \
	else node --test web/test/*.test.js; fi

## web: rebuild transport/web/static/circles-client.js from web/src with the
## locked esbuild (npm ci on first use); commit the result.
web:
	cd web && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && node build.mjs
	@wc -c transport/web/static/circles-client.js

## conformance: Rhai's own cases through `circles-actor eval --json` (needs ../shared).
conformance: build
	@if [ -f $(SHARED)/conformance/rhai-tests.jsonl ]; then \
		python3 $(SHARED)/conformance/run.py --cmd "$(BIN) eval --json" --min-pass-rate 0.95 $(SHARED)/conformance/rhai-tests.jsonl; \
	else echo "conformance: $(SHARED)/conformance not present, skipped"; fi

## difftest: 5,000 generated programs and the corpus against the reference Rhai (needs ../shared/rhai-ref).
difftest:
	go test -count=1 -run 'TestDifferential|TestCorpus' -v ./scripting/rhai/difftest -args -difftest.n=$${N:-5000}

## bench: interpreter vs gopher-lua, server vs a bare reference (separate module),
## Redis vs embedded, Redis state, replica waits and recovery passes, and the cost of per-circle state
## (memory, disk, 1M keys).
bench:
	cd bench && $(GO) run ./cmd/interpratio -runs 5
	cd bench && $(GO) run ./cmd/interpratio -runs 5 -set ordinary
	cd bench && $(GO) run ./cmd/serverbench
	$(GO) test -run '^$$' -bench 'RedisVsEmbedded|RedisStateRMW|RedisClusterMasters|MinReplicasWait|RecoveryPassesPerInterval' -timeout 20m ./scripting/redisq/ ./cmd/circles-actor/
	$(GO) test -run '^$$' -bench '^Benchmark(StateRMW|StateRMWParts|StateScaling)$$' -benchtime 5x -timeout 20m ./cmd/circles-actor/
	$(GO) test -run '^$$' -bench 'EngineStateRMW' ./scripting/
	cd bench && $(GO) test -v -run '^$$' -bench 'Stores' -benchtime 2x -timeout 20m ./statestore/ | grep -E '^Bench.*plays|bytes/key'

## bench-go: every Go benchmark of the bench module (about a minute).
bench-go:
	cd bench && $(GO) test -run '^$$' -bench . -timeout 30m ./...

## fuzz: every fuzz target for $(FUZZTIME) each (not part of CI). A target
## that fails with a bare "context deadline exceeded" and wrote no failing
## input hit Go's fuzz-coordinator race (golang/go#75804, fixed in Go 1.27)
## and is run again, up to twice; any other failure stops the loop.
fuzz:
	@for pkg in $$($(GO) list ./...); do \
		for t in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
			for try in 1 2 3; do \
				echo "== $$pkg $$t"; \
				out=$$($(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg 2>&1); rc=$$?; \
				echo "$$out" | tail -n 3; \
				[ $$rc -eq 0 ] && break; \
				if echo "$$out" | grep -q 'Failing input written to' || ! echo "$$out" | grep -q 'context deadline exceeded' || [ $$try -eq 3 ]; then \
					echo "$$out"; exit 1; \
				fi; \
				echo "(coordinator deadline race, no failing input: running $$t again)"; \
			done; \
		done; \
	done

## lint: staticcheck over the module (fetched through the module proxy, as the modules are).
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
lint:
	$(GO) run $(STATICCHECK) ./...

## run: the server on its embedded default with a demo circle.
run:
	$(GO) run ./cmd/circles-actor serve -k $(DEMO_PK)

clean:
	rm -rf bin
