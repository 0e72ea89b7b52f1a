"""The real kubectl (v1.32) against kr-apiserver, on every served kind.

For each kind: create -f, get (table and -o json), label, annotate, patch --type=merge,
delete, with `kubectl get -w -o json --output-watch-events` running meanwhile; the watch
must show exactly ADDED, MODIFIED x3, DELETED for the object. Any failing command fails
the test. Also checks short names, selectors and the 401 answer without credentials.
"""
import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from apiserver_harness import SKIP, ApiServer, binary_from_argv, require  # noqa: E402

NS = "kr-test"
EVENT_DEADLINE_SECONDS = 30

CONTAINER = {"name": "c", "image": "registry.example/app:1", "ports": [{"containerPort": 80}]}
POD_TEMPLATE = {"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [CONTAINER]}}

# plural -> (apiVersion, kind, namespaced, short name or None, body without metadata.name)
KINDS = {
    "namespaces": ("v1", "Namespace", False, "ns", {}),
    "nodes": ("v1", "Node", False, "no", {"spec": {"podCIDR": "10.244.1.0/24"}}),
    "pods": ("v1", "Pod", True, "po", {"spec": {"nodeName": "node-1", "containers": [CONTAINER]}}),
    "services": ("v1", "Service", True, "svc",
                 {"spec": {"selector": {"app": "x"}, "ports": [{"port": 80, "protocol": "TCP"}]}}),
    "endpoints": ("v1", "Endpoints", True, "ep",
                  {"subsets": [{"addresses": [{"ip": "10.244.1.5"}], "ports": [{"port": 80}]}]}),
    "serviceaccounts": ("v1", "ServiceAccount", True, "sa", {}),
    "configmaps": ("v1", "ConfigMap", True, "cm", {"data": {"key": "value"}}),
    "endpointslices": ("discovery.k8s.io/v1", "EndpointSlice", True, None,
                       {"addressType": "IPv4",
                        "endpoints": [{"addresses": ["10.244.1.5"], "conditions": {"ready": True}}],
                        "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}),
    "networkpolicies": ("networking.k8s.io/v1", "NetworkPolicy", True, "netpol",
                        {"spec": {"podSelector": {"matchLabels": {"app": "x"}},
                                  "policyTypes": ["Ingress"]}}),
    "deployments": ("apps/v1", "Deployment", True, "deploy",
                    {"spec": {"replicas": 1, "selector": {"matchLabels": {"app": "x"}},
                              "template": POD_TEMPLATE}}),
    "daemonsets": ("apps/v1", "DaemonSet", True, "ds",
                   {"spec": {"selector": {"matchLabels": {"app": "x"}}, "template": POD_TEMPLATE}}),
    "clusterroles": ("rbac.authorization.k8s.io/v1", "ClusterRole", False, None,
                     {"rules": [{"apiGroups": [""], "resources": ["pods"],
                                 "verbs": ["get", "list", "watch"]}]}),
    "clusterrolebindings": ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", False, None,
                            {"roleRef": {"apiGroup": "rbac.authorization.k8s.io",
                                         "kind": "ClusterRole", "name": "kr-reader"},
                             "subjects": [{"kind": "ServiceAccount", "name": "default",
                                           "namespace": "kr-test"}]}),
}


class Kubectl:
    def __init__(self, kubeconfig, cache_dir):
        self.base = ["kubectl", "--kubeconfig", kubeconfig, "--cache-dir", cache_dir]

    def run(self, *args, check=True):
        proc = subprocess.run(self.base + list(args), capture_output=True, text=True, timeout=60)
        if check and proc.returncode != 0:
            raise AssertionError("kubectl %s failed (%d): %s%s" % (
                " ".join(args), proc.returncode, proc.stdout, proc.stderr))
        return proc

    def json(self, *args):
        return json.loads(self.run(*args, "-o", "json").stdout)


class WatchStream:
    """`kubectl get -w -o json --output-watch-events`, decoded into events on a queue."""

    def __init__(self, kubectl, args):
        self.events = queue.Queue()
        self.proc = subprocess.Popen(kubectl.base + ["get"] + args + [
            "-w", "-o", "json", "--output-watch-events"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        decoder = json.JSONDecoder()
        buffer = ""
        for line in self.proc.stdout:
            buffer += line
            while True:
                stripped = buffer.lstrip()
                if not stripped:
                    buffer = ""
                    break
                try:
                    event, end = decoder.raw_decode(stripped)
                except json.JSONDecodeError:
                    break
                self.events.put(event)
                buffer = stripped[end:]
        self.events.put(None)

    def next_for(self, name, deadline):
        """The next event about `name` (others are skipped), or None at the deadline."""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                event = self.events.get(timeout=left)
            except queue.Empty:
                return None
            if event is None:
                raise AssertionError("watch ended early: " + self.proc.stderr.read())
            if event["object"]["metadata"]["name"] == name:
                return event

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
        self.proc.stdout.close()
        self.proc.stderr.close()


def manifest(plural, name):
    api_version, kind, namespaced, _, body = KINDS[plural]
    obj = {"apiVersion": api_version, "kind": kind, "metadata": {"name": name}}
    if namespaced:
        obj["metadata"]["namespace"] = NS
    obj.update(json.loads(json.dumps(body)))
    return obj


def write_manifest(directory, plural, name):
    path = os.path.join(directory, "%s-%s.json" % (plural, name))
    with open(path, "w") as f:
        json.dump(manifest(plural, name), f)
    return path


def scope(plural):
    return ["-n", NS] if KINDS[plural][2] else []


def exercise_kind(kubectl, workdir, plural):
    name = "kr-" + KINDS[plural][1].lower()
    sentinel = "kr-sentinel-" + KINDS[plural][1].lower()
    kubectl.run("create", "-f", write_manifest(workdir, plural, sentinel))
    watch = WatchStream(kubectl, [plural] + scope(plural))
    try:
        deadline = time.monotonic() + EVENT_DEADLINE_SECONDS
        # The sentinel in the watch's first list proves the list happened; everything after
        # it reaches the watch (it resumes from the list's resourceVersion).
        first = watch.next_for(sentinel, deadline)
        require(first is not None and first["type"] == "ADDED",
                "%s: watch did not list the sentinel: %r" % (plural, first))

        out = kubectl.run("create", "-f", write_manifest(workdir, plural, name)).stdout
        require("created" in out, "%s: create said %r" % (plural, out))
        table = kubectl.run("get", plural, *scope(plural)).stdout
        require(table.startswith("NAME") and name in table, "%s: table %r" % (plural, table))
        short = KINDS[plural][3]
        if short:
            require(name in kubectl.run("get", short, name, *scope(plural)).stdout,
                    "%s: short name %s" % (plural, short))
        got = kubectl.json("get", plural, name, *scope(plural))
        require(got["kind"] == KINDS[plural][1] and got["metadata"]["name"] == name,
                "%s: get -o json returned %r" % (plural, got))
        require(got["metadata"].get("uid") and got["metadata"].get("resourceVersion") and
                got["metadata"].get("creationTimestamp"), "%s: server metadata missing" % plural)

        kubectl.run("label", plural, name, "kr-label=one", *scope(plural))
        kubectl.run("annotate", plural, name, "kr-note=two", *scope(plural))
        kubectl.run("patch", plural, name, "--type=merge", "-p",
                    json.dumps({"metadata": {"labels": {"kr-patched": "yes"}}}), *scope(plural))
        got = kubectl.json("get", plural, name, *scope(plural))
        labels = got["metadata"].get("labels", {})
        require(labels.get("kr-label") == "one" and labels.get("kr-patched") == "yes",
                "%s: labels after label+patch: %r" % (plural, labels))
        require(got["metadata"].get("annotations", {}).get("kr-note") == "two",
                "%s: annotations: %r" % (plural, got["metadata"].get("annotations")))
        selected = kubectl.json("get", plural, "-l", "kr-label=one,kr-patched in (yes)",
                                *scope(plural))
        require([i["metadata"]["name"] for i in selected["items"]] == [name],
                "%s: label selector returned %r" % (plural, selected["items"]))
        by_name = kubectl.json("get", plural, "--field-selector", "metadata.name=" + name,
                               *scope(plural))
        require(len(by_name["items"]) == 1, "%s: field selector" % plural)

        out = kubectl.run("delete", plural, name, *scope(plural)).stdout
        require("deleted" in out, "%s: delete said %r" % (plural, out))
        gone = kubectl.run("get", plural, name, *scope(plural), check=False)
        require(gone.returncode != 0 and "NotFound" in gone.stderr,
                "%s: get after delete: %r" % (plural, gone.stderr))

        expected = ["ADDED", "MODIFIED", "MODIFIED", "MODIFIED", "DELETED"]
        seen = []
        last_rv = 0
        for want in expected:
            event = watch.next_for(name, deadline)
            require(event is not None, "%s: watch saw %r, then nothing (want %r)" % (
                plural, seen, expected))
            seen.append(event["type"])
            rv = int(event["object"]["metadata"]["resourceVersion"])
            require(rv > last_rv, "%s: resourceVersions not increasing" % plural)
            last_rv = rv
        require(seen == expected, "%s: watch saw %r, want %r" % (plural, seen, expected))
    finally:
        watch.stop()
    if plural != "namespaces":
        kubectl.run("delete", plural, sentinel, *scope(plural))


def main():
    binary = binary_from_argv()
    if shutil.which("kubectl") is None:
        print("kubectl not found: skipped")
        return SKIP
    with ApiServer(binary) as server:
        workdir = os.path.join(server.dir, "work")
        os.mkdir(workdir)
        kubectl = Kubectl(server.kubeconfig, os.path.join(server.dir, "cache"))
        try:
            # `kubectl create namespace` would send protobuf, which is not served; -f sends JSON.
            kubectl.run("create", "-f", write_manifest(workdir, "namespaces", NS))
            for plural in KINDS:
                exercise_kind(kubectl, workdir, plural)
                print("ok", plural)
            # With a wrong token: 401, which kubectl reports as not logged in.
            anonymous = subprocess.run(
                ["kubectl", "--server", server.url, "--insecure-skip-tls-verify",
                 "--token", "wrong-token", "--kubeconfig", os.devnull,
                 "--cache-dir", os.path.join(server.dir, "cache2"), "get", "pods"],
                capture_output=True, text=True, timeout=60)
            require(anonymous.returncode != 0 and "must be logged in" in anonymous.stderr,
                    "anonymous request was not refused: %r" % anonymous.stderr)
            # Server-side printing: kubectl shows the columns the server's Table defines.
            kubectl.run("create", "-f", write_manifest(workdir, "pods", "printed"))
            header = kubectl.run("get", "pods", "-n", NS).stdout.splitlines()[0].split()
            require(header == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
                    "pod table header %r" % header)
            kubectl.run("delete", "pod", "printed", "-n", NS)
            # The client-certificate user of the kubeconfig authenticates too.
            cert = kubectl.run("--context", "kr-apiserver-cert", "get", "namespaces").stdout
            require("kube-system" in cert, "client certificate context: %r" % cert)
            # A strategic merge patch (kubectl's default for built-in kinds).
            kubectl.run("create", "-f", write_manifest(workdir, "pods", "smp"))
            kubectl.run("patch", "pod", "smp", "-n", NS, "-p",
                        json.dumps({"spec": {"containers": [{"name": "c", "image": "new:2"}]}}))
            pod = kubectl.json("get", "pod", "smp", "-n", NS)
            require(pod["spec"]["containers"][0]["image"] == "new:2" and
                    pod["spec"]["containers"][0]["ports"] == [{"containerPort": 80}],
                    "strategic merge patch result: %r" % pod["spec"]["containers"])
            # kubectl scale goes through the deployments/scale subresource.
            kubectl.run("create", "-f", write_manifest(workdir, "deployments", "scaled"))
            kubectl.run("scale", "deployment", "scaled", "-n", NS, "--replicas=3")
            spec = kubectl.json("get", "deployment", "scaled", "-n", NS)["spec"]
            require(spec["replicas"] == 3, "replicas after kubectl scale: %r" % spec["replicas"])
            # Removing a label and overwriting an annotation (strategic merge patches with null).
            kubectl.run("label", "pod", "smp", "-n", NS, "app-")
            kubectl.run("annotate", "pod", "smp", "-n", NS, "note=a")
            kubectl.run("annotate", "pod", "smp", "-n", NS, "--overwrite", "note=b")
            meta = kubectl.json("get", "pod", "smp", "-n", NS)["metadata"]
            require("app" not in meta.get("labels", {}) and meta["annotations"]["note"] == "b",
                    "label removal / annotate --overwrite: %r" % meta)
            kubectl.run("delete", "namespace", NS)
            require(not kubectl.json("get", "pods", "-A")["items"], "namespace delete left pods")
        except AssertionError:
            print(server.server_log()[-4000:], file=sys.stderr)
            raise
    print("kubectl test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
