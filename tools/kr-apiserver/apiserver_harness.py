"""Starts kr-apiserver for a test and talks to it (used by the *_test.py files here).

The server runs on 127.0.0.1 with an ephemeral port, its files (certificates, kubeconfig,
log) live in a temporary directory, and stop() ends exactly the process this started (by
its pid) and removes the directory.
"""
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

SKIP = 77


class ApiServer:
    def __init__(self, binary, *extra_args, tls=True, token="test-token"):
        self.dir = tempfile.mkdtemp(prefix="kr-apiserver-test-")
        self.kubeconfig = os.path.join(self.dir, "kubeconfig")
        self.token = token
        self.tls = tls
        args = [binary, "--port", "0", "--write-kubeconfig", self.kubeconfig]
        if tls:
            args += ["--cert-dir", self.dir]
        else:
            args += ["--insecure-http"]
        if token:
            args += ["--token", token]
        args += list(extra_args)
        self.log_path = os.path.join(self.dir, "server.log")
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self._log, text=True)
        # The server prints its URL once the socket is bound and listening.
        line = self.proc.stdout.readline().strip()
        if not line.startswith("kr-apiserver listening on "):
            self.stop()
            raise RuntimeError("kr-apiserver did not start: %r" % line)
        self.url = line.split()[-1]
        self.ssl_context = None
        if tls:
            self.ssl_context = ssl.create_default_context(cafile=os.path.join(self.dir, "ca.crt"))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()
        self._log.close()
        if os.environ.get("KR_KEEP_TEST_DIR"):
            print("kept", self.dir, file=sys.stderr)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    def server_log(self):
        with open(self.log_path) as f:
            return f.read()

    def request(self, method, path, body=None, content_type="application/json", token=None,
                raw=False):
        """Returns (status, parsed JSON body or raw text)."""
        data = None
        if body is not None:
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", content_type)
        use_token = self.token if token is None else token
        if use_token:
            req.add_header("Authorization", "Bearer " + use_token)
        try:
            with urllib.request.urlopen(req, context=self.ssl_context, timeout=60) as resp:
                status, text = resp.status, resp.read().decode()
        except urllib.error.HTTPError as err:
            status, text = err.code, err.read().decode()
        if raw:
            return status, text
        return status, json.loads(text) if text else None


def require(condition, message):
    if not condition:
        raise AssertionError(message)


def binary_from_argv():
    if len(sys.argv) < 2 or not os.access(sys.argv[1], os.X_OK):
        print("usage: %s <path to kr-apiserver>" % sys.argv[0], file=sys.stderr)
        sys.exit(2)
    return sys.argv[1]
