#!/usr/bin/python3
"""kr-informer initial sync benchmark (run by hand; see README.md).

Loads kr-apiserver with pods, services, EndpointSlices (100 endpoints each) and nodes, then
times, in the same run:
  reference: a plain paged list of the same objects (one keep-alive connection per kind, the
             kinds in parallel like the informer, same page size; bytes read, not parsed);
  informer:  kr-informer from process start to kr_informer_in_sync 1 on /metrics;
and prints both and their ratio, plus the informer's resident memory above its idle baseline
(an informer in sync with an empty apiserver) per pod.

usage: informer_bench.py KR_APISERVER KR_INFORMER [--state-file F] [--pods N] [--services N]
                         [--endpoints N] [--nodes N] [--page-size 500] [--loaders 6]
"""
import argparse
import http.client
import json
import multiprocessing
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

NAMESPACES = 50
KINDS = [("pods", "/api/v1/pods"), ("services", "/api/v1/services"),
         ("endpointslices", "/apis/discovery.k8s.io/v1/endpointslices"),
         ("nodes", "/api/v1/nodes"), ("namespaces", "/api/v1/namespaces"),
         ("networkpolicies", "/apis/networking.k8s.io/v1/networkpolicies")]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ip(i, base):
    return "%d.%d.%d.%d" % (base, (i >> 16) & 255, (i >> 8) & 255, i & 255)


# -- objects (shaped like a real cluster's, with the fields the informer keeps) --------------

def ns_name(i):
    return "bench-%02d" % (i % NAMESPACES)


def make_pod(i):
    node = "node-%05d" % (i % 5000)
    return ("/api/v1/namespaces/%s/pods" % ns_name(i), {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "pod-%07d" % i, "namespace": ns_name(i),
                     "labels": {"app": "app-%d" % (i % 10000), "tier": "backend",
                                "pod-template-hash": "7d9f8c6b5%d" % (i % 10)},
                     "annotations": {"kubectl.kubernetes.io/restartedAt": "2026-01-01T00:00:00Z"}},
        "spec": {"nodeName": node, "containers": [
            {"name": "app", "image": "registry.example.test/app:1.2.3",
             "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
             "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}]},
        "status": {"phase": "Running", "podIP": ip(i, 10), "podIPs": [{"ip": ip(i, 10)}],
                   "hostIP": ip(i % 5000, 172),
                   "conditions": [{"type": "Ready", "status": "True"}]}})


def make_service(i):
    return ("/api/v1/namespaces/%s/services" % ns_name(i), {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "svc-%05d" % i, "namespace": ns_name(i)},
        "spec": {"selector": {"app": "app-%d" % i},
                 "ports": [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}]}})


