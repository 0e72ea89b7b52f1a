"""Every rendering (each Kustomize overlay, the Helm chart with several value sets) is
accepted by the local API server (tools/kr-apiserver) through the real kubectl: created,
read back with every rendered field stored as rendered, and deleted.

    apiserver_test.py KR_APISERVER HELM_RENDER DEPLOY_DIR CHART_DIR

Exits 77 (skipped) when the kr-apiserver binary is not there.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import deploy_render as dr  # noqa: E402

HELM_VALUES = {
    "helm-default": {},
    "helm-proxy-only": {"policyd": {"enabled": False}, "routed": {"enabled": False}},
    "helm-two-roles": {
        "roles": {"all": None,
                  "edge": {"nodeSelector": {"kr-node.io/role": "edge"}, "daemons": ["routed"]},
                  "worker": {"nodeSelector": {"kr-node.io/role": "worker"},
                             "daemons": ["proxyd", "policyd", "routed"]}},
        "routed": {"clusterAsn": 64512, "peerRouterIps": ["192.0.2.1"], "peerRouterAsns": [64513]},
    },
}


class Server:
    """kr-apiserver on 127.0.0.1 with an ephemeral port; files in a temporary directory."""

    def __init__(self, binary):
        self.dir = tempfile.mkdtemp(prefix="kr-deploy-apiserver-")
        self.kubeconfig = os.path.join(self.dir, "kubeconfig")
        self.log = open(os.path.join(self.dir, "server.log"), "w")
        self.proc = subprocess.Popen(
            [binary, "--bind-address", "127.0.0.1", "--port", "0", "--cert-dir", self.dir,
             "--token", "deploy-test-token", "--write-kubeconfig", self.kubeconfig],
            stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.proc.stdout.readline().strip()  # printed once listening
        if not line.startswith("kr-apiserver listening on "):
            self.stop()
            raise RuntimeError("kr-apiserver did not start: %r" % line)

    def kubectl(self, *args):
        return subprocess.run(["kubectl", "--kubeconfig", self.kubeconfig,
                               "--cache-dir", os.path.join(self.dir, "cache"), *args],
                              capture_output=True, text=True, timeout=120)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def stored_as_rendered(rendered, stored, path="$"):
    """Problems where `stored` lacks or changed something `rendered` has (the server may add
    defaults and metadata, nothing else)."""
    if isinstance(rendered, dict):
        if not isinstance(stored, dict):
            return ["%s: stored as %r" % (path, stored)]
        out = []
        for k, v in rendered.items():
            if k not in stored:
                out.append("%s.%s: not stored" % (path, k))
            else:
                out += stored_as_rendered(v, stored[k], "%s.%s" % (path, k))
        return out
    if isinstance(rendered, list):
        if not isinstance(stored, list) or len(stored) != len(rendered):
            return ["%s: stored as %r" % (path, stored)]
        out = []
        for i, (r, s) in enumerate(zip(rendered, stored)):
            out += stored_as_rendered(r, s, "%s[%d]" % (path, i))
        return out
    return [] if rendered == stored else ["%s: rendered %r, stored %r" % (path, rendered, stored)]


def check_rendering(server, label, text, workdir):
    path = os.path.join(workdir, label + ".yaml")
    with open(path, "w") as f:
        f.write(text)
    docs = dr.documents(text)
    created = server.kubectl("create", "-f", path)
    if created.returncode != 0:
        return ["create: %s" % created.stderr.strip()]
    problems = []
    got = server.kubectl("get", "-f", path, "-o", "json")
    if got.returncode != 0:
        problems.append("get: %s" % got.stderr.strip())
    else:
        answer = json.loads(got.stdout)
        items = answer["items"] if answer.get("kind") == "List" else [answer]
        stored = {(i["kind"], i["metadata"]["name"]): i for i in items}
        for doc in docs:
            key = (doc["kind"], doc["metadata"]["name"])
            if key not in stored:
                problems.append("%s/%s not stored" % key)
            else:
                problems += stored_as_rendered(doc, stored[key], "%s/%s" % key)
    deleted = server.kubectl("delete", "-f", path, "--wait=false")
    if deleted.returncode != 0:
        problems.append("delete: %s" % deleted.stderr.strip())
    gone = server.kubectl("get", "-f", path, "--ignore-not-found", "-o", "name")
    if gone.returncode != 0 or gone.stdout.strip():
        problems.append("still stored after delete: %r %s" % (gone.stdout, gone.stderr.strip()))
    print("%-16s %d objects created, read back, deleted; %d problems" % (label, len(docs), len(problems)))
    return problems


def main(apiserver, helm_render, deploy_dir, chart_dir):
    if not apiserver or not os.access(apiserver, os.X_OK):
        print("kr-apiserver not built (%r): skipped" % apiserver)
        return dr.SKIP
    if shutil.which("kubectl") is None:
        print("kubectl not found: skipped")
        return dr.SKIP
    renderings = {o: dr.kustomize(deploy_dir, o) for o in sorted(dr.OVERLAYS)}
    for label, values in HELM_VALUES.items():
        result = dr.helm_render(helm_render, chart_dir, values)
        if result.returncode != 0:
            print("FAIL %s: %s" % (label, result.stderr))
            return 1
        renderings[label] = result.stdout
    failures = []
    server = Server(apiserver)
    workdir = tempfile.mkdtemp(prefix="kr-deploy-renderings-")
    try:
        for label, text in renderings.items():
            failures += ["%s: %s" % (label, p) for p in check_rendering(server, label, text, workdir)]
        # The server must refuse what it validates (object names, labels; it stores spec
        # fields as given, which is why k8s_schema.py checks those), or acceptance means little.
        daemonset = dr.by_kind(dr.documents(renderings["all"]), "DaemonSet")[0]
        daemonset["metadata"]["name"] = "kr_node"
        path = os.path.join(workdir, "bad-name.yaml")
        with open(path, "w") as f:
            json.dump(daemonset, f)
        refused = server.kubectl("create", "-f", path)
        if refused.returncode == 0 or "kr_node" not in refused.stderr:
            failures.append("an invalid name was accepted: %s %s" % (refused.stdout, refused.stderr))
        server.kubectl("delete", "-f", path, "--ignore-not-found", "--wait=false")
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    for f in failures:
        print("FAIL", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
