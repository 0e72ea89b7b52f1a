#!/usr/bin/python3
"""TLS against kr-apiserver with --token: a kubeconfig with the wrong CA is refused (never in
sync, a TLS error in the log); the right CA with the bearer token works; a client
certificate works.

usage: tls_test.py KR_APISERVER KR_INFORMER
"""
import base64
import os
import re
import subprocess

import informer_harness as h
from informer_harness import require

TOKEN = "e2e-token-0123456789"


def wrong_ca_kubeconfig(c):
    """The apiserver's kubeconfig with another CA (made by openssl here) in place of its own."""
    key, crt = os.path.join(c.dir, "wrong-ca.key"), os.path.join(c.dir, "wrong-ca.crt")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", crt,
                    "-subj", "/CN=wrong-ca", "-days", "1"], check=True, capture_output=True,
                   timeout=60)
    with open(crt, "rb") as f:
        wrong = base64.b64encode(f.read()).decode()
    with open(c.api.kubeconfig) as f:
        text = f.read()
    changed, count = re.subn(r"(certificate-authority-data:\s*)\S+", r"\g<1>" + wrong, text)
    require(count >= 1, "the kubeconfig embeds its CA")
    path = os.path.join(c.dir, "kubeconfig-wrong-ca")
    with open(path, "w") as f:
        f.write(changed)
    return path


def run_informer(c, args):
    if c.bus is not None:
        c.bus.close()
        c.bus = None
    if c.informer is not None:
        c.informer.stop()
    c.start_informer(args)


def test(apiserver, informer):
    with h.Cluster(apiserver, informer, tls=True, token=TOKEN, start_informer=False) as c:
        with open(c.api.kubeconfig) as f:
            text = f.read()
        require(TOKEN in text and "kr-apiserver-cert" in text,
                "kr-apiserver wrote token and certificate contexts")

        # Wrong CA: refused, counted, logged; never in sync.
        run_informer(c, ["--kubeconfig=" + wrong_ca_kubeconfig(c)])
        h.wait_for(lambda: re.search(r"certificate verify failed|TLS|SSL",
                                     c.informer.log_text()), 30,
                   "a TLS error in the informer's log")
        h.wait_for(lambda: c.informer.metric_sum("kr_informer_request_errors_total") >= 6, 30,
                   "failed requests counted for every kind")
        require(not c.informer.in_sync(), "in sync through an unverified server")
        require(c.informer.metric_sum("kr_informer_lists_total") == 0, "a list succeeded")
        c.bus.pump(0.2)
        require(not c.bus.consumer.in_sync and not any(c.bus.view(t) for t in h.TOPICS),
                "nothing published without a verified server")

        # The right CA and the bearer token.
        run_informer(c, ["--kubeconfig=" + c.api.kubeconfig, "--context=kr-apiserver"])
        c.wait_in_sync()
        require("kube-system" in c.bus.view("namespaces"), "namespaces published (token)")
        c.api.create("pods", h.pod("default", "tls-token", "10.244.3.1"))
        c.bus.wait(lambda: "default/tls-token" in c.bus.view("pods"), 30,
                   "a pod created after the sync (token)")

        # A client certificate (no token in that context).
        run_informer(c, ["--kubeconfig=" + c.api.kubeconfig, "--context=kr-apiserver-cert"])
        c.wait_in_sync()
        require("default/tls-token" in c.bus.view("pods"), "pods listed (client certificate)")
        c.api.create("pods", h.pod("default", "tls-cert", "10.244.3.2"))
        c.bus.wait(lambda: "default/tls-cert" in c.bus.view("pods"), 30,
                   "a pod created after the sync (client certificate)")
        require(c.informer.metric_sum("kr_informer_request_errors_total") == 0,
                "no failed requests with a client certificate")


if __name__ == "__main__":
    h.main_wrapper(test)
