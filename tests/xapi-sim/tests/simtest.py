# SPDX-License-Identifier: LGPL-2.1-or-later
"""Tiny harness for the xapi-sim tests: spawn the simulator, raw JSON-RPC
over http.client (TLS without verification), TAP output."""

import http.client
import json
import os
import select
import ssl
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse

SIM = os.environ.get("XAPI_SIM")


class Sim:
    def __init__(self, *args):
        if not SIM or not os.access(SIM, os.X_OK):
            raise RuntimeError("XAPI_SIM is not set")
        argv = [SIM, "--port", "0"] + list(args)
        self.err = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.err, text=True)
        self.members = {}
        self.url = None
        self.control = None
        deadline = time.monotonic() + 60
        while self.control is None:
            if time.monotonic() > deadline:
                raise RuntimeError("xapi-sim did not print CONTROL")
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("xapi-sim exited early (%s)" % self.proc.wait())
            parts = line.split()
            if parts[0] == "READY":
                self.url = parts[1]
            elif parts[0] == "MEMBER":
                self.members[parts[1]] = parts[2]
            elif parts[0] == "CONTROL":
                self.control = parts[1]
        self.conns = {}

    def stop(self):
        """SIGTERM; returns the exit status (0 when clean)."""
        for c in self.conns.values():
            c.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                rc = self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                rc = self.proc.wait()
        else:
            rc = self.proc.returncode
        self.err.seek(0)
        err = self.err.read()
        self.err.close()
        if err:
            sys.stderr.write(err)
        # LeakSanitizer's tracer cannot run in some sandboxes ("Tracer caught
        # signal 11" / "does not work under ptrace"): that is not a leak.
        if rc != 0 and "LeakSanitizer has encountered a fatal error" in err and "detected memory leaks" not in err \
                and "ERROR: AddressSanitizer" not in err and "runtime error" not in err:
            print("# LeakSanitizer could not run here; exit status %d ignored" % rc)
            rc = 0
        return rc

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    # ------------------------------------------------------------ HTTP
    def connect(self, url=None, timeout=60):
        u = urllib.parse.urlsplit(url or self.url)
        if u.scheme == "https":
            ctx = ssl._create_unverified_context()
            return http.client.HTTPSConnection(u.hostname, u.port, timeout=timeout, context=ctx)
        return http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)

    def post(self, body, url=None, path="/jsonrpc", headers=None, conn=None):
        """Returns (status, headers, body bytes)."""
        own = conn is None
        c = conn or self.connect(url)
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode()
        c.request("POST", path, body, h)
        r = c.getresponse()
        data = r.read()
        hdrs = r.getheaders()
        if own:
            c.close()
        return r.status, hdrs, data

    def rpc(self, method, *params, url=None, version=2, conn=None):
        """Returns the whole decoded response object."""
        req = {"method": method, "params": list(params), "id": 1}
        if version == 2:
            req = {"jsonrpc": "2.0", "method": method, "params": list(params), "id": 1}
        status, _, data = self.post(req, url=url, conn=conn)
        assert status == 200, (status, data[:300])
        return json.loads(data)

    def call(self, method, *params, url=None, conn=None):
        """Result, or raises XapiError."""
        r = self.rpc(method, *params, url=url, conn=conn)
        if "error" in r:
            raise XapiError([r["error"]["message"]] + r["error"]["data"])
        return r["result"]

    def login(self, user="root", pwd="pass"):
        return self.call("session.login_with_password", user, pwd, "2.21", "xapi-sim-tests")

    def ctl(self, path, body=None):
        u = urllib.parse.urlsplit(self.control)
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        if body is None:
            c.request("GET", path)
        else:
            c.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
        r = c.getresponse()
        data = r.read()
        c.close()
        return json.loads(data)

    def wait_task(self, session, task, timeout=30):
        """Block on event.from for the task until it leaves pending."""
        deadline = time.monotonic() + timeout
        token = ""
        while time.monotonic() < deadline:
            rec = self.call("task.get_record", session, task)
            if rec["status"] != "pending":
                return rec
            res = self.call("event.from", session, ["task/" + task], token, 5.0)
            token = res["token"]
        raise AssertionError("task %s still pending" % task)

    def by_name(self, session, cls, name):
        refs = self.call(cls + ".get_by_name_label", session, name)
        assert len(refs) >= 1, (cls, name)
        return refs[0]


class XapiError(Exception):
    def __init__(self, desc):
        super().__init__(desc)
        self.desc = desc


def expect_error(fn, code, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except XapiError as e:
        assert e.desc[0] == code, "expected %s, got %s" % (code, e.desc)
        return e.desc
    raise AssertionError("expected %s, call succeeded" % code)


def wait_for(cond, timeout=30, step=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(step)
    raise AssertionError("condition not met within %ss" % timeout)


def run(tests):
    """Run test functions, print TAP."""
    print("1..%d" % len(tests))
    failed = 0
    for i, t in enumerate(tests, 1):
        name = t.__name__
        try:
            t()
        except SkipTest as s:
            print("ok %d - %s # SKIP %s" % (i, name, s))
        except Exception:
            failed += 1
            print("not ok %d - %s" % (i, name))
            for line in traceback.format_exc().splitlines():
                print("# " + line)
        else:
            print("ok %d - %s" % (i, name))
        sys.stdout.flush()
    return 1 if failed else 0


class SkipTest(Exception):
    pass
