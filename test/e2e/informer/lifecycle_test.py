#!/usr/bin/python3
"""Create, update and delete of every kind reach a bus subscriber in order, normalized.

usage: lifecycle_test.py KR_APISERVER KR_INFORMER
"""
import informer_harness as h
from informer_harness import require

NS = "e2e-life"


def events_for(bus, topic, key):
    return [(op, value) for t, op, k, value in bus.events if t == topic and k == key]


def check_history(bus, topic, key, check_created, check_updated):
    history = events_for(bus, topic, key)
    ops = [op for op, _ in history]
    require(ops == ["upsert", "upsert", "delete"],
            "%s %s: expected create, update, delete in order, saw %s" % (topic, key, ops))
    check_created(history[0][1])
    check_updated(history[1][1])


def test(apiserver, informer):
    with h.Cluster(apiserver, informer) as c:
        c.wait_in_sync()
        require(c.bus.view("namespaces").get("default") is not None,
                "the initial list publishes the default namespace")
        start = len(c.bus.events)

        # Create one of each kind.
        api = c.api
        api.create("namespaces", h.namespace(NS, {"team": "a"}))
        api.create("nodes", h.node("node-e2e", "192.0.2.10", "10.244.7.0/24"))
        api.create("pods", h.pod(NS, "web-1", "10.244.7.5", node_name="node-e2e"))
        api.create("services", h.service(NS, "web"))
        api.create("endpointslices", h.endpoint_slice(NS, "web-abc", "web", ["10.244.7.5"]))
        api.create("networkpolicies", h.network_policy(NS, "allow-doc"))
        keys = {"namespaces": NS, "nodes": "node-e2e", "pods": NS + "/web-1",
                "services": NS + "/web", "endpoints": NS + "/web",
                "networkpolicies": NS + "/allow-doc"}
        c.bus.wait(lambda: all(c.bus.view(t).get(k) for t, k in keys.items()), 30,
                   "every created object on the bus")

        # Update each.
        api.patch("namespaces", NS, {"metadata": {"labels": {"team": "b"}}})
        api.patch("nodes", "node-e2e", {"status": {"addresses": [
            {"type": "InternalIP", "address": "192.0.2.11"}]}}, subresource="/status")
        api.patch("pods", "web-1", {"metadata": {"labels": {"app": "web", "tier": "front"}}},
                  NS)
        api.patch("services", "web", {"spec": {"ports": [
            {"name": "http", "port": 81, "targetPort": 8080, "protocol": "TCP"}]}}, NS)
        api.patch("endpointslices", "web-abc", {"endpoints": [
            {"addresses": ["10.244.7.5"], "conditions": {"ready": False, "terminating": True},
             "nodeName": "node-e2e"}]}, NS)
        api.patch("networkpolicies", "allow-doc", {"spec": {"ingress": [
            {"from": [{"ipBlock": {"cidr": "198.51.100.0/24"}}],
             "ports": [{"protocol": "UDP", "port": 53}]}]}}, NS)
        c.bus.wait(lambda: c.bus.view("services")[NS + "/web"]["ports"][0]["port"] == 81 and
                   c.bus.view("networkpolicies")[NS + "/allow-doc"]["ingress"][0]["ports"][0]
                   ["protocol"] == "UDP" and
                   c.bus.view("namespaces")[NS]["labels"].get("team") == "b", 30,
                   "the updates on the bus")

        # Delete each (the namespace last: it would take its objects with it).
        for kind, name, ns in [("networkpolicies", "allow-doc", NS),
                               ("endpointslices", "web-abc", NS), ("services", "web", NS),
                               ("pods", "web-1", NS), ("nodes", "node-e2e", None),
                               ("namespaces", NS, None)]:
            api.delete(kind, name, ns)
        c.bus.wait(lambda: not any(k in c.bus.view(t) for t, k in keys.items()), 30,
                   "every deleted object gone from the bus")
        c.bus.pump(0.2)
        bus = c.bus
        bus.events = bus.events[start:]

        def ns_created(v):
            require(v["name"] == NS and v["labels"].get("team") == "a", "namespace: %s" % v)

        def ns_updated(v):
            require(v["labels"].get("team") == "b", "namespace update: %s" % v)
        check_history(bus, "namespaces", NS, ns_created, ns_updated)

        def node_created(v):
            require(v["addresses"] == [{"type": "InternalIP", "address": "192.0.2.10"}] and
                    v["podCIDRs"] == ["10.244.7.0/24"] and
                    v["labels"].get("kubernetes.io/hostname") == "node-e2e", "node: %s" % v)

        def node_updated(v):
            require(v["addresses"][0]["address"] == "192.0.2.11", "node update: %s" % v)
        check_history(bus, "nodes", "node-e2e", node_created, node_updated)

        def pod_created(v):
            require(v["namespace"] == NS and v["name"] == "web-1" and
                    v["ips"] == ["10.244.7.5"] and v["nodeName"] == "node-e2e" and
                    v["phase"] == "Running" and v["ports"][0]["containerPort"] == 8080 and
                    v["ports"][0]["protocol"] == "TCP", "pod: %s" % v)
            require("managedFields" not in v and "status" not in v, "pod noise kept: %s" % v)

        def pod_updated(v):
            require(v["labels"] == {"app": "web", "tier": "front"}, "pod update: %s" % v)
        check_history(bus, "pods", NS + "/web-1", pod_created, pod_updated)

        def svc_created(v):
            require(v["type"] == "ClusterIP" and len(v["clusterIPs"]) == 1 and
                    v["ports"][0]["port"] == 80 and v["ports"][0]["protocol"] == "TCP" and
                    v["sessionAffinity"] == "None", "service: %s" % v)

        def svc_updated(v):
            require(v["ports"][0]["port"] == 81, "service update: %s" % v)
        check_history(bus, "services", NS + "/web", svc_created, svc_updated)

        def eps_created(v):
            e = v["endpoints"]
            require(len(e) == 1 and e[0]["addresses"] == ["10.244.7.5"] and e[0]["ready"] and
                    e[0]["serving"] and not e[0]["terminating"], "endpoints: %s" % v)

        def eps_updated(v):
            e = v["endpoints"][0]
            require(not e["ready"] and e["terminating"] and e["nodeName"] == "node-e2e",
                    "endpoints update: %s" % v)
        check_history(bus, "endpoints", NS + "/web", eps_created, eps_updated)

        def pol_created(v):
            require(v["policyTypes"] == ["Ingress"] and
                    v["ingress"][0]["from"][0]["ipBlock"]["cidr"] == "192.0.2.0/24" and
                    v["podSelector"]["matchLabels"] == {"app": "web"}, "policy: %s" % v)

        def pol_updated(v):
            require(v["ingress"][0]["from"][0]["ipBlock"]["cidr"] == "198.51.100.0/24",
                    "policy update: %s" % v)
        check_history(bus, "networkpolicies", NS + "/allow-doc", pol_created, pol_updated)

        require(c.informer.metric_sum("kr_informer_rejected_objects_total") == 0,
                "no object rejected")


if __name__ == "__main__":
    h.main_wrapper(test)
