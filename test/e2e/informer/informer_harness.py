"""Runs kr-apiserver and kr-informer for an end-to-end test and watches the bus.

Everything runs on 127.0.0.1 with ephemeral ports and lives in one temporary directory. The
Cluster ends exactly the processes it started (by pid) and removes the directory, also when
a test fails (use it as a context manager).

Needs Debian's python3-zmq and python3-cbor2 (run with /usr/bin/python3).
"""
import json
import os
import re
import select
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "tools", "examples"))
import bus_consumer  # noqa: E402  (the consumer written from proto/SPEC.md)
import zmq  # noqa: E402

SKIP = 77
TOPICS = bus_consumer.TOPICS

# Where each kind lives in the API and which bus topic it feeds.
KINDS = {
    "namespaces": ("/api/v1", False, "namespaces"),
    "nodes": ("/api/v1", False, "nodes"),
    "pods": ("/api/v1", True, "pods"),
    "services": ("/api/v1", True, "services"),
    "endpointslices": ("/apis/discovery.k8s.io/v1", True, "endpoints"),
    "networkpolicies": ("/apis/networking.k8s.io/v1", True, "networkpolicies"),
}


class Failure(AssertionError):
    pass


def require(condition, message):
    if not condition:
        raise Failure(message)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout, what, step=None):
    """Polls predicate until it is true; `step` (e.g. a bus pump) runs between polls."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Failure("timed out after %ss waiting for %s" % (timeout, what))
        if step:
            step()
        else:
            time.sleep(0.05)


def collection_path(kind, namespace=None):
    prefix, namespaced, _ = KINDS[kind]
    if namespaced:
        return "%s/namespaces/%s/%s" % (prefix, namespace, kind)
    return "%s/%s" % (prefix, kind)


class ApiServer:
    """kr-apiserver; restartable on the same port (plain HTTP keeps the same URL and, with a
    state file, the same objects and continuing resourceVersions)."""

    def __init__(self, binary, workdir, tls=False, token=None, history_size=None,
                 state_file=False, extra=()):
        self.binary, self.workdir, self.tls, self.token = binary, workdir, tls, token
        self.args = []
        if tls:
            self.cert_dir = os.path.join(workdir, "certs")
            os.makedirs(self.cert_dir, exist_ok=True)
            self.kubeconfig = os.path.join(workdir, "kubeconfig")
            self.args += ["--cert-dir", self.cert_dir, "--write-kubeconfig", self.kubeconfig]
        else:
            self.args += ["--insecure-http"]
        if token:
            self.args += ["--token", token]
        if history_size:
            self.args += ["--history-size", str(history_size)]
        if state_file:
            self.args += ["--state-file", os.path.join(workdir, "apiserver-state.json"),
                          "--save-interval", "1"]
        self.args += list(extra)
        self.port = 0
        self.proc = None
        self.log = open(os.path.join(workdir, "apiserver.log"), "a")
        self.ssl_context = None
        self.start()

    def start(self):
        require(self.proc is None, "apiserver already running")
        args = [self.binary, "--port", str(self.port)] + self.args
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("kr-apiserver listening on "):
            self.stop()
            raise Failure("kr-apiserver did not start: %r" % line)
        self.url = line.split()[-1]
        self.port = int(self.url.rsplit(":", 1)[1])
        if self.tls:
            self.ssl_context = ssl.create_default_context(
                cafile=os.path.join(self.cert_dir, "ca.crt"))

    def stop(self, sig=signal.SIGTERM):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.proc = None

    def close(self):
        self.stop()
        self.log.close()

    def request(self, method, path, body=None, content_type="application/json"):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", content_type)
        if self.token:
            req.add_header("Authorization", "Bearer " + self.token)
        try:
            with urllib.request.urlopen(req, context=self.ssl_context, timeout=60) as resp:
                status, text = resp.status, resp.read().decode()
        except urllib.error.HTTPError as err:
            status, text = err.code, err.read().decode()
        return status, (json.loads(text) if text else None)

    def create(self, kind, obj):
        ns = obj["metadata"].get("namespace")
        status, body = self.request("POST", collection_path(kind, ns), obj)
        require(status == 201, "create %s %s: %s %s" % (kind, obj["metadata"]["name"], status,
                                                        body))
        return body

    def patch(self, kind, name, patch, namespace=None, subresource=""):
        path = collection_path(kind, namespace) + "/" + name + subresource
        status, body = self.request("PATCH", path, patch, "application/merge-patch+json")
        require(status == 200, "patch %s %s: %s %s" % (kind, name, status, body))
        return body

    def delete(self, kind, name, namespace=None):
        status, body = self.request("DELETE", collection_path(kind, namespace) + "/" + name)
        require(status == 200, "delete %s %s: %s %s" % (kind, name, status, body))

    def list(self, kind):
        prefix, namespaced, _ = KINDS[kind]
        status, body = self.request("GET", "%s/%s" % (prefix, kind))
        require(status == 200, "list %s: %s" % (kind, status))
        return body["items"]


class Informer:
    """kr-informer with its bus in workdir/bus and /metrics on an ephemeral health port."""

    def __init__(self, binary, workdir, connection_args, extra=()):
        workdir = tempfile.mkdtemp(prefix="informer-", dir=workdir)  # one per run
        self.bus_dir = os.path.join(workdir, "bus")
        os.makedirs(self.bus_dir)
        self.log_path = os.path.join(workdir, "informer.log")
        self.log = open(self.log_path, "a")
        self.health_port = free_port()
        args = [binary] + list(connection_args) + [
            "--bus-dir", self.bus_dir, "--health-port=%d" % self.health_port,
            "--metrics-port=0"] + list(extra)
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        wait_for(self._serving, 30, "kr-informer to serve /healthz")

    def _serving(self):
        require(self.proc.poll() is None, "kr-informer exited: %s\n%s" % (
            self.proc.returncode, self.log_text()))
        try:
            urllib.request.urlopen("http://127.0.0.1:%d/healthz" % self.health_port,
                                   timeout=5).close()
            return True
        except urllib.error.HTTPError:
            return True  # serving, maybe not healthy yet
        except OSError:
            return False

    def log_text(self):
        self.log.flush()
        with open(self.log_path) as f:
            return f.read()

    def metrics(self):
        """{(name, frozenset(labels)): value}"""
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % self.health_port,
                                    timeout=10) as resp:
            text = resp.read().decode()
        out = {}
        for line in text.splitlines():
            m = re.match(r'^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$', line)
            if not m:
                continue
            labels = frozenset(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
            out[(m.group(1), labels)] = float(m.group(3))
        return out

    def metric(self, name, kind=None):
        labels = frozenset([("kind", kind)]) if kind else frozenset()
        return self.metrics().get((name, labels), 0.0)

    def metric_sum(self, name):
        return sum(v for (n, _), v in self.metrics().items() if n == name)

    def in_sync(self):
        return self.metric("kr_informer_in_sync") == 1.0

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class BusWatcher:
    """A SPEC consumer's view of the bus, every change it saw in order, and a raw count of
    the DELETE deltas published on the wire."""

    def __init__(self, bus_dir):
        self.events = []  # (topic, "upsert"|"delete", key, value)
        self.consumer = bus_consumer.BusConsumer(
            "ipc://%s/updates.sock" % bus_dir, "ipc://%s/snapshot.sock" % bus_dir,
            on_upsert=lambda t, k, v: self.events.append((t, "upsert", k, v)),
            on_delete=lambda t, k: self.events.append((t, "delete", k, None)))
        self.raw = self.consumer.context.socket(zmq.SUB)
        self.raw.setsockopt(zmq.LINGER, 0)
        self.raw.setsockopt(zmq.SUBSCRIBE, b"")
        self.raw.connect("ipc://%s/updates.sock" % bus_dir)
        self.wire_deletes = []  # (topic, key) of every DELETE message
        self.wire_upserts = 0

    def pump(self, timeout=0.05):
        self.consumer.poll(timeout)
        while True:
            try:
                frames = self.raw.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                break
            for topic, mtype, key, _ in bus_consumer.wire_deltas(frames):
                if mtype == bus_consumer.DELETE:
                    self.wire_deletes.append((topic, key))
                else:
                    self.wire_upserts += 1

    def wait(self, predicate, timeout, what):
        return wait_for(predicate, timeout, what, step=self.pump)

    def view(self, topic):
        return self.consumer.state()[topic]

    def close(self):
        self.raw.close(0)
        if self.consumer.dealer is not None:
            self.consumer.dealer.close(0)
        self.consumer.sub.close(0)
        self.consumer.context.term()


class TcpProxy:
    """A TCP relay in front of the apiserver that a test can cut (drops every connection
    mid-stream and refuses new ones) and restore."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.pairs = []
        self.cut_now = False
        self.stopping = False
        self.bytes_relayed = 0
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.stopping:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                if self.cut_now or self.stopping:
                    client.close()
                    continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.pairs.append((client, upstream))
            threading.Thread(target=self._relay, args=(client, upstream), daemon=True).start()

    def _relay(self, a, b):
        peers = {a: b, b: a}
        try:
            while True:
                ready, _, _ = select.select([a, b], [], [], 0.2)
                if self.stopping:
                    break
                for s in ready:
                    data = s.recv(65536)
                    if not data:
                        raise OSError("closed")
                    peers[s].sendall(data)
                    self.bytes_relayed += len(data)
        except (OSError, ValueError):
            pass
        finally:
            for s in (a, b):
                try:
                    s.close()
                except OSError:
                    pass

    def cut(self):
        with self.lock:
            self.cut_now = True
            pairs, self.pairs = self.pairs, []
        for a, b in pairs:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        return len(pairs)

    def restore(self):
        with self.lock:
            self.cut_now = False

    def close(self):
        self.stopping = True
        self.cut()
        self.listener.close()


