#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# xapi-cli against a spawned simulator: list, call, password handling.
import json
import os
import subprocess
import sys
import tempfile
import threading
import urllib.request

cli, sim_path = sys.argv[1], sys.argv[2]
PASSWORD = 'secret-do-not-print'

sim = subprocess.Popen([sim_path, '--scenario', 'demo', '--no-tls', '--port', '0',
                        '--password', PASSWORD],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
failures = 0
n = 0


def check(cond, name, detail=''):
    global failures, n
    n += 1
    print(('ok %d %s' if cond else 'not ok %d %s') % (n, name))
    if not cond:
        failures += 1
        for line in str(detail).splitlines():
            print('# ' + line)


try:
    url = control = None
    for line in sim.stdout:
        if line.startswith('READY '):
            url = line.split()[1]
        elif line.startswith('CONTROL '):
            control = line.split()[1]
            break
    assert url and control, 'simulator did not start'

    def run(*args, env=None, pwfile=None):
        e = dict(os.environ)
        e.update(env or {})
        return subprocess.run([cli, url, 'root', pwfile or '-p'] + list(args),
                              capture_output=True, text=True, timeout=60, env=e)

    env = {'XAPI_PASSWORD': PASSWORD}
    r = run('list', 'vm', 'name_label', 'power_state', 'is_a_template', env=env)
    rows = [l.split('\t') for l in r.stdout.splitlines()]
    vms = [row for row in rows if len(row) == 4 and row[3] == 'false']
    check(r.returncode == 0 and len(vms) >= 2 and all(row[0].startswith('OpaqueRef:') for row in vms)
          and all(json.loads(row[2]) in ('Running', 'Halted', 'Suspended', 'Paused') for row in vms),
          'list vm name_label power_state', r.stdout + r.stderr)
    names = {json.loads(row[1]) for row in vms}

    r = run('call', 'VM.get_all', env=env)
    refs = json.loads(r.stdout) if r.returncode == 0 else []
    check(r.returncode == 0 and isinstance(refs, list) and {row[0] for row in rows} <= set(refs),
          'call VM.get_all', r.stdout + r.stderr)

    if vms:
        r = run('call', 'VM.get_name_label', json.dumps(vms[0][0]), env=env)
        check(r.returncode == 0 and json.loads(r.stdout) in names, 'call with a JSON argument', r.stdout + r.stderr)

    r = run('call', 'VM.get_name_label', '"OpaqueRef:NULL"', env=env)
    check(r.returncode == 1 and 'HANDLE_INVALID' in r.stderr, 'call failing with an API error', r.stdout + r.stderr)

    with tempfile.NamedTemporaryFile('w', suffix='.pw', delete=False) as f:
        f.write(PASSWORD + '\n')
    try:
        r = run('list', 'host', 'name_label', pwfile=f.name)
        check(r.returncode == 0 and len(r.stdout.splitlines()) >= 1, 'password from a file', r.stdout + r.stderr)
    finally:
        os.unlink(f.name)

    r = run('list', 'vm', env={'XAPI_PASSWORD': 'wrong-password-xyz'})
    check(r.returncode != 0 and 'wrong-password-xyz' not in r.stdout + r.stderr, 'wrong password fails, not echoed',
          r.stdout + r.stderr)
    outputs = ''
    for args in (('list', 'vm'), ('call', 'session.get_all_subject_identifiers')):
        rr = run(*args, env=env)
        outputs += rr.stdout + rr.stderr
    check(PASSWORD not in outputs, 'password never printed')

    r = subprocess.run([cli, url, 'root', '-p', 'list', 'vm'], capture_output=True, text=True, timeout=30,
                       env={k: v for k, v in os.environ.items() if k != 'XAPI_PASSWORD'})
    check(r.returncode == 2 and 'XAPI_PASSWORD' in r.stderr, 'missing XAPI_PASSWORD', r.stderr)

    # watch: a change made by another client is printed as a mod line.
    if vms:
        e = dict(os.environ, XAPI_PASSWORD=PASSWORD)
        w = subprocess.Popen([cli, url, 'root', '-p', 'watch', 'vm'], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, env=e)
        lines = []
        timer = threading.Timer(30, w.kill)
        timer.start()
        try:
            for line in w.stdout:
                lines.append(line)
                if line.strip() == 'watching':
                    body = json.dumps({'class': 'VM', 'ref': vms[0][0], 'field': 'name_label',
                                       'value': 'renamed by test'}).encode()
                    urllib.request.urlopen(urllib.request.Request(control + '/mutate', data=body), timeout=10).read()
                elif line.startswith('mod\tVM\t%s\tname_label\t' % vms[0][0]):
                    break
            w.terminate()
            rest, _ = w.communicate(timeout=15)
        finally:
            timer.cancel()
        check(any(l.rstrip('\n') == 'mod\tVM\t%s\tname_label\t"renamed by test"' % vms[0][0] for l in lines)
              and w.returncode == 0 and 'del\t' not in rest, 'watch prints changes, exits cleanly on SIGTERM',
              ''.join(lines) + rest)
finally:
    sim.terminate()
    sim.wait(timeout=10)

print('1..%d' % n)
sys.exit(1 if failures else 0)
