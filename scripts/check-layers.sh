#!/bin/sh
# The layers, as Cargo sees them (run by `make test`): the engine crate must
# not depend, even indirectly, on a UI toolkit, a command-line parser, an
# async runtime or a broker client; the farm crate on no UI toolkit or
# parser. Only the `vidprism` binary's package may have them.
#   scripts/check-layers.sh             checks this workspace
#   scripts/check-layers.sh --self-test shows the check failing on a crate
#                                        that depends on the engine and clap
set -eu
cd "$(dirname "$0")/.."

UI="egui eframe egui_extras egui-wgpu egui-winit winit rfd clap indicatif"
ASYNC="tokio async-nats futures-util"

# forbidden CRATE MANIFEST NAMES...: prints each of NAMES in CRATE's normal
# and build dependency tree (features of the whole workspace resolved as a
# build of CRATE alone would resolve them).
forbidden() {
  crate=$1 manifest=$2
  shift 2
  tree=$(cargo tree --offline --quiet --manifest-path "$manifest" -p "$crate" \
    -e normal,build --prefix none --format '{p}' 2>/dev/null | awk '{print $1}' | sort -u) || {
    echo "check-layers: cargo tree failed for $crate" >&2
    exit 2
  }
  for name in "$@"; do
    echo "$tree" | grep -qx "$name" && echo "$name"
  done
  return 0
}

# check CRATE MANIFEST NAMES...: fails naming what CRATE must not depend on.
check() {
  crate=$1
  found=$(forbidden "$@" | tr '\n' ' ')
  if [ -n "$found" ]; then
    echo "check-layers: $crate depends on $found(see: cargo tree -p $crate -i NAME)" >&2
    return 1
  fi
  echo "check-layers: $crate depends on none of its forbidden crates"
}

if [ "${1:-}" = --self-test ]; then
  dir=$(mktemp -d)
  trap 'rm -rf "$dir"' EXIT
  mkdir -p "$dir/src"
  : >"$dir/src/lib.rs"
  cat >"$dir/Cargo.toml" <<TOML
[package]
name = "layer-probe"
version = "0.0.0"
edition = "2021"

[dependencies]
vidprism-engine = { path = "$(pwd)/crates/vidprism-engine" }
clap = "4"

[workspace]
TOML
  cp Cargo.lock "$dir/"
  if check layer-probe "$dir/Cargo.toml" $UI $ASYNC 2>"$dir/said"; then
    echo "check-layers: self-test FAILED: a crate depending on clap passed" >&2
    exit 1
  fi
  grep -q "depends on clap" "$dir/said" || { cat "$dir/said" >&2; exit 1; }
  echo "check-layers: self-test passed (a crate with clap is refused: $(cat "$dir/said"))"
  exit 0
fi

check vidprism-engine Cargo.toml $UI $ASYNC
check vidprism-farm Cargo.toml $UI
