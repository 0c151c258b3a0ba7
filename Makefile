# Stratum: `make demo` runs the main job on the shipped example, `make test` runs the tests.
# Both install the Debian packages they need first (`make deps`).

SWIFT ?= swift
APT_PACKAGES := libyaml-dev libsqlite3-dev libhiredis-dev redis-server
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
STRATUM := .build/release/stratum

.PHONY: deps build debug test test-tsan demo lint bench clean

deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

build: deps
	$(SWIFT) build -c release --product stratum

debug: deps
	$(SWIFT) build

# Tests run against a real redis-server that scripts/with-redis.sh starts on a free loopback port.
test: deps
	scripts/with-redis.sh $(SWIFT) test

# The suites whose code shares memory between threads of its own (the pipelined engine's second
# thread, the run folder's writer threads), built with ThreadSanitizer in a build folder of their
# own. A full build takes about 9 minutes on 2 cores; not part of `make test`. (The live runner's
# suites are left out: its async streams trip a report inside the concurrency runtime's
# continuations, swiftlang/swift SR-15498, that is not in this code.)
TSAN_SUITES := Pipelined|BlockPush|QuietRun|BacktestCommandTests|FusedRunner
test-tsan: deps
	$(SWIFT) build --build-tests --sanitize=thread --scratch-path .build-tsan
	scripts/with-redis.sh $(SWIFT) test --skip-build --sanitize=thread --scratch-path .build-tsan --filter '$(TSAN_SUITES)'

demo: build
	$(STRATUM) lint strategies/*.yaml
	$(STRATUM) backtest strategies/sma_cross.yaml

lint: build
	$(STRATUM) lint strategies/*.yaml

clean:
	rm -rf .build .build-tsan runs
