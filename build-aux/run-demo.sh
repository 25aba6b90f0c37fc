#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Install what is missing, build, and open XenPools on the simulator's demo
# pools (xenpools --demo starts them on loopback and trusts their
# certificates for this session only).
set -euo pipefail
cd "$(dirname "$0")/.."

bash build-aux/install-deps.sh
if [ ! -f build/build.ninja ]; then
  meson setup build >/dev/null
fi
ninja -C build

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "No display found: running XenPools under Xvfb (no window will be visible)." >&2
  echo "Run this from a desktop session to see it." >&2
  exec dbus-run-session -- xvfb-run -a -s "-screen 0 1440x900x24" build/src/xenpools --demo "$@"
fi
exec build/src/xenpools --demo "$@"
