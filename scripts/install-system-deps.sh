#!/usr/bin/env bash
# Debian packages the tests need: PostgreSQL (the sender's multi-instance
# store, tested against a throwaway cluster), Chromium and Firefox ESR (the real-browser
# tests; Playwright cannot download its own browsers here) and dbus-daemon (a private
# session bus on which the Chromium tests play the desktop's notification server). Needs root (or sudo).
set -euo pipefail
packages=(postgresql openssl chromium firefox-esr dbus-daemon)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
echo "installing Debian packages: ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