class Cluster:
    """An apiserver, an informer and a bus watcher in one temporary directory."""

    def __init__(self, apiserver_binary, informer_binary, tls=False, token=None,
                 history_size=None, state_file=False, proxy=False, informer_args=None,
                 start_informer=True):
        self.dir = tempfile.mkdtemp(prefix="kr-informer-e2e-")
        self.informer_binary = informer_binary
        self.api = self.informer = self.bus = self.proxy = None
        try:
            self.api = ApiServer(apiserver_binary, self.dir, tls=tls, token=token,
                                 history_size=history_size, state_file=state_file)
            if proxy:
                self.proxy = TcpProxy(self.api.port)
            if start_informer:
                self.start_informer(informer_args)
        except BaseException:
            self.close()
            raise

    def master_args(self):
        port = self.proxy.port if self.proxy else self.api.port
        return ["--master=http://127.0.0.1:%d" % port]

    def start_informer(self, args=None, extra=()):
        self.informer = Informer(self.informer_binary, self.dir,
                                 args if args is not None else self.master_args(), extra)
        self.bus = BusWatcher(self.informer.bus_dir)

    def wait_in_sync(self, timeout=60):
        self.bus.wait(lambda: self.informer.in_sync() and self.bus.consumer.in_sync, timeout,
                      "informer and bus in sync")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if exc[0] is not None and self.informer is not None:
            print("--- informer log (tail) ---\n" + self.informer.log_text()[-4000:],
                  file=sys.stderr)
        self.close()
        return False

    def close(self):
        for part in (self.bus, self.informer, self.proxy, self.api):
            if part is not None:
                try:
                    (part.close if hasattr(part, "close") and part is not self.informer
                     else part.stop)()
                except Exception as error:  # keep cleaning up
                    print("cleanup:", error, file=sys.stderr)
        if os.environ.get("KR_KEEP_TEST_DIR"):
            print("kept", self.dir, file=sys.stderr)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


