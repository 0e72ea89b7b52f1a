"""The upstream API fixtures (every field filled) round-trip through create and get.

What the test changes before creating, because kube-apiserver would refuse the fixtures
as they are:
  - metadata.name "nameValue" -> "namevalue" and metadata.namespace "namespaceValue" ->
    "namespacevalue" (names must be lowercase DNS names); that namespace is created first;
  - metadata.resourceVersion is removed (it must not be set on create).
What the server sets and the comparison therefore ignores: uid, resourceVersion,
creationTimestamp, generation (types that track it), selfLink, deletionTimestamp,
deletionGracePeriodSeconds, metadata.namespace of cluster-scoped kinds, and the
kubernetes.io/metadata.name label of namespaces. Everything else must come back unchanged.
"""
import copy
import glob
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from apiserver_harness import SKIP, ApiServer, binary_from_argv, require  # noqa: E402

# kind -> (collection path template, namespaced)
COLLECTIONS = {
    "Namespace": ("/api/v1/namespaces", False),
    "Node": ("/api/v1/nodes", False),
    "Pod": ("/api/v1/namespaces/{ns}/pods", True),
    "Service": ("/api/v1/namespaces/{ns}/services", True),
    "Endpoints": ("/api/v1/namespaces/{ns}/endpoints", True),
    "EndpointSlice": ("/apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices", True),
    "NetworkPolicy": ("/apis/networking.k8s.io/v1/namespaces/{ns}/networkpolicies", True),
    "Deployment": ("/apis/apps/v1/namespaces/{ns}/deployments", True),
}
SERVER_SET = ["uid", "resourceVersion", "creationTimestamp", "generation", "selfLink",
              "deletionTimestamp", "deletionGracePeriodSeconds"]


def prepared(fixture):
    obj = copy.deepcopy(fixture)
    meta = obj["metadata"]
    meta["name"] = meta["name"].lower()
    meta["namespace"] = meta["namespace"].lower()
    del meta["resourceVersion"]
    return obj


def comparable(obj, namespaced):
    obj = copy.deepcopy(obj)
    meta = obj["metadata"]
    for field in SERVER_SET:
        meta.pop(field, None)
    if not namespaced:
        meta.pop("namespace", None)
    if obj["kind"] == "Namespace":
        meta.get("labels", {}).pop("kubernetes.io/metadata.name", None)
    return obj


def first_difference(a, b, path=""):
    if type(a) != type(b):
        return "%s: %r != %r" % (path or "/", a, b)
    if isinstance(a, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return "%s/%s: only in %s" % (path, key, "sent" if key in a else "stored")
            diff = first_difference(a[key], b[key], path + "/" + key)
            if diff:
                return diff
    elif isinstance(a, list):
        if len(a) != len(b):
            return "%s: %d items != %d" % (path, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            diff = first_difference(x, y, "%s[%d]" % (path, i))
            if diff:
                return diff
    elif a != b:
        return "%s: %r != %r" % (path, a, b)
    return None


def main():
    binary = binary_from_argv()
    fixture_dir = sys.argv[2] if len(sys.argv) > 2 else ""
    files = sorted(glob.glob(os.path.join(fixture_dir, "*.json")))
    if not files:
        print("no fixtures in %r: skipped" % fixture_dir)
        return SKIP
    with ApiServer(binary) as server:
        status, _ = server.request("POST", "/api/v1/namespaces",
                                   {"apiVersion": "v1", "kind": "Namespace",
                                    "metadata": {"name": "namespacevalue"}})
        require(status == 201, "creating namespace namespacevalue: %d" % status)
        checked = []
        for path in files:
            with open(path) as f:
                fixture = json.load(f)
            kind = fixture["kind"]
            require(kind in COLLECTIONS, "%s: no collection known for kind %s" % (path, kind))
            template, namespaced = COLLECTIONS[kind]
            sent = prepared(fixture)
            collection = template.format(ns=sent["metadata"]["namespace"])
            status, created = server.request("POST", collection, sent)
            require(status == 201, "%s: create answered %d %r" % (kind, status, created))
            status, stored = server.request("GET", collection + "/" + sent["metadata"]["name"])
            require(status == 200, "%s: get answered %d" % (kind, status))
            require(created == stored, "%s: create and get answers differ" % kind)
            for field in ("uid", "resourceVersion", "creationTimestamp"):
                require(stored["metadata"].get(field), "%s: no %s" % (kind, field))
            require(stored["metadata"]["uid"] != fixture["metadata"]["uid"],
                    "%s: the server must set its own uid" % kind)
            diff = first_difference(comparable(sent, namespaced), comparable(stored, namespaced))
            require(diff is None, "%s: stored object differs at %s" % (kind, diff))
            # Writing back what was read is no change: same resourceVersion, no new event.
            status, again = server.request("PUT", collection + "/" + sent["metadata"]["name"],
                                           stored)
            require(status == 200 and again == stored, "%s: PUT of the same object changed it"
                    % kind)
            checked.append(kind)
        print("round-tripped:", ", ".join(checked))
    return 0


if __name__ == "__main__":
    sys.exit(main())
