"""Renders kr-node's manifests for the tests here and checks what every rendering must hold.

    kustomize(deploy_dir, "proxy-only")              -> YAML text (the real `kubectl kustomize`)
    helm_render(binary, chart_dir, values, *flags)   -> CompletedProcess (test/deploy/helm-render)
    check_rendering(docs, daemons, bus_dir)          -> [] or a list of problems
"""
import os
import subprocess
import tempfile

import yaml

SKIP = 77

# Overlay -> the daemons besides the informer it runs.
OVERLAYS = {
    "all": {"proxyd", "policyd", "routed"},
    "proxy-only": {"proxyd"},
    "firewall-only": {"policyd"},
    "router-only": {"routed"},
}
DAEMONS = ("proxyd", "policyd", "routed")

# The capabilities each daemon's container may add: exactly these.
CAPABILITIES = {
    "kr-informer": [],
    "kr-proxyd": ["NET_ADMIN", "NET_RAW"],
    "kr-policyd": ["NET_ADMIN", "NET_RAW"],
    "kr-routed": ["NET_ADMIN", "NET_RAW", "NET_BIND_SERVICE"],
}
HEALTH_PORTS = {"kr-informer": 20241, "kr-proxyd": 20242, "kr-policyd": 20243, "kr-routed": 20244}
READ_KINDS = {("", "nodes"), ("", "pods"), ("", "services"), ("", "namespaces"),
              ("discovery.k8s.io", "endpointslices"), ("networking.k8s.io", "networkpolicies")}


def kustomize(deploy_dir, overlay):
    return subprocess.run(["kubectl", "kustomize", os.path.join(deploy_dir, "overlays", overlay)],
                          check=True, capture_output=True, text=True).stdout


def helm_render(binary, chart_dir, values, *flags):
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", prefix="kr-deploy-values-") as f:
        yaml.safe_dump(values, f)
        f.flush()
        return subprocess.run([binary, "--chart", chart_dir, "-f", f.name,
                               "--release-name", "kr", "--namespace", "kube-system", *flags],
                              capture_output=True, text=True)


def documents(text):
    return [d for d in yaml.safe_load_all(text) if d is not None]


def by_kind(docs, kind):
    return [d for d in docs if d.get("kind") == kind]


def check_rendering(docs, daemons, bus_dir="/var/run/kr-node"):
    """Problems with one rendering meant to run the informer plus `daemons` in one DaemonSet."""
    problems = []
    for kind in ("ServiceAccount", "ClusterRole", "ClusterRoleBinding", "DaemonSet"):
        if len(by_kind(docs, kind)) != 1:
            problems.append("expected one %s, got %d" % (kind, len(by_kind(docs, kind))))
    if problems:
        return problems
    want_cm = "routed" in daemons
    if bool(by_kind(docs, "ConfigMap")) != want_cm:
        problems.append("CNI ConfigMap present: %s, want %s" % (not want_cm, want_cm))
    problems += check_rbac(by_kind(docs, "ClusterRole")[0])
    problems += check_daemonset(by_kind(docs, "DaemonSet")[0], daemons, bus_dir)
    sa = by_kind(docs, "ServiceAccount")[0]
    if sa.get("automountServiceAccountToken") is not False:
        problems.append("the ServiceAccount must not automount its token")
    pod = by_kind(docs, "DaemonSet")[0]["spec"]["template"]["spec"]
    if pod.get("serviceAccountName") != sa["metadata"]["name"]:
        problems.append("the pod runs as %r, not the rendered ServiceAccount" % pod.get("serviceAccountName"))
    config_maps = {c["metadata"]["name"] for c in by_kind(docs, "ConfigMap")}
    for v in pod["volumes"]:
        if "configMap" in v and v["configMap"]["name"] not in config_maps:
            problems.append("volume %s names ConfigMap %r, not rendered" % (v["name"], v["configMap"]["name"]))
    binding = by_kind(docs, "ClusterRoleBinding")[0]
    if binding["roleRef"]["name"] != by_kind(docs, "ClusterRole")[0]["metadata"]["name"]:
        problems.append("the ClusterRoleBinding names another ClusterRole")
    subject = binding["subjects"][0]
    if (subject["name"], subject["namespace"]) != (sa["metadata"]["name"], sa["metadata"]["namespace"]):
        problems.append("the ClusterRoleBinding binds another ServiceAccount")
    return problems


