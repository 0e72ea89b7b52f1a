"""kr-apiserver's answers over raw HTTP, against the Kubernetes API conventions: Status error
bodies and codes, status subresource, generateName, discovery, watch framing (in-stream 410,
timeoutSeconds, end at server stop) and the state file across a restart. Plain-HTTP mode.
"""
import http.client
import json
import os
import sys
import time
import urllib.request

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from apiserver_harness import ApiServer, binary_from_argv, require  # noqa: E402

PODS = "/api/v1/namespaces/default/pods"


def pod(name, **extra):
    obj = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
           "spec": {"containers": [{"name": "c", "image": "img"}]}}
    obj.update(extra)
    return obj


def expect_status(answer, code, reason):
    status, body = answer
    require(status == code, "HTTP %d, want %d: %r" % (status, code, body))
    require(body["kind"] == "Status" and body["apiVersion"] == "v1", "not a Status: %r" % body)
    require(body["status"] == "Failure" and body["code"] == code, "Status fields: %r" % body)
    require(body.get("reason") == reason, "reason %r, want %r" % (body.get("reason"), reason))
    require(body.get("message"), "no message")
    return body


def watch_lines(server, path, timeout=30):
    """Reads a watch response to its end; returns (HTTP status, events, seconds taken)."""
    start = time.monotonic()
    with urllib.request.urlopen(server.url + path, timeout=timeout) as resp:
        events = [json.loads(line) for line in resp if line.strip()]
        return resp.status, events, time.monotonic() - start


def check_errors(server):
    expect_status(server.request("POST", PODS, "{not json"), 400, "BadRequest")
    expect_status(server.request("POST", PODS, dict(pod("x"), apiVersion="apps/v1")), 400,
                  "BadRequest")
    expect_status(server.request("POST", PODS, dict(pod("x"), kind="Service")), 400,
                  "BadRequest")
    body = expect_status(server.request("POST", PODS, {"apiVersion": "v1", "kind": "Pod",
                                                       "metadata": {}}), 422, "Invalid")
    causes = body["details"]["causes"]
    require(causes[0]["field"] == "metadata.name" and
            causes[0]["reason"] == "FieldValueRequired", "causes: %r" % causes)
    body = expect_status(server.request("POST", PODS, pod("Bad_Name")), 422, "Invalid")
    require(body["details"]["name"] == "Bad_Name" and body["details"]["kind"] == "Pod",
            "details: %r" % body["details"])
    require(body["details"]["causes"][0]["reason"] == "FieldValueInvalid", "invalid cause")
    expect_status(server.request("POST", "/api/v1/namespaces/nowhere/pods", pod("x")), 404,
                  "NotFound")
    body = expect_status(server.request("GET", PODS + "/missing"), 404, "NotFound")
    require(body["details"] == {"name": "missing", "kind": "pods"}, "details %r" % body)
    body = expect_status(server.request("GET", "/apis/apps/v1/namespaces/default/deployments/m"),
                         404, "NotFound")
    require(body["details"]["group"] == "apps", "group in details: %r" % body["details"])

    status, created = server.request("POST", PODS, pod("p1"))
    require(status == 201, "create p1: %d" % status)
    expect_status(server.request("POST", PODS, pod("p1")), 409, "AlreadyExists")
    stale = json.loads(json.dumps(created))
    stale["metadata"]["labels"] = {"a": "b"}
    status, _ = server.request("PUT", PODS + "/p1", stale)
    require(status == 200, "update with the current resourceVersion: %d" % status)
    expect_status(server.request("PUT", PODS + "/p1", stale), 409, "Conflict")
    expect_status(server.request("PUT", PODS + "/p2", dict(pod("p1"))), 400, "BadRequest")
    expect_status(server.request("PUT", PODS + "/nothere", pod("nothere")), 404, "NotFound")
    expect_status(server.request("PATCH", PODS + "/p1", "{}",
                                 content_type="application/apply-patch+yaml"), 415,
                  "UnsupportedMediaType")
    expect_status(server.request("PATCH", PODS + "/p1", "{]",
                                 content_type="application/merge-patch+json"), 400, "BadRequest")
    expect_status(server.request("PATCH", PODS + "/p1",
                                 {"metadata": {"labels": {"bad key!": "x"}}},
                                 content_type="application/merge-patch+json"), 422, "Invalid")
    expect_status(server.request("POST", PODS + "/p1", pod("p1")), 405, "MethodNotAllowed")
    expect_status(server.request("GET", "/api/v1/widgets"), 404, "NotFound")
    expect_status(server.request("GET", PODS + "?labelSelector=a%20in%20b"), 400, "BadRequest")
    expect_status(server.request("GET", PODS + "?fieldSelector=spec.unknown%3Dx"), 400,
                  "BadRequest")
    body = expect_status(server.request("DELETE", PODS + "/p1", {
        "kind": "DeleteOptions", "apiVersion": "v1", "preconditions": {"uid": "not-the-uid"}}),
        409, "Conflict")
    status, gone = server.request("DELETE", PODS + "/p1")
    require(status == 200 and gone["status"] == "Success" and
            gone["details"]["uid"] == created["metadata"]["uid"], "delete answer %r" % gone)