def make_slice(i):
    endpoints = [{"addresses": [ip(i * 100 + j, 10)], "conditions": {"ready": True},
                  "nodeName": "node-%05d" % ((i * 100 + j) % 5000),
                  "targetRef": {"kind": "Pod", "name": "pod-%07d" % (i * 100 + j)}}
                 for j in range(100)]
    return ("/apis/discovery.k8s.io/v1/namespaces/%s/endpointslices" % ns_name(i), {
        "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
        "metadata": {"name": "svc-%05d-abcde" % i, "namespace": ns_name(i),
                     "labels": {"kubernetes.io/service-name": "svc-%05d" % i}},
        "addressType": "IPv4", "endpoints": endpoints,
        "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]})


def make_node(i):
    name = "node-%05d" % i
    return ("/api/v1/nodes", {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name,
                                              "topology.kubernetes.io/zone": "zone-%d" % (i % 3)}},
        "spec": {"podCIDR": "10.%d.%d.0/24" % (100 + i // 256, i % 256)},
        "status": {"addresses": [{"type": "InternalIP", "address": ip(i, 172)},
                                 {"type": "Hostname", "address": name}]}})


MAKERS = {"pods": make_pod, "services": make_service, "endpointslices": make_slice,
          "nodes": make_node}


def load_worker(args):
    port, kind, indexes = args
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    made = 0
    for i in indexes:
        path, body = MAKERS[kind](i)
        conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        if response.status not in (201, 409):
            raise RuntimeError("POST %s: %d" % (path, response.status))
        made += response.status == 201
    conn.close()
    return made


# -- apiserver ---------------------------------------------------------------------------------

class ApiServer:
    def __init__(self, binary, workdir, state_file=None):
        args = [binary, "--insecure-http", "--port", "0", "--history-size", "1000"]
        if state_file:
            args += ["--state-file", state_file, "--save-interval", "100000"]
        self.log = open(os.path.join(workdir, "apiserver-%d.log" % time.monotonic_ns()), "w")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("kr-apiserver listening on "):
            self.stop()
            raise RuntimeError("kr-apiserver did not start: %r" % line)
        self.url = line.split()[-1]
        self.port = int(self.url.rsplit(":", 1)[1])

    def count(self, path):
        with urllib.request.urlopen(self.url + path + "?limit=1", timeout=120) as r:
            body = json.loads(r.read())
        return len(body["items"]) + body["metadata"].get("remainingItemCount", 0)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=300)
        self.proc.stdout.close()
        self.log.close()


def load(api, counts, loaders):
    for i in range(NAMESPACES):
        body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns_name(i)}}
        req = urllib.request.Request(api.url + "/api/v1/namespaces", json.dumps(body).encode(),
                                     {"Content-Type": "application/json"}, method="POST")
        try:
            urllib.request.urlopen(req, timeout=30).close()
        except urllib.error.HTTPError as error:
            if error.code != 409:
                raise
    with multiprocessing.Pool(loaders) as pool:
        for kind, path in KINDS[:4]:
            have = api.count(path)
            want = counts[kind]
            if have >= want:
                continue
            started = time.monotonic()
            chunks = [(api.port, kind, range(want)[w::loaders]) for w in range(loaders)]
            made = sum(pool.map(load_worker, chunks))
            print("loaded %d %s in %.1f s" % (made, kind, time.monotonic() - started),
                  flush=True)


# -- the reference: a plain paged list -----------------------------------------------------

CONTINUE = re.compile(rb'"continue":"([^"]*)"')


def paged_list(port, path, page_size, result, index):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    token, pages, size = "", 0, 0
    while True:
        query = "?limit=%d" % page_size + ("&continue=" + token if token else "")
        conn.request("GET", path + query)
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError("GET %s: %d" % (path, response.status))
        pages += 1
        size += len(body)
        # The list metadata comes first: look at the head only.
        match = CONTINUE.search(body, 0, 4096)
        token = match.group(1).decode() if match else ""
        if not token:
            break
    conn.close()
    result[index] = (pages, size)


