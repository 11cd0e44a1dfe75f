# The two commands of the README: `make run` and `make test`. Each first
# installs what is missing (scripts/setup.sh), then builds.

CARGO ?= cargo

.PHONY: setup run build test check bench screenshot clean

setup:
	@./scripts/setup.sh

build: setup
	$(CARGO) build --release

run: build
	$(CARGO) run --release -- $(ARGS)

# Formatting, lints as errors, then every unit and integration test.
test: setup
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets -- -D warnings
	$(CARGO) test

bench: setup
	./scripts/bench.sh

screenshot: setup
	./scripts/screenshot.sh

clean:
	$(CARGO) clean