# -- objects ---------------------------------------------------------------------------------

def namespace(name, labels=None):
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": name, "labels": labels or {}}}


def node(name, address, pod_cidr):
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
            "spec": {"podCIDR": pod_cidr, "podCIDRs": [pod_cidr]},
            "status": {"addresses": [{"type": "InternalIP", "address": address}]}}


def pod(ns, name, ip, node_name="node-a", labels=None, port=8080):
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"namespace": ns, "name": name, "labels": labels or {"app": name}},
            "spec": {"nodeName": node_name, "containers": [
                {"name": "c", "image": "example.test/app",
                 "ports": [{"name": "http", "containerPort": port, "protocol": "TCP"}]}]},
            "status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}]}}


def service(ns, name, port=80, target_port=8080):
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"namespace": ns, "name": name},
            "spec": {"selector": {"app": name},
                     "ports": [{"name": "http", "port": port, "targetPort": target_port,
                                "protocol": "TCP"}]}}


def endpoint_slice(ns, name, service_name, addresses, port=8080, ready=True):
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"namespace": ns, "name": name,
                         "labels": {"kubernetes.io/service-name": service_name}},
            "addressType": "IPv4",
            "endpoints": [{"addresses": [a], "conditions": {"ready": ready},
                           "nodeName": "node-a"} for a in addresses],
            "ports": [{"name": "http", "port": port, "protocol": "TCP"}]}


