# Thin wrapper for the README's commands. The real build is Meson + Ninja.
#   make run          install what is missing, build, start the whole demo platform
#   make test         install what is missing, build (normal + ASan/UBSan), run every test
#   make test-cluster the cluster suite alone (PostgreSQL + Redis + two instances + nginx)
#   make build        build build/broadcart
#   make deb          build the Debian package into build-deb/ (DEB_DIR=...), checked by lintian
#   make env-example  regenerate deploy/broadcart.env.example from the settings table
#   make fuzz         build the libFuzzer targets (clang, ASan+UBSan) and run each for FUZZ_SECONDS (60)

# Debian 12 packages, by what needs them (each one is used; `make deps` installs the missing ones).
# build: compiler, Meson/Ninja and the libraries meson.build links
APT_BUILD = build-essential meson ninja-build pkg-config \
  libh2o-evloop-dev libwslay-dev libssl-dev libjansson-dev libsqlite3-dev libpq-dev \
  libsodium-dev libjwt-dev libcurl4-openssl-dev libcmocka-dev libhiredis-dev libutf8proc-dev libxml2-dev
# run and test: the nginx-rtmp ingest, the demo/test publisher, the browser tests, the demo
# script's health checks, TLS roots for npm and the payment gateway, openssl for the deploy
# test's certificates (and the install steps' callback token), PostgreSQL 15 for the API suite's
# second run (a private cluster per test process), the sqlite3 shell tests use to seed old rows,
# redis-server for the cluster room test and the cluster suite (tests/cluster: PostgreSQL + Redis +
# two instances behind this nginx), python3-aiosmtpd for the notification tests' loopback SMTP server,
# prometheus for promtool, which the metrics test parses GET /metrics with (promtool check metrics)
APT_RUN = nginx libnginx-mod-rtmp ffmpeg chromium curl ca-certificates openssl postgresql-15 sqlite3 redis-server \
  python3-aiosmtpd prometheus
# fuzz: clang + libclang-rt-14-dev (libFuzzer and the sanitizer runtimes, only recommended by
# clang) build the fuzz targets; llvm provides llvm-symbolizer for readable sanitizer reports
APT_FUZZ = clang libclang-rt-14-dev llvm
# deb: `make deb` builds the Debian package (dpkg-buildpackage under fakeroot, debhelper's dh with
# its meson build system) and checks it with lintian
APT_DEB = dpkg-dev debhelper fakeroot lintian
APT_PACKAGES = $(APT_BUILD) $(APT_RUN) $(APT_FUZZ) $(APT_DEB)

# Node 18.15 or newer runs the tests (Debian 12's own nodejs is 18.20); installed from Debian when missing.
NODE ?= node
NODE_TESTS = $(NODE) scripts/run-node-tests.mjs

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps build build-asan build-fuzz web run test test-unit test-api test-e2e test-cluster test-asan test-deb fuzz deb env-example clean

all: build

# Installs Debian packages only when one is missing (nodejs + npm too when there is no node), then
# the npm lockfile.
deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	command -v $(NODE) >/dev/null || missing="$$missing nodejs"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@$(NODE) -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 18 || (a === 18 && b >= 15) ? 0 : 1)' || \
	  { echo "Node $$($(NODE) --version) is too old: the tests need Node 18.15 or newer (Debian 12: apt-get install nodejs)"; exit 1; }
	@[ -d node_modules/hls.js ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund

web: deps
	@mkdir -p web/vendor && cp node_modules/hls.js/dist/hls.min.js web/vendor/hls.min.js && cp node_modules/redoc/bundles/redoc.standalone.js web/vendor/redoc.standalone.js && \
	  cp node_modules/uplot/dist/uPlot.iife.min.js web/vendor/uplot.min.js && cp node_modules/uplot/dist/uPlot.min.css web/vendor/uplot.min.css

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

test: build build-asan build-fuzz
	./scripts/test-all.sh

test-unit: build
	meson test -C build --print-errorlogs

test-api: build
	$(NODE_TESTS) tests/api/

test-e2e: build
	$(NODE_TESTS) tests/e2e/

# PostgreSQL 15 + Redis + two `broadcart serve` + nginx, all private and on loopback (tests/cluster)
test-cluster: build
	$(NODE_TESTS) tests/cluster/

test-asan: build-asan
	meson test -C build-asan --print-errorlogs
	BROADCART_BIN=build-asan/broadcart $(NODE_TESTS) tests/api/

# The Debian package (debian/): dpkg-buildpackage from a copy of the source tree in $(DEB_DIR)/src,
# so the build (debhelper's obj-* dir) never touches this tree and the .deb, .buildinfo and .changes
# land in $(DEB_DIR); then lintian, failing on any error or warning. Nothing is downloaded.
# DEB_BUILD_OPTIONS=nocheck skips the unit tests inside the package build.
DEB_DIR ?= build-deb
deb: web
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/src
	tar -c --exclude=./.git --exclude='./build*' --exclude=./node_modules --exclude=./var \
	  --exclude=./test-results --exclude='./obj-*' -f - . | tar -x -C $(DEB_DIR)/src
	cd $(DEB_DIR)/src && dpkg-buildpackage -us -uc -b
	lintian --fail-on error,warning $(DEB_DIR)/*.deb
	@ls $(DEB_DIR)/*.deb

# The package test (tests/package: make deb into a temporary directory, the layout, lintian).
test-deb: deps web
	$(NODE_TESTS) tests/package/

# The committed example is the output of `broadcart config --env`; tests/api/deploy.test.mjs checks it.
env-example: build
	./build/broadcart config --env > deploy/broadcart.env.example

clean:
	rm -rf build build-asan build-fuzz build-deb web/vendor
