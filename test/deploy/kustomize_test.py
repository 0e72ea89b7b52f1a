"""Every Kustomize overlay under deploy/ renders with the real `kubectl kustomize`, runs the
informer plus exactly its role's daemons with exactly their privileges, and every object
validates against the Kubernetes API schemas (python3-kubernetes models).

    kustomize_test.py DEPLOY_DIR
"""
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import deploy_render as dr  # noqa: E402
from k8s_schema import validate_documents  # noqa: E402


def main(deploy_dir):
    if shutil.which("kubectl") is None:
        print("kubectl not found")
        return dr.SKIP
    failures, names = [], {}
    for overlay, daemons in sorted(dr.OVERLAYS.items()):
        text = dr.kustomize(deploy_dir, overlay)
        docs = dr.documents(text)
        problems = dr.check_rendering(docs, daemons)
        errors, count = validate_documents(text, overlay)
        problems += errors
        ds = dr.by_kind(docs, "DaemonSet")
        if ds:
            names[overlay] = (ds[0]["metadata"]["name"],
                              tuple(sorted(ds[0]["spec"]["selector"]["matchLabels"].items())))
        # The checker must see a role mismatch, or its silence above proves nothing.
        other = dr.OVERLAYS["all"] if daemons != dr.OVERLAYS["all"] else {"proxyd"}
        if not dr.check_rendering(docs, other):
            failures.append("%s: the checker accepted it as %s" % (overlay, sorted(other)))
        print("%-14s %d objects, %d problems" % (overlay, count, len(problems)))
        failures += ["%s: %s" % (overlay, p) for p in problems]
    # Role overlays can share a cluster (on disjoint nodes): names and selectors must differ.
    if len(set(n for n, _ in names.values())) != len(names) or \
            len(set(s for _, s in names.values())) != len(names):
        failures.append("overlays share DaemonSet names or selectors: %s" % names)
    for f in failures:
        print("FAIL", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
