#!/usr/bin/python3
"""Killing and restarting the apiserver, and dropping the watch connections mid-stream, end
with the bus (kr-bus snapshot) in the same state as the apiserver's lists.

usage: restart_test.py KR_APISERVER KR_INFORMER KR_BUS
"""
import signal
import threading

import informer_harness as h
from informer_harness import require

NS = "default"


def converge(c, kr_bus, what):
    """Waits until kr-bus snapshot, reduced, equals the apiserver's lists, reduced."""
    last = {}

    def same():
        expected = h.expected_from_apiserver(c.api)
        snapshot = h.bus_snapshot(kr_bus, c.informer.bus_dir)
        got = h.reduce_bus(snapshot["objects"])
        last["diff"] = h.differences(expected, got)
        require(len(expected["pods"]) > 0 and len(expected["endpoints"]) > 0,
                "the comparison covers pods and endpoints")
        return snapshot["inSync"] and not last["diff"]
    try:
        h.wait_for(same, 60, what, step=lambda: c.bus.pump(0.3))
    except h.Failure as failure:
        raise h.Failure("%s: %s" % (failure, last.get("diff")))
    # The live subscriber agrees with the snapshot.
    got = h.reduce_bus(c.bus.consumer.state())
    c.bus.wait(lambda: not h.differences(h.expected_from_apiserver(c.api),
                                          h.reduce_bus(c.bus.consumer.state())), 30,
               "the live subscriber to agree (%s)" % h.differences(
                   h.expected_from_apiserver(c.api), got))


def churn(api, rounds, prefix):
    """Creates, updates and deletes pods, services and endpoint slices."""
    for i in range(rounds):
        api.create("pods", h.pod(NS, "%s-%d" % (prefix, i), "10.244.2.%d" % (i % 250 + 1)))
        if i % 3 == 0:
            api.patch("pods", "%s-%d" % (prefix, i), {"metadata": {"labels": {"v": "2"}}}, NS)
        if i % 4 == 1:
            api.delete("pods", "%s-%d" % (prefix, i - 1), NS)
        if i % 10 == 0:
            svc = "%s-svc-%d" % (prefix, i)
            api.create("services", h.service(NS, svc))
            api.create("endpointslices", h.endpoint_slice(NS, svc + "-a", svc,
                                                          ["10.244.2.%d" % (i % 250 + 1)]))


def state_file_has(c, text):
    try:
        with open(c.api.args[c.api.args.index("--state-file") + 1]) as f:
            return text in f.read()
    except OSError:
        return False


def test(apiserver, informer, kr_bus):
    with h.Cluster(apiserver, informer, state_file=True, proxy=True) as c:
        api = c.api
        c.wait_in_sync()
        api.create("nodes", h.node("node-a", "192.0.2.1", "10.244.2.0/24"))
        api.create("networkpolicies", h.network_policy(NS, "np"))
        churn(api, 40, "seed")
        converge(c, kr_bus, "the seed state")
        restarts = c.informer.metric_sum("kr_informer_watch_restarts_total")

        # 1. SIGTERM: the apiserver saves its state and comes back on the same port.
        api.stop(signal.SIGTERM)
        api.start()
        churn(api, 20, "after-term")
        converge(c, kr_bus, "the state after a clean apiserver restart")

        # 2. SIGKILL once the last write is in the state file; changes follow the restart.
        api.create("pods", h.pod(NS, "marker", "10.244.2.254"))
        h.wait_for(lambda: state_file_has(c, '"marker"'), 30, "the state file to be saved")
        api.stop(signal.SIGKILL)
        api.start()
        api.delete("pods", "marker", NS)
        api.delete("nodes", "node-a")
        api.patch("networkpolicies", "np", {"spec": {"ingress": [
            {"from": [{"ipBlock": {"cidr": "203.0.113.0/24"}}]}]}}, NS)
        churn(api, 20, "after-kill")
        converge(c, kr_bus, "the state after a killed apiserver")

        # 3. Watches dropped mid-stream, several times, while changes flow.
        errors = []

        def write():
            try:
                churn(api, 150, "mid-stream")
            except Exception as error:  # reported below, in the test's thread
                errors.append(error)
        writer = threading.Thread(target=write)
        writer.start()
        cuts = 0
        try:
            while writer.is_alive():
                if c.proxy.bytes_relayed > 0:
                    cuts += c.proxy.cut()
                    c.proxy.restore()
                writer.join(0.3)
        finally:
            writer.join()
        require(not errors, "writes failed: %s" % errors)
        require(cuts > 0, "watch connections were dropped mid-stream")
        converge(c, kr_bus, "the state after dropped watches")
        require(c.informer.metric_sum("kr_informer_watch_restarts_total") > restarts,
                "the informer reopened its watches")
        print("watch restarts: %d, relists: %d, connections cut mid-stream: %d" % (
            c.informer.metric_sum("kr_informer_watch_restarts_total"),
            c.informer.metric_sum("kr_informer_relists_total"), cuts))


if __name__ == "__main__":
    h.main_wrapper(test)
