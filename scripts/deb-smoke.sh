#!/usr/bin/env bash
# Installs the .deb that `make deb` built and runs VidPrism from it, as a new
# user on Debian 12 would: `vidprism process` on a generated clip, the window
# on a virtual X screen (xvfb-run) with the clip queued, and the installed
# .desktop file through desktop-file-validate.
#
# Needs root (or sudo) and apt: it really installs the package. Settings,
# data, logs and outputs all go to a temp dir, never the user's.
# Env: DEB (default: the newest target/debian/*.deb), WINDOW_SECS (default 15).
set -euo pipefail

cd "$(dirname "$0")/.."
fail() { echo "deb-smoke: FAIL: $*" >&2; exit 1; }
step() { echo "deb-smoke: $*"; }

for tool in apt-get dpkg-deb readelf ffmpeg ffprobe xvfb-run desktop-file-validate; do
    command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/setup-packaging.sh)"
done
deb=${DEB:-$(ls -t target/debian/*.deb 2>/dev/null | head -n 1)}
[[ -n $deb && -f $deb ]] || fail "no .deb: run make deb"
secs=${WINDOW_SECS:-15}
SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO=sudo

step "package $(basename "$deb"), $(du -h "$deb" | cut -f1)"
depends=$(dpkg-deb -f "$deb" Depends)
step "Depends: $depends"
# Every FFmpeg library the binary links (NEEDED) must be a dependency.
for lib in $(dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/bin/vidprism >"${TMPDIR:-/tmp}/vidprism.smoke.bin" \
    && readelf -d "${TMPDIR:-/tmp}/vidprism.smoke.bin" | sed -n 's/.*NEEDED.*\[\(libav[a-z]*\|libsw[a-z]*\)\.so\.\([0-9]*\)\]/\1\2/p'); do
    [[ $depends == *"$lib"* ]] || fail "Depends lacks $lib"
    step "links $lib: declared"
done
rm -f "${TMPDIR:-/tmp}/vidprism.smoke.bin"

step "installing"
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --reinstall "$(realpath "$deb")" >/dev/null
for f in /usr/bin/vidprism /usr/share/applications/vidprism.desktop \
    /usr/share/metainfo/org.vidprism.VidPrism.metainfo.xml \
    /usr/share/icons/hicolor/{16x16,32x32,48x48,64x64,128x128,256x256}/apps/vidprism.png \
    /usr/share/icons/hicolor/scalable/apps/vidprism.svg; do
    [[ -f $f ]] || fail "$f is not installed"
done
step "installed: $(/usr/bin/vidprism --version), $(du -h /usr/bin/vidprism | cut -f1) binary"
desktop-file-validate /usr/share/applications/vidprism.desktop || fail "installed .desktop is invalid"
if command -v appstreamcli >/dev/null; then
    appstreamcli validate --no-net /usr/share/metainfo/org.vidprism.VidPrism.metainfo.xml >/dev/null \
        || fail "installed metainfo is invalid"
fi
step "desktop file and metainfo valid"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_CONFIG_HOME=$work/config XDG_DATA_HOME=$work/data XDG_CACHE_HOME=$work/cache
mkdir -p "$XDG_CONFIG_HOME/vidprism"
cat >"$XDG_CONFIG_HOME/vidprism/settings.json" <<JSON
{ "output_dir": "$work/window-out", "presets": ["web"], "transcode_jobs": 1 }
JSON
clip=$work/holiday.mp4
ffmpeg -v error -y -f lavfi -i "testsrc2=s=640x360:r=25:d=2" -f lavfi -i "sine=f=440:d=2" \
    -shortest -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac "$clip"

step "vidprism presets"
/usr/bin/vidprism presets >"$work/presets.txt" || fail "vidprism presets failed"
grep -q web "$work/presets.txt" || fail "no web preset listed"

step "vidprism process --json (web preset)"
rc=0
/usr/bin/vidprism process --json -o "$work/out" "$clip" >"$work/events.jsonl" 2>"$work/process.err" || rc=$?
[[ $rc -eq 0 ]] || { cat "$work/process.err" >&2; fail "vidprism process exited with $rc"; }
grep -q '"event":"job_done"' "$work/events.jsonl" || fail "no job_done event"
for f in 360p.mp4 thumbnail.jpg; do
    [[ -s $work/out/holiday/$f ]] || fail "no $work/out/holiday/$f"
done
dur=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$work/out/holiday/360p.mp4")
size=$(ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=p=0 \
    "$work/out/holiday/360p.mp4")
[[ $size == "640,360" ]] || fail "360p.mp4 is $size"
step "process: $(ls "$work/out/holiday" | tr '\n' ' ')(360p: ${size/,/x}, ${dur}s)"

step "window under xvfb-run for ${secs}s with the clip queued"
export BIN=/usr/bin/vidprism CLIP=$clip SECS=$secs WORK=$work
xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
    "$BIN" "$CLIP" >"$WORK/window.log" 2>&1 &
    pid=$!
    sleep "$SECS"
    if kill -0 "$pid" 2>/dev/null; then kill "$pid"; wait "$pid" 2>/dev/null; exit 0; fi
    wait "$pid"; echo "window exited early with $?" >&2; exit 1
' || { cat "$WORK/window.log" >&2 || true; fail "the window did not stay up"; }
step "window stayed up ${secs}s"
logs=$(ls "$XDG_DATA_HOME"/vidprism/logs/vidprism.*.log 2>/dev/null | head -n 1)
[[ -n $logs ]] || fail "the window wrote no log file in $XDG_DATA_HOME/vidprism/logs"
grep -q "window starting" "$logs" || fail "log lacks the start line"
if grep -q "job done" "$logs" && [[ -s $work/window-out/holiday/thumbnail.jpg ]]; then
    step "window processed the clip: $(ls "$work/window-out/holiday" | tr '\n' ' ')"
else
    step "note: the window had not finished the clip in ${secs}s (log: $(wc -l <"$logs") lines)"
fi
step "log file: $(basename "$logs"), $(grep -c . "$logs") lines"
echo "deb-smoke: PASS"
