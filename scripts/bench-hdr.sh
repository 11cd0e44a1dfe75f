#!/bin/sh
# HDR part of `make bench` (issue 13): the web ladder (all H.264, so every
# rendition is tone-mapped) on a 10 s 1920x1080 30 fps HDR10 source
# (10-bit HEVC, PQ, BT.2020, mastering metadata) against the same ladder on
# the SDR bench clip of the same size (scripts/bench-sources.sh) and on an
# SDR clip made exactly like the HDR one (10-bit HEVC, same picture and
# encoder settings, BT.709 tags), so the HEVC 10-bit decode is on both
# sides and only the tone-mapping differs; in alternating rounds. Prints
# the median wall and CPU time of each and the ratios HDR/SDR (target
# <= 1.3).
#   sh scripts/bench-hdr.sh [BIN] [WORK] [ROUNDS]
# BIN defaults to target/release/vidprism (bench.sh builds it).
set -eu
cd "$(dirname "$0")/.."
BIN=${1:-target/release/vidprism}
WORK=${2:-target/bench}
ROUNDS=${3:-5}
mkdir -p "$WORK"
SRC_DIR=$(sh scripts/bench-sources.sh "$WORK/sources" | tail -1)
SDR="$SRC_DIR/src-1080p-10s.mp4"
# hevc10 OUT X265_PARAMS PRIMARIES TRANSFER MATRIX: the bench picture as a
# 10 s 1080p 10-bit HEVC clip with these colour tags, made once.
hevc10() {
  [ -s "$1" ] && return 0
  ffmpeg -v error -y -f lavfi -i "testsrc2=s=1920x1080:r=30:d=10" -f lavfi -i "sine=f=440:d=10" \
    -vf format=yuv420p10le -c:v libx265 -preset ultrafast -crf 23 \
    -x265-params "log-level=error:colorprim=$3:transfer=$4:colormatrix=$5${2:+:$2}" \
    -color_primaries "$3" -color_trc "$4" -colorspace "$5" \
    -c:a aac -b:a 128k -shortest "$1"
}
HDR="$SRC_DIR/src-1080p-10s-hdr10.mp4"
hevc10 "$HDR" "hdr10=1:master-display=G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,1):max-cll=1000,400" \
  bt2020 smpte2084 bt2020nc
SDR_HEVC="$SRC_DIR/src-1080p-10s-hevc10-sdr.mp4"
hevc10 "$SDR_HEVC" "" bt709 bt709 bt709

# run NAME SRC: appends "wall cpu" of one web-ladder run to $WORK/NAME.times.
run() {
  out="$WORK/out-$1"
  rm -rf "$out"; mkdir -p "$out"
  /usr/bin/time -f "%e %U %S" -o "$WORK/time.tmp" \
    "$BIN" process --preset web --json -o "$out" "$2" >/dev/null 2>"$WORK/$1.stderr" \
    || { echo "bench-hdr: $1 failed:"; cat "$WORK/$1.stderr"; exit 1; }
  awk '{printf "%s %.2f\n", $1, $2 + $3}' "$WORK/time.tmp" >>"$WORK/$1.times"
}

rm -f "$WORK/sdr.times" "$WORK/sdr-hevc.times" "$WORK/hdr.times"
i=0
while [ $i -lt "$ROUNDS" ]; do
  run sdr "$SDR"
  run sdr-hevc "$SDR_HEVC"
  run hdr "$HDR"
  i=$((i + 1))
done

median() { # file column
  cut -d' ' -f"$2" "$1" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
echo
echo "web ladder, 10 s 1080p: SDR (H.264 8-bit; HEVC 10-bit) against HDR10 (HEVC 10-bit, tone-mapped), median of $ROUNDS ($(nproc) cores)"
printf "%-9s %8s %8s\n" source wall_s cpu_s
for n in sdr sdr-hevc hdr; do
  printf "%-9s %8s %8s\n" "$n" "$(median "$WORK/$n.times" 1)" "$(median "$WORK/$n.times" 2)"
done
for n in sdr sdr-hevc; do
  printf "ratio HDR/%s: wall %.3f, CPU %.3f (target <= 1.30)\n" "$n" \
    "$(echo "$(median "$WORK/hdr.times" 1) / $(median "$WORK/$n.times" 1)" | bc -l)" \
    "$(echo "$(median "$WORK/hdr.times" 2) / $(median "$WORK/$n.times" 2)" | bc -l)"
done
