#!/bin/sh
# The README's "Size and start-up" table: the release binary's size and how
# long `vidprism --version` and `vidprism presets` take (median of ROUNDS
# runs, an empty config folder), beside `ffmpeg -version` in the same rounds
# (the dynamic loader bringing in FFmpeg's libraries is most of start-up).
set -eu
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-21}
cargo build --release --quiet
BIN=target/release/vidprism
CONFIG=$(mktemp -d)
trap 'rm -rf "$CONFIG"' EXIT

# ms CMD...: one run's wall time in milliseconds.
ms() {
  start=$(date +%s%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s%N)
  echo $(( (end - start) / 1000000 ))
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

: >"$CONFIG/version"; : >"$CONFIG/presets"; : >"$CONFIG/ffmpeg"
i=0
while [ $i -lt "$ROUNDS" ]; do
  VIDPRISM_CONFIG_DIR="$CONFIG" ms "$BIN" --version >>"$CONFIG/version"
  VIDPRISM_CONFIG_DIR="$CONFIG" ms "$BIN" presets >>"$CONFIG/presets"
  ms ffmpeg -version >>"$CONFIG/ffmpeg"
  i=$((i + 1))
done
bytes=$(stat -c %s "$BIN")
echo "binary: $bytes bytes ($(awk -v b="$bytes" 'BEGIN {printf "%.1f", b / 1048576}') MiB)"
echo "vidprism --version: $(median <"$CONFIG/version") ms (median of $ROUNDS)"
echo "vidprism presets:   $(median <"$CONFIG/presets") ms"
echo "ffmpeg -version:    $(median <"$CONFIG/ffmpeg") ms"