def reference(port, page_size):
    result = [None] * len(KINDS)
    threads = [threading.Thread(target=paged_list, args=(port, path, page_size, result, i))
               for i, (_, path) in enumerate(KINDS)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    return elapsed, sum(p for p, _ in result), sum(s for _, s in result)


# -- the informer --------------------------------------------------------------------------

def metrics(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=30) as r:
        return r.read().decode()


def cpu_seconds(pid):
    """User + system CPU time of a process, all its threads, so far."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def run_informer(binary, api, workdir, page_size):
    """Returns (seconds from start to in sync, RSS KiB after settling, metrics text, informer
    CPU seconds to in sync, apiserver CPU seconds meanwhile)."""
    bus = tempfile.mkdtemp(prefix="bus-", dir=workdir)
    port = free_port()
    log = open(os.path.join(bus, "informer.log"), "w")
    started = time.monotonic()
    api_cpu = cpu_seconds(api.proc.pid)
    proc = subprocess.Popen([binary, "--master=" + api.url, "--bus-dir", bus,
                             "--health-port=%d" % port, "--metrics-port=0",
                             "--list-page-size=%d" % page_size], stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError("kr-informer exited %d" % proc.returncode)
            try:
                if re.search(r"^kr_informer_in_sync 1", metrics(port), re.M):
                    break
            except OSError:
                pass
            time.sleep(0.02)
        elapsed = time.monotonic() - started
        cpu = cpu_seconds(proc.pid)
        api_cpu = cpu_seconds(api.proc.pid) - api_cpu
        # Settle: the objects are published; let the allocator and threads go quiet.
        time.sleep(2)
        return elapsed, rss_kib(proc.pid), metrics(port), cpu, api_cpu
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        log.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("apiserver")
    parser.add_argument("informer")
    parser.add_argument("--state-file", help="kr-apiserver state, kept and reused between runs")
    parser.add_argument("--pods", type=int, default=150000)
    parser.add_argument("--services", type=int, default=10000)
    parser.add_argument("--endpoints", type=int, default=100000)
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--page-size", type=int, default=500)
    parser.add_argument("--loaders", type=int, default=6)
    args = parser.parse_args()
    counts = {"pods": args.pods, "services": args.services,
              "endpointslices": args.endpoints // 100, "nodes": args.nodes}

    workdir = tempfile.mkdtemp(prefix="kr-informer-bench-")
    apis = []
    try:
        # Idle baseline: an informer in sync with an empty apiserver.
        empty = ApiServer(args.apiserver, workdir)
        apis.append(empty)
        _, idle_kib, _, _, _ = run_informer(args.informer, empty, workdir, args.page_size)
        empty.stop()

        started = time.monotonic()
        api = ApiServer(args.apiserver, workdir, args.state_file)
        apis.append(api)
        print("apiserver up in %.1f s" % (time.monotonic() - started), flush=True)
        load(api, counts, args.loaders)
        have = {kind: api.count(path) for kind, path in KINDS}
        print("objects:", have, flush=True)

        ref_cpu = cpu_seconds(api.proc.pid)
        ref1, pages, size = reference(api.port, args.page_size)
        ref_cpu = cpu_seconds(api.proc.pid) - ref_cpu
        sync, loaded_kib, text, cpu, api_cpu = run_informer(args.informer, api, workdir,
                                                            args.page_size)
        ref2, _, _ = reference(api.port, args.page_size)
        ref = min(ref1, ref2)
        objects = dict(re.findall(r'^kr_informer_objects\{kind="(\w+)"\} (\S+)', text, re.M))
        rejected = sum(float(v) for v in re.findall(
            r'^kr_informer_rejected_objects_total\{[^}]*\} (\S+)', text, re.M))
        lists = dict(re.findall(r'^kr_informer_list_duration_seconds\{kind="(\w+)"\} (\S+)',
                                text, re.M))
        print("informer objects on the bus:", objects, "rejected:", rejected)
        print("informer list durations (s):", lists)
        print("reference paged list: %.2f s and %.2f s (%d pages, %.0f MB, page size %d)" % (
            ref1, ref2, pages, size / 1e6, args.page_size))
        print("informer start -> in sync: %.2f s" % sync)
        print("ratio informer / reference (best): %.2f  (targets: < 10 s, < 2x)" % (sync / ref))
        print("CPU: apiserver serving the reference %.2f s; informer to in sync %.2f s, "
              "apiserver serving it %.2f s; load average %s" % (
                  ref_cpu, cpu, api_cpu, " ".join(open("/proc/loadavg").read().split()[:3])))
        per_pod = (loaded_kib - idle_kib) * 1024.0 / max(1, have["pods"])
        print("informer RSS: idle %d KiB, in sync %d KiB; above idle per pod: %.0f bytes "
              "(all kinds' state charged to pods; target < 1024)" % (idle_kib, loaded_kib,
                                                                       per_pod))
    finally:
        for api in apis:
            if api.proc.poll() is None:
                api.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
