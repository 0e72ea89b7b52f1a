"""Debian's python3-kubernetes against kr-apiserver: paged list, watch, bookmarks, and the
410 Expired answers after compaction (a watch from a compacted resourceVersion and an
expired continue token). Run with /usr/bin/python3, which sees the Debian package.
"""
import os
import sys
import threading

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from apiserver_harness import SKIP, ApiServer, binary_from_argv, require  # noqa: E402

try:
    from kubernetes import client, config, watch
    from kubernetes.client.rest import ApiException
except ImportError:
    client = None

NS = "default"
HISTORY = 20


def make_api(server):
    api_client = config.new_client_from_config(config_file=server.kubeconfig)
    return client.CoreV1Api(api_client)


def configmap(name, value="1"):
    return client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name, labels={"set": "py"}),
                              data={"v": value})


def check_paged_list(v1):
    for i in range(12):
        v1.create_namespaced_config_map(NS, configmap("page-%02d" % i))
    names, token, pages = [], None, 0
    first_rv = None
    while True:
        page = v1.list_namespaced_config_map(NS, limit=5, _continue=token,
                                             label_selector="set=py")
        pages += 1
        first_rv = first_rv or page.metadata.resource_version
        require(page.metadata.resource_version == first_rv, "pages from different snapshots")
        names += [item.metadata.name for item in page.items]
        token = page.metadata._continue
        if not token:
            break
    require(pages == 3, "12 items in pages of 5 should be 3 pages, got %d" % pages)
    require(names == ["page-%02d" % i for i in range(12)], "paged names: %r" % names)


def check_watch(v1):
    start_rv = v1.list_namespaced_config_map(NS).metadata.resource_version
    events = []
    ready = threading.Event()

    def run():
        w = watch.Watch()
        for event in w.stream(v1.list_namespaced_config_map, NS, resource_version=start_rv,
                              timeout_seconds=30, field_selector="metadata.name=watched"):
            events.append((event["type"], event["object"]))
            if event["type"] == "DELETED":
                w.stop()
        ready.set()

    thread = threading.Thread(target=run)
    thread.start()
    # The watch resumes from start_rv, so these writes reach it wherever it is.
    v1.create_namespaced_config_map(NS, configmap("watched"))
    v1.patch_namespaced_config_map("watched", NS, {"data": {"v": "2"}})
    v1.delete_namespaced_config_map("watched", NS)
    thread.join(timeout=60)
    require(not thread.is_alive(), "watch did not end after DELETED")
    kinds = [t for t, _ in events]
    require(kinds == ["ADDED", "MODIFIED", "DELETED"], "watch events: %r" % kinds)
    require(events[1][1].data == {"v": "2"}, "MODIFIED carries the new object")
    rvs = [int(o.metadata.resource_version) for _, o in events]
    require(rvs == sorted(rvs) and len(set(rvs)) == 3, "resourceVersions %r" % rvs)


def check_bookmarks(v1):
    rv = v1.list_namespaced_config_map(NS).metadata.resource_version
    w = watch.Watch()
    bookmarks = []
    for event in w.stream(v1.list_namespaced_config_map, NS, resource_version=rv,
                          allow_watch_bookmarks=True, timeout_seconds=3):
        if event["type"] == "BOOKMARK":
            bookmarks.append(event["raw_object"])
    require(bookmarks, "no BOOKMARK within 3 s at --bookmark-interval=1")
    meta = bookmarks[0]["metadata"]
    require(list(meta.keys()) == ["resourceVersion"], "bookmark metadata: %r" % meta)
    require(meta["resourceVersion"] == rv, "bookmark rv %s, want %s" % (meta["resourceVersion"], rv))
    # Without allowWatchBookmarks there are none.
    plain = [e["type"] for e in w.stream(v1.list_namespaced_config_map, NS, resource_version=rv,
                                         timeout_seconds=2)]
    require(plain == [], "events without bookmarks allowed: %r" % plain)


def check_expired(v1):
    old_rv = v1.list_namespaced_config_map(NS).metadata.resource_version
    first = v1.list_namespaced_config_map(NS, limit=2)
    require(first.metadata._continue, "expected a continue token")
    for i in range(HISTORY + 5):
        v1.create_namespaced_config_map(NS, configmap("churn-%02d" % i))

    w = watch.Watch()
    try:
        for event in w.stream(v1.list_namespaced_config_map, NS, resource_version=old_rv,
                              timeout_seconds=10):
            raise AssertionError("watch from a compacted rv delivered %s" % event["type"])
        raise AssertionError("watch from a compacted rv ended without an error")
    except ApiException as err:
        require(err.status == 410, "watch error status %r" % err.status)
        require("Expired" in err.reason, "watch error reason %r" % err.reason)

    try:
        v1.list_namespaced_config_map(NS, limit=2, _continue=first.metadata._continue)
        raise AssertionError("an expired continue token was accepted")
    except ApiException as err:
        require(err.status == 410, "continue error status %r" % err.status)
        require('"reason":"Expired"' in err.body.replace(" ", ""), "body %r" % err.body)


def main():
    binary = binary_from_argv()
    if client is None:
        print("python3-kubernetes is not installed: skipped")
        return SKIP
    with ApiServer(binary, "--history-size", str(HISTORY), "--bookmark-interval", "1") as server:
        try:
            v1 = make_api(server)
            namespaces = [ns.metadata.name for ns in v1.list_namespace().items]
            require("default" in namespaces and "kube-system" in namespaces,
                    "namespaces: %r" % namespaces)
            check_paged_list(v1)
            print("ok paged list")
            check_watch(v1)
            print("ok watch")
            check_bookmarks(v1)
            print("ok bookmarks")
            check_expired(v1)
            print("ok 410 after compaction")
        except (AssertionError, ApiException):
            print(server.server_log()[-4000:], file=sys.stderr)
            raise
    print("python client test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
