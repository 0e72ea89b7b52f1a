#!/usr/bin/python3
"""A corpus of bad objects stored through kr-apiserver (it validates only names and labels):
each one is rejected alone (counted per kind, logged with its namespace/name) and every good
object around it is published; fixing a bad object publishes it.

usage: bad_input_test.py KR_APISERVER KR_INFORMER
"""
import informer_harness as h
from informer_harness import require

NS = "corpus"


def bad_pod(name, spec_patch=None, status_patch=None):
    p = h.pod(NS, name, "10.244.4.9")
    p["spec"].update(spec_patch or {})
    p["status"].update(status_patch or {})
    return p


def bad_service(name, **spec):
    s = h.service(NS, name)
    s["spec"].update(spec)
    return s


def bad_policy(name, ingress):
    p = h.network_policy(NS, name)
    p["spec"]["ingress"] = ingress
    return p


def corpus():
    """(kind, object) pairs the informer must reject."""
    c = [
        ("pods", bad_pod("bad-ip", status_patch={"podIP": "10.244.1", "podIPs": [
            {"ip": "10.244.1"}]})),
        ("pods", bad_pod("bad-ipv6", status_patch={"podIP": "fd00::zz", "podIPs": [
            {"ip": "fd00::zz"}]})),
        ("pods", bad_pod("bad-protocol", {"containers": [{"name": "c", "ports": [
            {"containerPort": 80, "protocol": "GRE"}]}]})),
        ("pods", bad_pod("bad-port", {"containers": [{"name": "c", "ports": [
            {"containerPort": 70000}]}]})),
        ("pods", bad_pod("bad-type", {"hostNetwork": "yes"})),
        ("services", bad_service("bad-port", ports=[{"port": 70000, "protocol": "TCP"}])),
        ("services", bad_service("bad-protocol", ports=[{"port": 80, "protocol": "ICMP"}])),
        ("services", bad_service("bad-type", ports=[{"port": "eighty"}])),
        ("services", bad_service("bad-external-ip", externalIPs=["300.1.1.1"])),
        ("services", bad_service("bad-kind", type="Magic")),
        ("networkpolicies", bad_policy("bad-cidr", [{"from": [
            {"ipBlock": {"cidr": "10.0.0.0/40"}}]}])),
        ("networkpolicies", bad_policy("bad-protocol", [{"ports": [{"protocol": "ICMP"}]}])),
        ("networkpolicies", bad_policy("bad-port", [{"ports": [{"port": 65536}]}])),
        ("networkpolicies", bad_policy("bad-type", "everything")),
        ("endpointslices", h.endpoint_slice(NS, "bad-svc-a", "bad-svc", ["10.1.1"])),
    ]
    slice_type = h.endpoint_slice(NS, "bad-type-svc-a", "bad-type-svc", ["10.244.4.1"])
    slice_type["addressType"] = "IPX"
    c.append(("endpointslices", slice_type))
    return c


def good():
    return [
        ("pods", h.pod(NS, "good", "10.244.4.1")),
        ("services", h.service(NS, "good")),
        ("endpointslices", h.endpoint_slice(NS, "good-a", "good", ["10.244.4.1"])),
        ("networkpolicies", h.network_policy(NS, "good")),
        ("nodes", h.node("node-good", "192.0.2.50", "10.244.4.0/24")),
    ]


def test(apiserver, informer):
    with h.Cluster(apiserver, informer) as c:
        api = c.api
        c.wait_in_sync()
        api.create("namespaces", h.namespace(NS))
        bad = corpus()
        objects = good()[:2] + bad[:8] + good()[2:] + bad[8:]  # bad ones among good ones
        for kind, obj in objects:
            api.create(kind, obj)

        expected_rejects = {}
        for kind, _ in bad:
            expected_rejects[kind] = expected_rejects.get(kind, 0) + 1
        good_keys = [(h.KINDS[k][2], h.key_of(k, o)) for k, o in good()]
        c.bus.wait(lambda: all(key in c.bus.view(t) for t, key in good_keys) and
                   c.informer.metric_sum("kr_informer_rejected_objects_total") >=
                   len(bad), 30, "the good objects published and the bad ones counted")
        c.bus.pump(0.3)
        for kind, count in expected_rejects.items():
            got = c.informer.metric("kr_informer_rejected_objects_total", kind)
            require(got == count, "%s rejected: %s, expected %d" % (kind, got, count))
        require(c.informer.metric_sum("kr_informer_rejected_objects_total") == len(bad),
                "only the bad objects are rejected")
        log = c.informer.log_text()
        for kind, obj in bad:
            topic, key = h.KINDS[kind][2], h.key_of(kind, obj)
            require(key not in c.bus.view(topic), "bad %s %s published" % (kind, key))
            name = "%s/%s" % (NS, obj["metadata"]["name"])
            require(name in log, "the log names the rejected %s %s" % (kind, name))
        require("kr-informer" not in log or c.informer.proc.poll() is None,
                "the informer keeps running")

        # A fixed object is published; the rest stay rejected.
        api.patch("services", "bad-port", {"spec": {"ports": [
            {"port": 8443, "protocol": "TCP", "targetPort": 8443}]}}, NS)
        c.bus.wait(lambda: NS + "/bad-port" in c.bus.view("services"), 30,
                   "the fixed service published")
        require(c.bus.view("services")[NS + "/bad-port"]["ports"][0]["port"] == 8443,
                "the fixed service's port")
        # A good object turned bad: the bad update is skipped (counted, logged) and the last
        # good version stays published, as for any skipped object.
        api.patch("pods", "good", {"status": {"podIP": "10.244.4", "podIPs": [
            {"ip": "10.244.4"}]}}, NS, subresource="/status")
        c.bus.wait(lambda: c.informer.metric("kr_informer_rejected_objects_total", "pods") ==
                   expected_rejects["pods"] + 1, 30, "the pod turned bad to be rejected")
        c.bus.pump(0.2)
        require(c.bus.view("pods")[NS + "/good"]["ips"] == ["10.244.4.1"],
                "the last good version stays: %s" % c.bus.view("pods").get(NS + "/good"))
        # Deleting a rejected object publishes nothing; deleting the kept one removes it.
        deletes = len(c.bus.wire_deletes)
        api.delete("pods", "bad-ip", NS)
        api.delete("pods", "good", NS)
        c.bus.wait(lambda: NS + "/good" not in c.bus.view("pods"), 30, "the pod deleted")
        c.bus.pump(0.2)
        require(c.bus.wire_deletes[deletes:] == [("pods", NS + "/good")],
                "deletes: %s" % c.bus.wire_deletes[deletes:])
        print("rejected per kind:", {k: c.informer.metric("kr_informer_rejected_objects_total",
                                                            k) for k in expected_rejects})

if __name__ == "__main__":
    h.main_wrapper(test)
