#!/usr/bin/python3
"""A forced compaction (small --history-size and a burst of changes while the informer's
watches are cut) leads to a relist that publishes only the differences: the DELETE deltas on
the bus are exactly the objects really deleted, and the relist counter rises.

usage: compaction_test.py KR_APISERVER KR_INFORMER
"""
import informer_harness as h
from informer_harness import require

NS = "default"
HISTORY = 20


def relists(informer):
    return informer.metric_sum("kr_informer_relists_total")


def test(apiserver, informer):
    with h.Cluster(apiserver, informer, history_size=HISTORY, proxy=True) as c:
        api = c.api
        c.wait_in_sync()
        for i in range(30):
            api.create("pods", h.pod(NS, "p%d" % i, "10.244.1.%d" % (i + 1)))
        for i in range(6):
            api.create("services", h.service(NS, "s%d" % i))
            api.create("endpointslices", h.endpoint_slice(NS, "s%d-x" % i, "s%d" % i,
                                                          ["10.244.1.%d" % (i + 1)]))
        c.bus.wait(lambda: len(c.bus.view("pods")) == 30 and
                   len(c.bus.view("endpoints")) == 6, 30, "the seed objects on the bus")
        relists_before = relists(c.informer)
        deletes_before = len(c.bus.wire_deletes)

        # Cut every watch and keep the informer out while far more than HISTORY events pass.
        require(c.proxy.cut() >= 1, "watch connections were open through the proxy")
        deleted = []
        for i in range(0, 10):
            api.delete("pods", "p%d" % i, NS)
            deleted.append(("pods", "%s/p%d" % (NS, i)))
        for i in range(10, 30):
            api.patch("pods", "p%d" % i, {"metadata": {"labels": {"app": "p%d" % i,
                                                                  "rev": "2"}}}, NS)
        for i in range(30, 40):
            api.create("pods", h.pod(NS, "p%d" % i, "10.244.1.%d" % (i + 1)))
        for i in range(0, 2):  # a service and its endpoints go
            api.delete("services", "s%d" % i, NS)
            api.delete("endpointslices", "s%d-x" % i, NS)
            deleted += [("services", "%s/s%d" % (NS, i)), ("endpoints", "%s/s%d" % (NS, i))]
        api.delete("pods", "p35", NS)  # created and deleted while cut: never published
        api.create("namespaces", h.namespace("burst"))
        c.proxy.restore()

        c.bus.wait(lambda: relists(c.informer) > relists_before, 60,
                   "a relist after the compaction")
        expected = h.apiserver_keys(api)
        c.bus.wait(lambda: all(sorted(c.bus.view(t)) == expected[t] for t in h.TOPICS), 60,
                   "the bus to match the apiserver after the relist")
        c.bus.wait(lambda: c.bus.view("pods")["%s/p29" % NS]["labels"].get("rev") == "2",
                   30, "the updates made while cut")
        c.bus.pump(0.5)  # anything still in flight would show up as a spurious delete
        got = sorted(c.bus.wire_deletes[deletes_before:])
        require(got == sorted(deleted),
                "DELETE deltas after the relist: %d, objects deleted: %d; unexpected %s, "
                "missing %s" % (len(got), len(deleted), sorted(set(got) - set(deleted)),
                                sorted(set(deleted) - set(got))))
        require(c.bus.consumer.counters["snapshots"] == 1 and
                c.bus.consumer.counters["gaps"] == 0,
                "the subscriber followed the relist live: %s" % c.bus.consumer.counters)
        print("relists %d -> %d, DELETE deltas %d == objects deleted %d" % (
            relists_before, relists(c.informer), len(got), len(deleted)))


if __name__ == "__main__":
    h.main_wrapper(test)