def check_rbac(role):
    problems, granted = [], set()
    for rule in role["rules"]:
        if not set(rule["verbs"]) <= {"list", "watch"}:
            problems.append("ClusterRole grants %s" % rule["verbs"])
        for group in rule["apiGroups"]:
            for resource in rule["resources"]:
                granted.add((group, resource))
    if granted != READ_KINDS:
        problems.append("ClusterRole covers %s, want %s" % (sorted(granted), sorted(READ_KINDS)))
    return problems


def check_daemonset(ds, daemons, bus_dir):
    problems = []
    spec = ds["spec"]["template"]["spec"]
    names = [c["name"] for c in spec["containers"]]
    want = ["kr-informer"] + ["kr-" + d for d in DAEMONS if d in daemons]
    if names != want:
        problems.append("containers %s, want %s" % (names, want))
    if spec.get("hostNetwork") is not True:
        problems.append("hostNetwork is not true")
    if spec.get("priorityClassName") != "system-node-critical":
        problems.append("priorityClassName is %r" % spec.get("priorityClassName"))
    if {"operator": "Exists"} not in spec.get("tolerations", []):
        problems.append("no toleration for every taint")
    if spec.get("automountServiceAccountToken") is not False:
        problems.append("the pod automounts the API token into every container")
    bus = [v for v in spec["volumes"] if v["name"] == "bus"]
    if not bus or bus[0].get("emptyDir", {}).get("medium") != "Memory":
        problems.append("no in-memory emptyDir volume 'bus'")
    volume_names = {v["name"] for v in spec["volumes"]}
    used = set()
    for c in spec.get("initContainers", []) + spec["containers"]:
        used |= {m["name"] for m in c.get("volumeMounts", [])}
        if c.get("securityContext", {}).get("privileged") and not c["name"].endswith("-host-setup"):
            problems.append("%s is privileged" % c["name"])
    if used != volume_names:
        problems.append("volumes %s, mounted %s" % (sorted(volume_names), sorted(used)))
    for c in spec["containers"]:
        problems += check_container(c, bus_dir)
    return problems


def check_container(c, bus_dir):
    problems, name = [], c["name"]
    sc = c.get("securityContext", {})
    caps = sc.get("capabilities", {})
    if caps.get("drop") != ["ALL"]:
        problems.append("%s does not drop all capabilities" % name)
    if sorted(caps.get("add", [])) != sorted(CAPABILITIES[name]):
        problems.append("%s adds %s, want %s" % (name, caps.get("add", []), CAPABILITIES[name]))
    if sc.get("privileged") or sc.get("allowPrivilegeEscalation") is not False:
        problems.append("%s may escalate privileges" % name)
    mounts = {m["name"]: m["mountPath"] for m in c.get("volumeMounts", [])}
    if mounts.get("bus") != bus_dir:
        problems.append("%s mounts the bus at %r" % (name, mounts.get("bus")))
    if ("api-token" in mounts) != (name == "kr-informer"):
        problems.append("%s: API token mounted: %s" % (name, "api-token" in mounts))
    probe = c.get("livenessProbe", {}).get("httpGet", {})
    if (probe.get("path"), probe.get("port")) != ("/healthz", HEALTH_PORTS[name]):
        problems.append("%s liveness probe %s" % (name, probe))
    if "--health-port=%d" % HEALTH_PORTS[name] not in c.get("args", []):
        problems.append("%s args lack --health-port=%d" % (name, HEALTH_PORTS[name]))
    if "--bus-dir=%s" % bus_dir not in c.get("args", []):
        problems.append("%s args lack --bus-dir=%s" % (name, bus_dir))
    if not c.get("resources", {}).get("requests"):
        problems.append("%s has no resource requests" % name)
    return problems
