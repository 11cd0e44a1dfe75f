#!/usr/bin/env bash
# Takes assets/screenshot.png: the window processing real clips under Xvfb.
#
# Generates three short clips with the ffmpeg CLI into a temp dir, starts
# the vidprism binary on a virtual X screen with the clips as arguments
# (settings, config and output all inside the temp dir, never the user's),
# waits for the thumbnails and progress bars, grabs the screen with
# ImageMagick's `import`, and stops the app.
#
# Env: VIDPRISM_BIN (default: target/release/vidprism, else target/debug),
#      SHOT_DELAY seconds to wait before the grab (default 6).
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD

for tool in ffmpeg xvfb-run import; do
    command -v "$tool" >/dev/null || { echo "screenshot: $tool is not installed" >&2; exit 1; }
done

bin=${VIDPRISM_BIN:-}
if [[ -z $bin ]]; then
    if [[ -x target/release/vidprism ]]; then
        bin=target/release/vidprism
    else
        cargo build --quiet
        bin=target/debug/vidprism
    fi
fi
bin=$(realpath "$bin")
delay=${SHOT_DELAY:-6}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "screenshot: making clips in $work"
clips=$work/clips
mkdir -p "$clips"
ffmpeg -v error -y -f lavfi -i "testsrc2=s=1280x720:r=25:d=30" \
    -f lavfi -i "sine=frequency=440:duration=30" -shortest \
    -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac "$clips/city-walk.mp4"
ffmpeg -v error -y -f lavfi -i "smptehdbars=s=1920x1080:r=30:d=20" \
    -c:v libx264 -preset ultrafast -pix_fmt yuv420p "$clips/color-bars.mp4"
ffmpeg -v error -y -f lavfi -i "testsrc=s=720x1280:r=30:d=15" \
    -c:v libx264 -preset ultrafast -pix_fmt yuv420p "$clips/portrait-clip.mov"

# Remembered settings for this run only: two presets, two jobs at once.
export XDG_CONFIG_HOME=$work/config XDG_DATA_HOME=$work/data XDG_CACHE_HOME=$work/cache
mkdir -p "$XDG_CONFIG_HOME/vidprism"
cat >"$XDG_CONFIG_HOME/vidprism/settings.json" <<JSON
{ "output_dir": "$work/VidPrism", "presets": ["web", "webm"], "transcode_jobs": 2 }
JSON

shot=$work/shot.png
# Runs inside the virtual display: start the app, wait, grab, stop it.
cat >"$work/inside.sh" <<'INSIDE'
#!/usr/bin/env bash
set -u
"$BIN" "$CLIPS"/city-walk.mp4 "$CLIPS"/color-bars.mp4 "$CLIPS"/portrait-clip.mov \
    >"$WORK/app.log" 2>&1 &
app=$!
sleep "$DELAY"
status=0
if kill -0 "$app" 2>/dev/null; then
    import -window root "$SHOT" || status=$?
else
    echo "screenshot: the app exited early" >&2
    status=1
fi
kill "$app" 2>/dev/null
wait "$app" 2>/dev/null
exit $status
INSIDE
chmod +x "$work/inside.sh"

echo "screenshot: running $bin under Xvfb"
# wgpu picks Vulkan (lavapipe) or GL (llvmpipe) on the virtual screen; the
# caller may force one with WGPU_BACKEND.
if ! BIN=$bin CLIPS=$clips WORK=$work SHOT=$shot DELAY=$delay \
    WINIT_UNIX_BACKEND=x11 WAYLAND_DISPLAY= \
    xvfb-run -a -s "-screen 0 1280x800x24" "$work/inside.sh"; then
    echo "screenshot: failed; app log:" >&2
    cat "$work/app.log" >&2 || true
    exit 1
fi

mkdir -p "$root/assets"
# Crop to the window (it opens at 1100x720 in the top-left corner).
import_out=$root/assets/screenshot.png
if command -v convert >/dev/null; then
    convert "$shot" -crop 1100x720+0+0 +repage "$import_out"
else
    cp "$shot" "$import_out"
fi
echo "screenshot: wrote $import_out"
