#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Consistency checks of the data, translations and packaging (TAP output).

  check-data.py potfiles  SRCROOT
      every .c/.h/.ui under src/ and ui/ that marks strings for translation
      is listed in po/POTFILES.in; every listed file exists; the list is
      sorted.
  check-data.py shortcuts SRCROOT
      every accelerator the sources register with
      gtk_application_set_accels_for_action (the accel tables) is listed in
      ui/help-overlay.ui, and every listed accelerator parses.
  check-data.py manifest  MANIFEST APP_ID
      the Flatpak manifest has the app id, the GNOME runtime, the required
      finish-args and a gtk-vnc module built without Vala.
  check-data.py po        SRCROOT LANG
      po/LANG.po is complete (no untranslated or fuzzy messages, msgfmt
      --check passes); strings added to the sources since the last update
      are reported as a skipped test.

Standard library only: it runs at test time on the build machine.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

MARK_RE = re.compile(r'(?<![A-Za-z0-9_])(?:_|N_|C_|NC_|Q_|g_dngettext|ngettext)\s*\(')
UI_MARK_RE = re.compile(r'translatable="yes"')


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, desc, diag=None):
        self.n += 1
        if not cond:
            self.failed += 1
        print(('ok' if cond else 'not ok') + ' %d - %s' % (self.n, desc))
        if diag and not cond:
            for line in diag:
                print('# ' + line)

    def skip(self, desc, reason):
        self.n += 1
        print('ok %d - %s # SKIP %s' % (self.n, desc, reason))

    def done(self):
        print('1..%d' % self.n)
        return 1 if self.failed else 0


FORMAT_MACRO_IN_MARK_RE = re.compile(
    r'\b(?:N?C?_|ngettext)\s*\(\s*(?:"[^"]*"\s*,\s*)?"(?:[^"\\]|\\.)*"\s*G_G[A-Z0-9]*_(?:FORMAT|MODIFIER)')


