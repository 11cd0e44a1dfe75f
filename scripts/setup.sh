#!/bin/sh
# Installs what building, running and testing VidPrism needs, and only what is missing.
# Debian/Ubuntu: apt (with sudo when not root). macOS: Homebrew. Safe to run again.
set -eu

DEB_PKGS="pkg-config libclang-dev libavcodec-dev libavformat-dev libavutil-dev libswscale-dev
libswresample-dev libavfilter-dev libavdevice-dev ffmpeg
xvfb xauth openbox xdotool mesa-vulkan-drivers libgl1-mesa-dri libegl-mesa0 libvulkan1 libxkbcommon-x11-0
libx11-xcb1 libxcursor1 libxi6 libxrandr2 imagemagick time bc
desktop-file-utils appstream nats-server openssl chromium"

if [ "$(uname)" = Darwin ]; then
  command -v brew >/dev/null || { echo "setup: install Homebrew first (https://brew.sh)" >&2; exit 1; }
  for p in pkg-config ffmpeg llvm nats-server; do brew list "$p" >/dev/null 2>&1 || brew install "$p"; done
  exit 0
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "setup: not a Debian/Ubuntu system; install FFmpeg development files, pkg-config and libclang yourself (see README)" >&2
  exit 0
fi

# rustfmt and clippy run in `make test`.
if command -v rustup >/dev/null 2>&1; then
  for c in rustfmt clippy; do
    rustup component list --installed 2>/dev/null | grep -q "^$c" || rustup component add "$c"
  done
fi

# The streaming bundle's browser test: hls.js, shaka-player and
# puppeteer-core (which drives Debian's chromium; never downloads one), at
# the versions of tests/player/package-lock.json.
player_modules() {
  if command -v npm >/dev/null 2>&1 && [ ! -d tests/player/node_modules/puppeteer-core ]; then
    echo "setup: npm ci in tests/player"
    (cd tests/player && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
  fi
}

missing=""
for p in $DEB_PKGS; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  case "$status" in *"ok installed"*) ;; *) missing="$missing $p" ;; esac
done
# Node from Debian unless one is already installed (another source's node
# ships its own npm, which Debian's npm package conflicts with).
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
if [ -z "$missing" ]; then
  player_modules
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "setup: installing$missing"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
player_modules
