#!/bin/sh
# Interlaced part of `make bench` (issue 27): the web ladder on a 10 s
# 1920x1080 25i source (H.264, interlaced coding, flagged top field first:
# deinterlaced with bwdif before the fan-out) against the same ladder on a
# progressive 1920x1080 25p source made the same way from the same picture
# (its detection finds it progressive: nothing is done); and detection's
# own cost on the progressive source: the `thumbnail` preset (ingest,
# detection and the thumbnail only) against a copy with deinterlace = "off".
# Alternating rounds; prints medians of wall and CPU time and the ratios.
#   sh scripts/bench-deinterlace.sh [BIN] [WORK] [ROUNDS]
set -eu
cd "$(dirname "$0")/.."
BIN=${1:-target/release/vidprism}
WORK=${2:-target/bench-deinterlace}
ROUNDS=${3:-5}
mkdir -p "$WORK/sources" "$WORK/config/presets"
I="$WORK/sources/src-1080i25-10s.mp4"
P="$WORK/sources/src-1080p25-10s.mp4"
# x264 veryfast CRF 18: the bench picture's bitrate near a camcorder's.
[ -s "$I" ] || ffmpeg -v error -y -f lavfi -i "testsrc2=s=1920x1080:r=50:d=10" -f lavfi -i "sine=f=440:d=10" \
  -vf "tinterlace=interleave_top,setfield=tff" -c:v libx264 -preset veryfast -crf 18 \
  -flags +ildct+ilme -field_order tt -c:a aac -b:a 128k -shortest "$I"
[ -s "$P" ] || ffmpeg -v error -y -f lavfi -i "testsrc2=s=1920x1080:r=25:d=10" -f lavfi -i "sine=f=440:d=10" \
  -c:v libx264 -preset veryfast -crf 18 -c:a aac -b:a 128k -shortest "$P"
cat >"$WORK/config/presets/thumb-off.toml" <<'TOML'
name = "thumb-off"
deinterlace = "off"
TOML

# run NAME PRESET SRC: appends "wall cpu" of one run to $WORK/NAME.times.
run() {
  out="$WORK/out-$1"
  rm -rf "$out"; mkdir -p "$out"
  VIDPRISM_CONFIG_DIR="$WORK/config" /usr/bin/time -f "%e %U %S" -o "$WORK/time.tmp" \
    "$BIN" process --preset "$2" --json -o "$out" "$3" >/dev/null 2>"$WORK/$1.stderr" \
    || { echo "bench-deinterlace: $1 failed:"; cat "$WORK/$1.stderr"; exit 1; }
  awk '{printf "%s %.2f\n", $1, $2 + $3}' "$WORK/time.tmp" >>"$WORK/$1.times"
}

rm -f "$WORK"/*.times
i=0
while [ $i -lt "$ROUNDS" ]; do
  run progressive web "$P"
  run interlaced web "$I"
  run detect thumbnail "$P"
  run no-detect thumb-off "$P"
  i=$((i + 1))
done

median() { # file column
  cut -d' ' -f"$2" "$1" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
ratio() { # name name column
  echo "$(median "$WORK/$1.times" "$3") / $(median "$WORK/$2.times" "$3")" | bc -l
}
echo
echo "10 s 1080 sources, median of $ROUNDS alternating rounds ($(nproc) cores)"
printf "%-12s %-10s %8s %8s\n" run preset wall_s cpu_s
for n in progressive interlaced detect no-detect; do
  printf "%-12s %-10s %8s %8s\n" "$n" "" "$(median "$WORK/$n.times" 1)" "$(median "$WORK/$n.times" 2)"
done
printf "web ladder, 1080i deinterlaced / 1080p: wall %.3f, CPU %.3f (target <= 1.15)\n" \
  "$(ratio interlaced progressive 1)" "$(ratio interlaced progressive 2)"
printf "thumbnail with detection / without, progressive source: wall %+.2f s, CPU %+.2f s\n" \
  "$(echo "$(median "$WORK/detect.times" 1) - $(median "$WORK/no-detect.times" 1)" | bc -l)" \
  "$(echo "$(median "$WORK/detect.times" 2) - $(median "$WORK/no-detect.times" 2)" | bc -l)"