def network_policy(ns, name, cidr="192.0.2.0/24", port=80):
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"namespace": ns, "name": name},
            "spec": {"podSelector": {"matchLabels": {"app": "web"}},
                     "ingress": [{"from": [{"ipBlock": {"cidr": cidr}}],
                                  "ports": [{"protocol": "TCP", "port": port}]}]}}


def key_of(kind, obj):
    meta = obj["metadata"]
    if kind == "endpointslices":
        return "%s/%s" % (meta["namespace"], meta["labels"]["kubernetes.io/service-name"])
    if KINDS[kind][1]:
        return "%s/%s" % (meta["namespace"], meta["name"])
    return meta["name"]


def apiserver_keys(api):
    """The keys each bus topic should hold according to the apiserver's lists."""
    out = {}
    for kind, (_, _, topic) in KINDS.items():
        items = api.list(kind)  # a service with any slice has an endpoints object
        out[topic] = sorted(key_of(kind, i) for i in items)
    return out


def main_wrapper(test):
    """Runs test(KR_APISERVER, KR_INFORMER[, KR_BUS]) from argv; prints PASS/FAIL; exit 0/1."""
    if len(sys.argv) < 3:
        print("usage: %s KR_APISERVER KR_INFORMER [KR_BUS]" % sys.argv[0], file=sys.stderr)
        sys.exit(2)
    binaries = sys.argv[1:]
    for binary in binaries:
        if not os.access(binary, os.X_OK):
            print("not executable:", binary, file=sys.stderr)
            sys.exit(2)
    try:
        test(*binaries)
    except Failure as failure:
        print("FAIL:", failure, flush=True)
        sys.exit(1)
    print("PASS", flush=True)
    sys.exit(0)


# -- comparing the bus with the apiserver ------------------------------------------------------

def _pod_ips(pod_obj):
    status = pod_obj.get("status", {})
    ips = [p["ip"] for p in status.get("podIPs", [])]
    return ips or ([status["podIP"]] if status.get("podIP") else [])


def _policy_cidrs(rules, side):
    return [peer["ipBlock"]["cidr"] for rule in rules or [] for peer in rule.get(side) or []
            if "ipBlock" in peer]