def check_status_subresource(server):
    status, created = server.request("POST", PODS, pod("s1", status={"phase": "Pending"}))
    require(status == 201, "create s1")
    changed = json.loads(json.dumps(created))
    changed["status"] = {"phase": "Running", "podIP": "10.244.0.9"}
    changed["spec"]["nodeName"] = "node-a"
    status, main = server.request("PUT", PODS + "/s1", changed)
    require(status == 200 and main["status"] == {"phase": "Pending"} and
            main["spec"]["nodeName"] == "node-a", "main PUT must ignore status: %r" % main)
    changed["metadata"]["resourceVersion"] = main["metadata"]["resourceVersion"]
    changed["spec"]["nodeName"] = "ignored"
    status, sub = server.request("PUT", PODS + "/s1/status", changed)
    require(status == 200 and sub["status"]["podIP"] == "10.244.0.9" and
            sub["spec"]["nodeName"] == "node-a", "/status PUT must change only status: %r" % sub)
    status, patched = server.request("PATCH", PODS + "/s1/status",
                                     {"status": {"phase": "Succeeded"}},
                                     content_type="application/merge-patch+json")
    require(status == 200 and patched["status"]["phase"] == "Succeeded" and
            patched["status"]["podIP"] == "10.244.0.9", "/status merge patch: %r" % patched)
    status, node = server.request("POST", "/api/v1/nodes", {
        "apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-a"}})
    require(status == 201, "create node")
    status, node = server.request("PATCH", "/api/v1/nodes/node-a/status", {
        "status": {"addresses": [{"type": "InternalIP", "address": "192.0.2.10"}]}},
        content_type="application/strategic-merge-patch+json")
    require(status == 200 and node["status"]["addresses"][0]["address"] == "192.0.2.10",
            "node status patch: %r" % node)


def check_generate_name_and_discovery(server):
    status, made = server.request("POST", PODS, {"apiVersion": "v1", "kind": "Pod",
                                                 "metadata": {"generateName": "gen-"}})
    require(status == 201 and made["metadata"]["name"].startswith("gen-") and
            len(made["metadata"]["name"]) == 9, "generateName: %r" % made["metadata"])
    status, version = server.request("GET", "/version")
    require(status == 200 and version["major"] == "1", "/version %r" % version)
    status, core = server.request("GET", "/api")
    require(core["kind"] == "APIVersions" and core["versions"] == ["v1"], "/api %r" % core)
    status, groups = server.request("GET", "/apis")
    names = sorted(g["name"] for g in groups["groups"])
    require(names == ["apps", "discovery.k8s.io", "networking.k8s.io",
                      "rbac.authorization.k8s.io"], "/apis groups %r" % names)
    status, v1 = server.request("GET", "/api/v1")
    resources = {r["name"]: r for r in v1["resources"]}
    require(resources["pods"]["shortNames"] == ["po"] and resources["pods"]["namespaced"] and
            "watch" in resources["pods"]["verbs"] and "pods/status" in resources and
            not resources["nodes"]["namespaced"], "/api/v1 resources")


