# Thin wrapper for the README's commands. The real build is Meson + Ninja.
#   make run    install what is missing, build, start the whole demo platform
#   make test   install what is missing, build (normal + ASan/UBSan), run every test
#   make build  build build/broadcart
#   make fuzz   build the libFuzzer targets (clang, ASan+UBSan) and run each for FUZZ_SECONDS (60)

APT_PACKAGES = build-essential meson ninja-build pkg-config \
  libh2o-evloop-dev libwslay-dev libssl-dev zlib1g-dev libjansson-dev libsqlite3-dev sqlite3 libpq-dev \
  libsodium-dev libjwt-dev libcurl4-openssl-dev libhiredis-dev libcmocka-dev \
  nginx libnginx-mod-rtmp ffmpeg chromium curl ca-certificates \
  clang libclang-rt-14-dev llvm
# clang + libclang-rt-14-dev (libFuzzer and the sanitizer runtimes, only recommended by clang) build
# the fuzz targets; llvm provides llvm-symbolizer for readable sanitizer reports.

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps build build-asan build-fuzz web run test test-unit test-api test-e2e test-asan fuzz clean

all: build

# Installs Debian packages only when one is missing, then the npm lockfile.
deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@command -v npm >/dev/null || { $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; }
	@[ -d node_modules/hls.js ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund

web: deps
	@mkdir -p web/vendor && cp node_modules/hls.js/dist/hls.min.js web/vendor/hls.min.js

build: deps web
	@[ -f build/build.ninja ] || meson setup build --buildtype=debugoptimized
	ninja -C build

build-asan: deps
	@[ -f build-asan/build.ninja ] || meson setup build-asan --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false
	ninja -C build-asan

build-fuzz: deps
	@[ -f build-fuzz/build.ninja ] || CC=clang meson setup build-fuzz --buildtype=debugoptimized -Dfuzz=true \
	  -Db_sanitize=address,undefined -Db_lundef=false
	ninja -C build-fuzz

# Every fuzz target for FUZZ_SECONDS seconds each (default 60), one after another.
FUZZ_SECONDS ?= 60
fuzz: build-fuzz
	./scripts/fuzz.sh $(FUZZ_SECONDS)

run: build
	./scripts/run-demo.sh

test: build build-asan
	./scripts/test-all.sh

test-unit: build
	meson test -C build --print-errorlogs

test-api: build
	node --test --test-concurrency=1 tests/api/

test-e2e: build
	node --test --test-concurrency=1 tests/e2e/

test-asan: build-asan
	meson test -C build-asan --print-errorlogs
	BROADCART_BIN=build-asan/broadcart node --test --test-concurrency=1 tests/api/

clean:
	rm -rf build build-asan build-fuzz web/vendor
