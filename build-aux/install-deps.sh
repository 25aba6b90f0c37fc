#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Install what XenPools needs on Debian 12.  Idempotent: when everything is
# present it only runs dpkg-query (well under a second).
set -euo pipefail

PACKAGES=(
  # build
  pkg-config meson ninja-build gcc gettext python3
  libglib2.0-dev libglib2.0-dev-bin libgtk-4-dev libadwaita-1-dev libsoup-3.0-dev
  libjson-glib-dev libgvnc-1.0-dev libsecret-1-dev libzstd-dev
  # simulator
  libvncserver-dev openssl
  # data validation
  desktop-file-utils appstream
  # headless UI tests
  xvfb xauth x11-apps x11-utils imagemagick xdotool dbus-daemon dbus-x11 gnome-keyring libsecret-tools
  at-spi2-core python3-gi python3-dogtail python3-pyatspi gir1.2-gtk-4.0 gir1.2-atspi-2.0
  # sanitizers, fuzzing, valgrind
  clang libclang-rt-14-dev valgrind libc6-dbg
  # flatpak manifest checks
  flatpak-builder
  # console benchmark peer
  gvncviewer
  # conformance/benchmark peer (Xen Orchestra's xen-api client)
  nodejs
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

# nodejs may come from another source on some machines (a newer build is
# fine): only ask apt for it when no node binary exists at all.
if command -v node >/dev/null 2>&1; then
  filtered=()
  for p in "${missing[@]}"; do [ "$p" = nodejs ] || filtered+=("$p"); done
  missing=("${filtered[@]}")
  [ ${#missing[@]} -eq 0 ] && exit 0
fi

echo "Installing: ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
