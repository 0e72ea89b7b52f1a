"""The Helm chart renders (with test/deploy/helm-render: text/template + sprig + Helm's
functions, values.schema.json checked with gojsonschema) for every combination of the
daemon toggles, respects the informer rule, renders per-role DaemonSets and flags, rejects
invalid values, and every rendered object validates against the Kubernetes API schemas.

    helm_test.py HELM_RENDER CHART_DIR
"""
import itertools
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import deploy_render as dr  # noqa: E402
from k8s_schema import validate_documents  # noqa: E402

failures = []


def expect(condition, message):
    if not condition:
        failures.append(message)


def render_ok(binary, chart, values, label):
    result = dr.helm_render(binary, chart, values)
    expect(result.returncode == 0, "%s: render failed: %s" % (label, result.stderr.strip()))
    if result.returncode != 0:
        return []
    errors, _ = validate_documents(result.stdout, label)
    failures.extend(errors)
    return dr.documents(result.stdout)


def render_fails(binary, chart, values, label, message, *flags):
    result = dr.helm_render(binary, chart, values, *flags)
    expect(result.returncode != 0, "%s: rendered, expected a failure" % label)
    expect(message in result.stderr, "%s: error lacks %r: %s" % (label, message, result.stderr.strip()))


def toggles(binary, chart):
    """All 16 on/off combinations of the four daemons."""
    for informer, *others in itertools.product([True, False], repeat=4):
        on = {d for d, enabled in zip(dr.DAEMONS, others) if enabled}
        values = {"informer": {"enabled": informer}}
        values.update({d: {"enabled": d in on} for d in dr.DAEMONS})
        label = "informer=%s %s" % (informer, sorted(on))
        if not informer and on:
            # Both guards: the schema, and the template's own check when the schema is skipped.
            render_fails(binary, chart, values, label, "informer.enabled")
            render_fails(binary, chart, values, label + " (no schema)",
                         "informer.enabled=false, but", "--skip-schema-validation")
            continue
        docs = render_ok(binary, chart, values, label)
        if not informer:
            expect(docs == [], "%s: everything off, yet rendered %d objects" % (label, len(docs)))
            continue
        problems = dr.check_rendering(docs, on)
        failures.extend("%s: %s" % (label, p) for p in problems)
        print("%-40s %d objects, %d problems" % (label, len(docs), len(problems)))


def roles_and_flags(binary, chart):
    values = {
        "roles": {
            "all": None,  # null removes the default role, as in Helm
            "edge": {"nodeSelector": {"kr-node.io/role": "edge"}, "daemons": ["proxyd", "routed"]},
            "worker": {"nodeSelector": {"kr-node.io/role": "worker"},
                       "daemons": ["proxyd", "policyd", "routed"]},
        },
        "policyd": {"enabled": False},
        "common": {"busDir": "/run/kr-bus", "verbosity": 2},
        "routed": {"clusterAsn": 4200000000, "peerRouterIps": ["192.0.2.1", "192.0.2.2"],
                   "peerRouterAsns": [64512, 64513],
                   "extraArgs": {"router-id": "{{ .Release.Name }}-id", "nodes-full-mesh": False}},
    }
    docs = render_ok(binary, chart, values, "roles")
    sets = {d["metadata"]["name"]: d for d in dr.by_kind(docs, "DaemonSet")}
    expect(sorted(sets) == ["kr-kr-node-edge", "kr-kr-node-worker"], "roles: DaemonSets %s" % sorted(sets))
    for name, role in (("kr-kr-node-edge", "edge"), ("kr-kr-node-worker", "worker")):
        if name not in sets:
            continue
        ds = sets[name]
        spec = ds["spec"]["template"]["spec"]
        expect(spec.get("nodeSelector") == {"kr-node.io/role": role}, "%s: nodeSelector %s" % (name, spec.get("nodeSelector")))
        # policyd is off globally, so the worker role runs without it.
        for p in dr.check_daemonset(ds, {"proxyd", "routed"}, "/run/kr-bus"):
            failures.append("%s: %s" % (name, p))
        routed = [c for c in spec["containers"] if c["name"] == "kr-routed"][0]
        for arg in ("--cluster-asn=4200000000", "--peer-router-ips=192.0.2.1,192.0.2.2",
                    "--peer-router-asns=64512,64513", "--router-id=kr-id", "--nodes-full-mesh=false",
                    "--v=2"):
            expect(arg in routed["args"], "%s: kr-routed args lack %s: %s" % (name, arg, routed["args"]))
    expect(len(dr.by_kind(docs, "ConfigMap")) == 1, "roles: expected the CNI ConfigMap once")


def host_prepared(binary, chart):
    """Hosts that load modules and place the CNI config themselves: no init containers."""
    values = {"hostSetup": {"enabled": False}, "routed": {"cni": {"install": False}}}
    docs = render_ok(binary, chart, values, "host prepared")
    expect(not dr.by_kind(docs, "ConfigMap"), "host prepared: CNI ConfigMap rendered")
    expect(len(dr.by_kind(docs, "DaemonSet")) == 1, "host prepared: expected one DaemonSet")
    for ds in dr.by_kind(docs, "DaemonSet"):
        failures.extend("host prepared: %s" % p
                        for p in dr.check_daemonset(ds, set(dr.DAEMONS), "/var/run/kr-node"))
        spec = ds["spec"]["template"]["spec"]
        expect("initContainers" not in spec, "host prepared: init containers %s" % spec.get("initContainers"))


INVALID = [
    ("misspelt key", {"proxyd": {"enabeld": False}}, "Additional property enabeld"),
    ("unknown top-level key", {"daemons": {}}, "Additional property daemons"),
    ("port as a string", {"proxyd": {"healthPort": "20242"}}, "proxyd.healthPort"),
    ("port out of range", {"routed": {"healthPort": 70000}}, "routed.healthPort"),
    ("unknown daemon in a role", {"roles": {"all": {"daemons": ["firewall"]}}}, "roles.all.daemons"),
    ("no roles", {"roles": {"all": None}}, "roles"),
    ("bad pull policy", {"image": {"pullPolicy": "Sometimes"}}, "image.pullPolicy"),
    ("bad flag name", {"informer": {"extraArgs": {"Bad_Flag": "x"}}}, "informer.extraArgs"),
    ("ASN too large", {"routed": {"clusterAsn": 4294967296}}, "routed.clusterAsn"),
    ("number for a quantity", {"proxyd": {"resources": {"requests": {"cpu": 1}}}}, "proxyd.resources.requests.cpu"),
    ("bad duration", {"policyd": {"iptablesSyncPeriod": "5 minutes"}}, "policyd.iptablesSyncPeriod"),
]


def invalid_values(binary, chart):
    for label, values, message in INVALID:
        render_fails(binary, chart, values, label, message)
    # `required`: a chart-managed name is needed when the chart does not create the account.
    render_fails(binary, chart, {"serviceAccount": {"create": False}}, "required",
                 "serviceAccount.name is required")
    docs = render_ok(binary, chart, {"serviceAccount": {"create": False, "name": "mine"}}, "own account")
    expect(not dr.by_kind(docs, "ServiceAccount"), "own account: the chart still created one")


def main(binary, chart):
    toggles(binary, chart)
    roles_and_flags(binary, chart)
    host_prepared(binary, chart)
    invalid_values(binary, chart)
    for f in failures:
        print("FAIL", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
