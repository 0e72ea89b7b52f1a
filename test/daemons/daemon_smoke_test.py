#!/usr/bin/python3
"""Each daemon binary starts, answers /healthz and /metrics over HTTP, and stops cleanly on
SIGTERM; --help, --version and a bad flag behave as kube-router users expect.

usage: daemon_smoke_test.py NAME=BINARY ...
"""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

FAILURES = []


def check(condition, what):
    if not condition:
        FAILURES.append(what)
        print("FAIL:", what, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def wait_until_serving(url, process, deadline):
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            get(url)
            return True
        except OSError:
            time.sleep(0.05)
    return False


def check_command_line(name, binary):
    version = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30)
    check(version.returncode == 0 and "kr-" + name in version.stdout,
          f"{name} --version: {version.returncode} {version.stdout!r}")
    usage = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=30)
    check(usage.returncode == 0 and "--health-port" in usage.stdout and "--bus-dir" in usage.stdout,
          f"{name} --help lists the common flags")
    bad = subprocess.run([binary, "--no-such-flag"], capture_output=True, text=True, timeout=30)
    check(bad.returncode == 2 and "unknown flag: --no-such-flag" in bad.stderr,
          f"{name} rejects an unknown flag: {bad.returncode} {bad.stderr!r}")
    malformed = subprocess.run([binary, "--health-port=seventy"], capture_output=True, text=True,
                               timeout=30)
    check(malformed.returncode == 2 and "--health-port" in malformed.stderr,
          f"{name} rejects a malformed value: {malformed.stderr!r}")


def check_serving(name, binary, bus_dir):
    health_port, metrics_port = free_port(), free_port()
    process = subprocess.Popen(
        [binary, f"--health-port={health_port}", f"--metrics-port={metrics_port}",
         "--metrics-addr=127.0.0.1", f"--bus-dir={bus_dir}", "-v=2"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{health_port}"
        serving = wait_until_serving(base + "/healthz", process, time.monotonic() + 30)
        check(serving, f"{name} serves /healthz on {health_port}")
        if not serving:
            return
        status, body = get(base + "/healthz")
        check(status == 200 and body.strip() == "ok", f"{name} /healthz: {status} {body!r}")
        for port in (health_port, metrics_port):
            status, body = get(f"http://127.0.0.1:{port}/metrics")
            check(status == 200, f"{name} /metrics on {port}: {status}")
            check(f'kr_build_info{{daemon="{name}"' in body, f"{name} /metrics has kr_build_info")
            check("process_start_time_seconds" in body, f"{name} /metrics has process metrics")
        status, _ = get(base + "/nothing-here")
        check(status == 404, f"{name} unknown path: {status}")
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait()
        output = process.stdout.read()
        check(code == 0, f"{name} exits 0 on SIGTERM (got {code}); output:\n{output}")
        check("stopping" in output, f"{name} logs its shutdown")


def main():
    daemons = [arg.split("=", 1) for arg in sys.argv[1:]]
    with tempfile.TemporaryDirectory(prefix="kr-daemon-smoke-") as bus_dir:
        for name, binary in daemons:
            check_command_line(name, binary)
            check_serving(name, binary, bus_dir)
    print(f"{len(daemons)} daemons checked, {len(FAILURES)} failures")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