def expected_from_apiserver(api):
    """What the bus should hold, reduced to a few fields per kind, from the apiserver's lists."""
    out = {topic: {} for topic in TOPICS}
    for o in api.list("namespaces"):
        out["namespaces"][key_of("namespaces", o)] = {"labels": o["metadata"].get("labels", {})}
    for o in api.list("nodes"):
        out["nodes"][key_of("nodes", o)] = {
            "addresses": sorted(a["address"] for a in o.get("status", {}).get("addresses", [])),
            "labels": o["metadata"].get("labels", {})}
    for o in api.list("pods"):
        out["pods"][key_of("pods", o)] = {
            "labels": o["metadata"].get("labels", {}), "ips": _pod_ips(o),
            "nodeName": o["spec"].get("nodeName", ""),
            "phase": o.get("status", {}).get("phase", "")}
    for o in api.list("services"):
        spec = o["spec"]
        out["services"][key_of("services", o)] = {
            "clusterIPs": spec.get("clusterIPs") or [spec["clusterIP"]],
            "ports": [(p["port"], p.get("protocol", "TCP")) for p in spec.get("ports", [])]}
    for o in api.list("endpointslices"):
        entry = out["endpoints"].setdefault(key_of("endpointslices", o), {"endpoints": []})
        entry["endpoints"] += [(a, e.get("conditions", {}).get("ready", True))
                               for e in o.get("endpoints") or [] for a in e["addresses"]]
    for entry in out["endpoints"].values():
        entry["endpoints"] = sorted(set(entry["endpoints"]))
    for o in api.list("networkpolicies"):
        out["networkpolicies"][key_of("networkpolicies", o)] = {
            "ingress": _policy_cidrs(o["spec"].get("ingress"), "from"),
            "egress": _policy_cidrs(o["spec"].get("egress"), "to")}
    return out


def reduce_bus(objects):
    """The same reduction applied to normalized bus objects {topic: {key: value}}."""
    out = {topic: {} for topic in TOPICS}
    for k, v in objects.get("namespaces", {}).items():
        out["namespaces"][k] = {"labels": v.get("labels", {})}
    for k, v in objects.get("nodes", {}).items():
        out["nodes"][k] = {"addresses": sorted(a["address"] for a in v.get("addresses", [])),
                           "labels": v.get("labels", {})}
    for k, v in objects.get("pods", {}).items():
        out["pods"][k] = {"labels": v.get("labels", {}), "ips": v.get("ips", []),
                          "nodeName": v.get("nodeName", ""), "phase": v.get("phase", "")}
    for k, v in objects.get("services", {}).items():
        out["services"][k] = {"clusterIPs": v.get("clusterIPs", []),
                              "ports": [(p["port"], p["protocol"]) for p in v.get("ports", [])]}
    for k, v in objects.get("endpoints", {}).items():
        out["endpoints"][k] = {"endpoints": sorted(set(
            (a, e["ready"]) for e in v.get("endpoints", []) for a in e["addresses"]))}
    for k, v in objects.get("networkpolicies", {}).items():
        out["networkpolicies"][k] = {"ingress": _policy_cidrs(v.get("ingress"), "from"),
                                     "egress": _policy_cidrs(v.get("egress"), "to")}
    return out


def bus_snapshot(kr_bus, bus_dir):
    """`kr-bus --bus-dir DIR snapshot --compact` parsed."""
    run = subprocess.run([kr_bus, "--bus-dir", bus_dir, "snapshot", "--compact"],
                         capture_output=True, text=True, timeout=30)
    require(run.returncode == 0, "kr-bus snapshot: %s" % run.stderr)
    return json.loads(run.stdout)


def differences(expected, got):
    """A short description of how two reduced states differ ("" when equal)."""
    lines = []
    for topic in TOPICS:
        e, g = expected.get(topic, {}), got.get(topic, {})
        for key in sorted(set(e) | set(g)):
            if e.get(key) != g.get(key):
                lines.append("%s %s: apiserver %s, bus %s" % (topic, key, e.get(key), g.get(key)))
    return "; ".join(lines[:10]) + (" ..." if len(lines) > 10 else "")
