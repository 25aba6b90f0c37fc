#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Installs the build into a temporary DESTDIR and checks that a working app
# lands there: binary, desktop file, metainfo, icons, GSettings schema,
# translations, the simulator when -Dinstall_simulator=true, and that the
# installed `xenpools --help` runs.  TAP output; used by tests/data.
#
# usage: install-test.sh BUILD_DIR APP_ID PREFIX BINDIR DATADIR LIBEXECDIR LOCALEDIR INSTALL_SIMULATOR LINGUAS...
set -u

build_dir=$1 app_id=$2 prefix=$3 bindir=$4 datadir=$5 libexecdir=$6 localedir=$7 with_sim=$8
shift 8
linguas=$*

case $bindir in /*) ;; *) bindir=$prefix/$bindir ;; esac
case $datadir in /*) ;; *) datadir=$prefix/$datadir ;; esac
case $libexecdir in /*) ;; *) libexecdir=$prefix/$libexecdir ;; esac
case $localedir in /*) ;; *) localedir=$prefix/$localedir ;; esac

n=0 failed=0
ok () { n=$((n + 1)); echo "ok $n - $1"; }
not_ok () { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
skip () { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
check () { desc=$1; shift; if "$@" >/dev/null 2>&1; then ok "$desc"; else not_ok "$desc"; fi; }
finish () { echo "1..$n"; [ "$failed" -eq 0 ]; exit $?; }

root=$(mktemp -d "${TMPDIR:-/tmp}/xenpools-install.XXXXXX")
trap 'rm -rf "$root"' EXIT INT TERM

if DESTDIR=$root meson install -C "$build_dir" --no-rebuild --quiet >"$root.log" 2>&1; then
  ok "meson install into a DESTDIR"
  rm -f "$root.log"
else
  not_ok "meson install into a DESTDIR"
  sed 's/^/# /' "$root.log"; rm -f "$root.log"
  finish
fi

if [ -x "$root$bindir/xenpools" ]; then
  ok "binary installed: $bindir/xenpools"
  have_bin=1
else
  skip "binary installed: $bindir/xenpools" "the app is not built yet"
  have_bin=0
fi

desktop=$root$datadir/applications/$app_id.desktop
metainfo=$root$datadir/metainfo/$app_id.metainfo.xml
check "desktop file installed and valid" desktop-file-validate "$desktop"
check "metainfo installed and valid" appstreamcli validate --no-net "$metainfo"
check "desktop file names the icon" grep -qx "Icon=$app_id" "$desktop"
check "metainfo launchable matches the desktop file" grep -q "<launchable type=\"desktop-id\">$app_id.desktop</launchable>" "$metainfo"
check "scalable icon installed" test -s "$root$datadir/icons/hicolor/scalable/apps/$app_id.svg"
check "symbolic icon installed" test -s "$root$datadir/icons/hicolor/symbolic/apps/$app_id-symbolic.svg"

schemas=$root$datadir/glib-2.0/schemas
check "schema installed" test -s "$schemas/io.github.xenpools.XenPools.gschema.xml"
check "installed schema compiles" glib-compile-schemas --strict "$schemas"

for lang in $linguas; do
  check "$lang translation installed" test -s "$root$localedir/$lang/LC_MESSAGES/xenpools.mo"
  if [ -s "$root$localedir/$lang/LC_MESSAGES/xenpools.mo" ]; then
    check "$lang translation of the desktop file merged" grep -q "^Name\\[$lang\\]=\\|^Comment\\[$lang\\]=" "$desktop"
  fi
done

if [ "$with_sim" = true ]; then
  check "simulator installed in libexecdir/xenpools" test -x "$root$libexecdir/xenpools/xapi-sim"
else
  check "simulator not installed without -Dinstall_simulator" test ! -e "$root$libexecdir/xenpools/xapi-sim"
fi

if [ "$have_bin" = 1 ]; then
  out=$(GSETTINGS_SCHEMA_DIR=$schemas XDG_DATA_DIRS=$root$datadir:/usr/share \
        "$root$bindir/xenpools" --help 2>&1)
  rc=$?
  if [ $rc -eq 0 ] && printf '%s\n' "$out" | grep -q -- '--demo' && printf '%s\n' "$out" | grep -q -- '--connect'; then
    ok "installed xenpools --help runs and lists --demo and --connect"
  else
    not_ok "installed xenpools --help runs and lists --demo and --connect (exit $rc)"
    printf '%s\n' "$out" | sed 's/^/# /'
  fi
else
  skip "installed xenpools --help runs" "no binary"
fi

finish
