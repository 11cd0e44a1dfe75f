# The two commands of the README: `make run` and `make test`. Each first
# installs what is missing (scripts/setup.sh), then builds.

CARGO ?= cargo

.PHONY: setup run build test check bench screenshot clean setup-packaging icons packaging-check deb deb-smoke

setup:
	@./scripts/setup.sh

build: setup
	$(CARGO) build --release

run: build
	$(CARGO) run --release -- $(ARGS)

# Formatting, lints as errors, then every unit and integration test. Nothing
# is skipped: setup installs chromium, node and tests/player's npm packages
# (the streaming bundle's browser test) and the packaging validators.
test: setup
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets -- -D warnings
	$(CARGO) test

bench: setup
	./scripts/bench.sh

screenshot: setup
	./scripts/screenshot.sh

# Packaging (issue 7). `make deb` builds target/debian/vidprism_<version>_<arch>.deb
# with cargo-deb; `make deb-smoke` installs it (root, Debian 12) and runs it.
setup-packaging: setup
	@./scripts/setup-packaging.sh

# Re-render packaging/icons/*.png from assets/icon.svg (the PNGs are committed).
icons: setup-packaging
	./scripts/icons.sh

packaging-check: setup-packaging
	desktop-file-validate packaging/vidprism.desktop
	appstreamcli validate --no-net packaging/org.vidprism.VidPrism.metainfo.xml

deb: packaging-check
	$(CARGO) deb

deb-smoke: deb
	./scripts/deb-smoke.sh

clean:
	$(CARGO) clean
