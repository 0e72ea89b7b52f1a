"""helm-render follows Helm's semantics where they differ from plain text/template, checked
on a small chart (helm-render/testdata/semantics) against hand-written expected output:
values merged with null deleting a key and lists replaced, numbers as float64 (so a large
one prints as 4.2e+09, Helm's known quirk), missing keys rendering empty, tpl seeing
.Template.Name, toYaml sorting keys, partials and empty files not emitted, documents split
and sorted in Helm's install order, and include's recursion limit.

    helm_render_test.py HELM_RENDER KR_NODE_CHART_DIR
"""
import os
import subprocess
import sys

CHART = os.path.join(os.path.dirname(os.path.abspath(__file__)), "helm-render", "testdata", "semantics")


def render(binary, *values):
    args = [binary, "--chart", CHART, "--release-name", "rel", "--namespace", "ns1"]
    for v in values:
        args += ["-f", os.path.join(CHART, v)]
    return subprocess.run(args, capture_output=True, text=True, timeout=60)


def main(binary, kr_node_chart):
    failures = []
    with open(os.path.join(CHART, "expected.yaml")) as f:
        expected = f.read()
    got = render(binary, "override.yaml")
    if got.returncode != 0 or got.stdout != expected:
        failures.append("output differs (rc %d, %s):\n%s" % (got.returncode, got.stderr, got.stdout))
    recursion = render(binary, "recurse.yaml")
    if recursion.returncode == 0 or "nested reference" not in recursion.stderr:
        failures.append("include recursion not stopped: rc %d %s" % (recursion.returncode, recursion.stderr[-300:]))
    old_kube = subprocess.run([binary, "--chart", kr_node_chart,
                               "--kube-version", "v1.20.0"], capture_output=True, text=True, timeout=60)
    if old_kube.returncode == 0 or "kubeVersion" not in old_kube.stderr:
        failures.append("Chart.yaml kubeVersion not enforced: %s" % old_kube.stderr)
    for f in failures:
        print("FAIL", f)
    print("3 checks, %d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