def check_watch_framing(server):
    status, listed = server.request("GET", PODS)
    rv = listed["metadata"]["resourceVersion"]
    # timeoutSeconds ends the watch; an established watch streams events as lines.
    server.request("POST", PODS, pod("w1"))
    status, events, took = watch_lines(server, PODS + "?watch=true&timeoutSeconds=1&"
                                       "resourceVersion=" + rv)
    require(status == 200 and [e["type"] for e in events] == ["ADDED"], "events %r" % events)
    require(events[0]["object"]["kind"] == "Pod" and events[0]["object"]["apiVersion"] == "v1",
            "watch objects carry kind and apiVersion")
    require(0.9 <= took < 10, "timeoutSeconds=1 watch took %.1f s" % took)
    # A watch without resourceVersion starts with the current objects as ADDED.
    status, events, _ = watch_lines(server, "/api/v1/namespaces?watch=1&timeoutSeconds=1")
    require({e["object"]["metadata"]["name"] for e in events} >=
            {"default", "kube-system"}, "initial ADDED events: %r" % events)


def check_compacted_watch(binary):
    with ApiServer(binary, "--history-size", "3", tls=False, token=None) as server:
        for i in range(6):
            server.request("POST", PODS, pod("c%d" % i))
        status, events, _ = watch_lines(server, PODS + "?watch=true&resourceVersion=1")
        require(status == 200, "a too-old watch is answered 200 then an ERROR event")
        require(len(events) == 1 and events[0]["type"] == "ERROR", "events %r" % events)
        error = events[0]["object"]
        require(error["kind"] == "Status" and error["code"] == 410 and
                error["reason"] == "Expired", "ERROR object %r" % error)


def check_watch_ends_at_stop(binary):
    server = ApiServer(binary, tls=False, token=None)
    try:
        resp = urllib.request.urlopen(server.url + PODS + "?watch=true", timeout=30)
        server.proc.terminate()
        start = time.monotonic()
        try:
            remaining = resp.read()  # returns once the server ends the chunked stream
        except http.client.IncompleteRead as cut:
            # Stopping between the headers and the first chunk closes the connection without
            # the last chunk; clients see the watch end either way, as with kube-apiserver.
            remaining = cut.partial
        took = time.monotonic() - start
        require(took < 10, "watch outlived the server by %.1f s" % took)
        require(remaining == b"", "unexpected events %r" % remaining)
        resp.close()
        require(server.proc.wait(timeout=30) == 0, "exit status after SIGTERM")
    finally:
        server.stop()


def check_state_file(binary, directory):
    state = os.path.join(directory, "state.json")
    with ApiServer(binary, "--state-file", state, tls=False, token=None) as server:
        status, created = server.request("POST", PODS, pod("kept"))
        require(status == 201, "create kept")
    require(os.path.exists(state), "state file not written at exit")
    with ApiServer(binary, "--state-file", state, tls=False, token=None) as server:
        status, loaded = server.request("GET", PODS + "/kept")
        require(status == 200 and loaded == created, "object after restart: %r" % loaded)
        status, other = server.request("POST", PODS, pod("later"))
        require(int(other["metadata"]["resourceVersion"]) >
                int(created["metadata"]["resourceVersion"]),
                "resourceVersion went backwards after restart")
    os.unlink(state)
    # Periodic saving: the file appears while the server runs (polled, with a deadline).
    with ApiServer(binary, "--state-file", state, "--save-interval", "1", tls=False,
                   token=None) as server:
        server.request("POST", PODS, pod("periodic"))
        deadline = time.monotonic() + 20
        saved = False
        while not saved and time.monotonic() < deadline:
            if os.path.exists(state):
                with open(state) as f:
                    saved = '"periodic"' in f.read()
            if not saved:
                time.sleep(0.1)
        require(saved, "state file not saved within 20 s at --save-interval=1")
    os.unlink(state)


def main():
    binary = binary_from_argv()
    with ApiServer(binary, tls=False, token=None) as server:
        try:
            check_errors(server)
            check_status_subresource(server)
            check_generate_name_and_discovery(server)
            check_watch_framing(server)
        except AssertionError:
            print(server.server_log()[-4000:], file=sys.stderr)
            raise
        check_compacted_watch(binary)
        check_watch_ends_at_stop(binary)
        check_state_file(binary, server.dir)
    print("api conventions test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
