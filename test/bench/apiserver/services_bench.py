#!/usr/bin/python3
"""Service create cost on kr-apiserver as services accumulate (run by hand; see README.md).

Creates N Services (ClusterIP allocated by the server, every tenth a NodePort) over one
keep-alive connection and, as the same-run reference, N ConfigMaps (no allocation), and prints
the create rate of each block of 1,000 for both and their ratio. A create that scans every
stored service slows down block after block; an indexed one stays flat.

usage: services_bench.py KR_APISERVER [--count 10000]
"""
import argparse
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import time


def start(binary, workdir):
    log = open(os.path.join(workdir, "apiserver.log"), "w")
    proc = subprocess.Popen([binary, "--insecure-http", "--port", "0", "--history-size", "1000"],
                            stdout=subprocess.PIPE, stderr=log, text=True)
    line = proc.stdout.readline().strip()
    if not line.startswith("kr-apiserver listening on "):
        proc.kill()
        raise RuntimeError("kr-apiserver did not start: %r" % line)
    return proc, int(line.rsplit(":", 1)[1])


def create_blocks(port, path, make, count, block=1000):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    rates = []
    started = time.monotonic()
    for i in range(count):
        conn.request("POST", path, json.dumps(make(i)), {"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        if response.status != 201:
            raise RuntimeError("POST %s #%d: %d" % (path, i, response.status))
        if (i + 1) % block == 0:
            now = time.monotonic()
            rates.append(block / (now - started))
            started = now
    conn.close()
    return rates


def service(i):
    spec = {"ports": [{"port": 80, "targetPort": 8080}], "selector": {"app": "a%d" % i}}
    if i % 10 == 0:
        spec["type"] = "NodePort"
    return {"metadata": {"name": "svc-%05d" % i}, "spec": spec}


def config_map(i):
    return {"metadata": {"name": "cm-%05d" % i}, "data": {"app": "a%d" % i}}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("apiserver")
    parser.add_argument("--count", type=int, default=10000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kr-services-bench-") as workdir:
        proc, port = start(args.apiserver, workdir)
        try:
            count = min(args.count, 27000)  # NodePorts: every tenth of 2,768
            ours = create_blocks(port, "/api/v1/namespaces/default/services", service, count)
            ref = create_blocks(port, "/api/v1/namespaces/default/configmaps", config_map, count)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
            proc.stdout.close()
    print("block   services/s  configmaps/s (reference)  ratio")
    for n, (s, c) in enumerate(zip(ours, ref), 1):
        print("%5dk  %10.0f  %12.0f  %25.2f" % (n, s, c, c / s))
    print("services: first block %.0f/s, last block %.0f/s (flat when creates are O(log n))" %
          (ours[0], ours[-1]))


if __name__ == "__main__":
    sys.exit(main())
