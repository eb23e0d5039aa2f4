#!/usr/bin/env bash
# Installs the Debian packages sscard needs that are missing (sscardd:
# libwebsockets; its browser tests: Debian's chromium and chromedriver,
# selenium, a CJK font for the kiosk screenshots, ss from iproute2); a no-op (and
# no network) when everything is there. Used by both README commands.
set -euo pipefail

packages=(
  meson ninja-build pkg-config gcc clang libclang-rt-14-dev
  libpcsclite-dev pcscd libssl-dev libjson-c-dev libcmocka-dev
  vsmartcard-vpcd pcsc-tools opensc util-linux python3 valgrind
  scdoc man-db groff-base bash-completion
  libwebsockets-dev chromium chromium-driver python3-selenium fonts-wqy-microhei iproute2
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "sscard: installing missing Debian packages: ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "sscard: need root or sudo to install ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# Installing pcscd may start the system's pcscd; our tests use a private one
# in their own mount namespace and never touch it.
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