def read_potfiles(srcroot):
    entries = []
    with open(os.path.join(srcroot, 'po', 'POTFILES.in'), encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith('#'):
                entries.append(line)
    return entries


def files_with_marks(srcroot):
    found = []
    for top in ('src', 'ui'):
        for dirpath, dirnames, filenames in os.walk(os.path.join(srcroot, top)):
            dirnames.sort()
            for name in sorted(filenames):
                if not name.endswith(('.c', '.h', '.ui')):
                    continue
                path = os.path.join(dirpath, name)
                with open(path, encoding='utf-8', errors='replace') as f:
                    text = f.read()
                regex = UI_MARK_RE if name.endswith('.ui') else MARK_RE
                if regex.search(text):
                    found.append(os.path.relpath(path, srcroot))
    return found


def check_potfiles(srcroot):
    tap = Tap()
    listed = read_potfiles(srcroot)
    marked = files_with_marks(srcroot)
    missing = [p for p in marked if p not in listed]
    tap.ok(not missing, 'every file with translatable strings is in po/POTFILES.in',
           ['missing: ' + p for p in missing])
    absent = [p for p in listed if not os.path.exists(os.path.join(srcroot, p))]
    tap.ok(not absent, 'every file in po/POTFILES.in exists',
           ['absent: ' + p for p in absent])
    tap.ok(listed == sorted(listed), 'po/POTFILES.in is sorted')
    tap.ok(len(set(listed)) == len(listed), 'po/POTFILES.in has no duplicates')
    # xgettext cuts a msgid at a format macro: "%" G_GINT64_FORMAT inside _()
    # leaves a string that can never be translated.
    cut = []
    for path in listed:
        full = os.path.join(srcroot, path)
        if path.endswith(('.c', '.h')) and os.path.exists(full):
            with open(full, encoding='utf-8', errors='replace') as f:
                for m in FORMAT_MACRO_IN_MARK_RE.finditer(f.read()):
                    cut.append('%s: %s' % (path, m.group(0)[:60]))
    tap.ok(not cut, 'no format macro (G_GINT64_FORMAT...) inside a translatable string', cut)
    return tap.done()


ACCEL_TABLE_RE = re.compile(
    r'\{\s*"((?:app|win|obj|wiz|console)\.[^"]+)"\s*,\s*\{?\s*"(<[^"]*>[^"]*|F\d+)"')
MOD_RE = re.compile(r'<([^>]+)>')
MOD_NAMES = {'primary': 'ctrl', 'control': 'ctrl', 'ctrl': 'ctrl', 'shift': 'shift',
             'alt': 'alt', 'super': 'super', 'meta': 'meta'}


def normalize_accel(accel):
    mods = sorted(MOD_NAMES.get(m.lower(), '?' + m.lower()) for m in MOD_RE.findall(accel))
    key = MOD_RE.sub('', accel).strip().lower()
    return '+'.join(mods + [key])


def check_shortcuts(srcroot):
    tap = Tap()
    registered = {}
    for top in ('src',):
        for dirpath, dirnames, filenames in os.walk(os.path.join(srcroot, top)):
            for name in filenames:
                if not name.endswith('.c'):
                    continue
                with open(os.path.join(dirpath, name), encoding='utf-8', errors='replace') as f:
                    text = f.read()
                if 'set_accels_for_action' not in text:
                    continue
                for action, accel in ACCEL_TABLE_RE.findall(text):
                    registered[normalize_accel(accel)] = action
    tap.ok(len(registered) > 0, 'the sources register accelerators')

    tree = ET.parse(os.path.join(srcroot, 'ui', 'help-overlay.ui'))
    listed = {}
    bad = []
    for obj in tree.iter('object'):
        if obj.get('class') != 'GtkShortcutsShortcut':
            continue
        title = accel = None
        for prop in obj.findall('property'):
            if prop.get('name') == 'title':
                title = prop.text
            elif prop.get('name') == 'accelerator':
                accel = prop.text
        if not title or not accel:
            bad.append('shortcut without title or accelerator: %r %r' % (title, accel))
            continue
        for alternative in accel.split():
            key = MOD_RE.sub('', alternative)
            # A modifier-only accelerator (<Primary><Alt>) is valid.
            if (not key and not MOD_RE.search(alternative)) or re.search(r'[<>]', key):
                bad.append('unparsable accelerator %r' % alternative)
            listed[normalize_accel(alternative)] = title
    tap.ok(not bad, 'every shortcut in ui/help-overlay.ui has a title and a key', bad)
    missing = ['%s (%s)' % (a, registered[a]) for a in sorted(registered) if a not in listed]
    tap.ok(not missing, 'every registered accelerator is in the shortcuts window',
           ['not listed: ' + m for m in missing])
    return tap.done()


REQUIRED_FINISH_ARGS = ['--share=network', '--socket=wayland', '--socket=fallback-x11',
                        '--device=dri', '--talk-name=org.freedesktop.secrets']


def check_manifest(path, app_id):
    tap = Tap()
    with open(path, encoding='utf-8') as f:
        manifest = json.load(f)
    tap.ok(manifest.get('id', manifest.get('app-id')) == app_id, 'app id is ' + app_id)
    tap.ok(manifest.get('runtime') == 'org.gnome.Platform' and manifest.get('sdk') == 'org.gnome.Sdk',
           'GNOME runtime and SDK')
    tap.ok(manifest.get('command') == 'xenpools', 'command is xenpools')
    args = manifest.get('finish-args', [])
    missing = [a for a in REQUIRED_FINISH_ARGS if a not in args]
    tap.ok(not missing, 'required finish-args', ['missing: ' + a for a in missing])
    tap.ok('--socket=x11' not in args, 'X11 only as a fallback')
    modules = {m.get('name'): m for m in manifest.get('modules', []) if isinstance(m, dict)}
    vnc = modules.get('gtk-vnc')
    tap.ok(vnc is not None and '-Dwith-vala=disabled' in vnc.get('config-opts', []),
           'gtk-vnc module built without Vala')
    tap.ok(vnc is not None and all('sha256' in s for s in vnc.get('sources', []) if s.get('type') == 'archive'),
           'gtk-vnc archive is pinned by sha256')
    app = modules.get('xenpools')
    tap.ok(app is not None and list(modules)[-1] == 'xenpools', 'xenpools is the last module')
    if app_id.endswith('.Devel'):
        tap.ok(app is not None and '-Dprofile=development' in app.get('config-opts', []),
               'the Devel manifest builds the development profile')
    return tap.done()


def msgfmt_statistics(po):
    res = subprocess.run(['msgfmt', '--check', '--statistics', '-o', os.devnull, po],
                         capture_output=True, text=True)
    return res.returncode, (res.stdout + res.stderr).strip()


def check_po(srcroot, lang):
    tap = Tap()
    po = os.path.join(srcroot, 'po', lang + '.po')
    with open(os.path.join(srcroot, 'po', 'LINGUAS'), encoding='utf-8') as f:
        linguas = f.read().split()
    tap.ok(lang in linguas, lang + ' is in po/LINGUAS')
    rc, stats = msgfmt_statistics(po)
    tap.ok(rc == 0, 'msgfmt --check accepts %s.po' % lang, stats.splitlines())
    complete = re.match(r'^\d+ translated messages?\.$', stats.splitlines()[-1] if stats else '')
    tap.ok(complete is not None, '%s.po has no untranslated or fuzzy messages (%s)' % (lang, stats),
           stats.splitlines())

    # Strings added to the sources since the translation was last updated.
    with tempfile.TemporaryDirectory() as tmp:
        pot = os.path.join(tmp, 'xenpools.pot')
        merged = os.path.join(tmp, lang + '.po')
        res = subprocess.run(['xgettext', '--package-name=xenpools', '--from-code=UTF-8',
                              '--add-comments', '--keyword=_', '--keyword=N_',
                              '--keyword=C_:1c,2', '--keyword=NC_:1c,2',
                              '--keyword=g_dngettext:2,3', '--keyword=ngettext:1,2',
                              '-D', srcroot, '-f', os.path.join(srcroot, 'po', 'POTFILES.in'),
                              '-o', pot], capture_output=True, text=True)
        if res.returncode != 0:
            tap.skip('%s.po covers the current sources' % lang, 'xgettext failed: ' + res.stderr.strip())
            return tap.done()
        subprocess.run(['msgmerge', '--quiet', '--no-fuzzy-matching', '-o', merged, po, pot], check=True)
        _, merged_stats = msgfmt_statistics(merged)
        if re.match(r'^\d+ translated messages?\.$', merged_stats):
            tap.ok(True, '%s.po covers the current sources' % lang)
        else:
            tap.skip('%s.po covers the current sources' % lang,
                     'new strings in the sources: %s (update with ninja xenpools-update-po)' % merged_stats)
    return tap.done()


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    cmd = argv[1]
    if cmd == 'potfiles':
        return check_potfiles(argv[2])
    if cmd == 'shortcuts':
        return check_shortcuts(argv[2])
    if cmd == 'manifest':
        return check_manifest(argv[2], argv[3])
    if cmd == 'po':
        return check_po(argv[2], argv[3])
    print('unknown check ' + cmd, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
