"""The schema validator (k8s_schema.py) accepts a correct object and rejects each kind of
mistake a manifest can carry, so that its silence on the real manifests means something."""
import copy
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from k8s_schema import validate_object  # noqa: E402

GOOD = {
    "apiVersion": "apps/v1",
    "kind": "DaemonSet",
    "metadata": {"name": "kr-node", "namespace": "kube-system", "labels": {"a": "b"}},
    "spec": {
        "selector": {"matchLabels": {"a": "b"}},
        "template": {
            "metadata": {"labels": {"a": "b"}},
            "spec": {
                "hostNetwork": True,
                "containers": [{
                    "name": "kr-proxyd",
                    "image": "kr-node:dev",
                    "args": ["--health-port=20242"],
                    "livenessProbe": {"httpGet": {"path": "/healthz", "port": 20242}},
                    "securityContext": {"capabilities": {"add": ["NET_ADMIN"], "drop": ["ALL"]}},
                    "resources": {"requests": {"cpu": "50m"}},
                }],
                "volumes": [{"name": "bus", "emptyDir": {"medium": "Memory"}}],
            },
        },
    },
}


def broken(edit):
    obj = copy.deepcopy(GOOD)
    edit(obj)
    return obj


def container(obj):
    return obj["spec"]["template"]["spec"]["containers"][0]


# (description, object, text the error must contain)
CASES = [
    ("unknown top-level field", broken(lambda o: o.update(specs={})), "unknown field 'specs'"),
    ("unknown nested field", broken(lambda o: container(o)["livenessProbe"]["httpGet"].update(paht="/")),
     "unknown field 'paht'"),
    ("misspelt camelCase", broken(lambda o: o["spec"]["template"]["spec"].update(hostnetwork=True)),
     "unknown field 'hostnetwork'"),
    ("string for a bool", broken(lambda o: o["spec"]["template"]["spec"].update(hostNetwork="true")),
     "expected bool"),
    ("string for an int", broken(lambda o: container(o)["livenessProbe"].update(periodSeconds="10")),
     "expected int"),
    ("bool for an int", broken(lambda o: container(o)["livenessProbe"].update(periodSeconds=True)),
     "expected int"),
    ("map for a list", broken(lambda o: container(o).update(args={"a": "b"})), "expected a list"),
    ("int in a string list", broken(lambda o: container(o)["args"].append(5)), "expected str"),
    ("list for a nested object", broken(lambda o: container(o).update(securityContext=[])),
     "expected a V1SecurityContext map"),
    ("int for a string map value", broken(lambda o: o["metadata"]["labels"].update(x=1)),
     "expected str"),
    ("missing required field", broken(lambda o: container(o).pop("name")), "`name`, must not be `None`"),
    ("unknown kind", broken(lambda o: o.update(kind="DaemonSett")), "no schema"),
    ("unknown version", broken(lambda o: o.update(apiVersion="apps/v9")), "no schema"),
]


def main():
    failures = []
    errors = validate_object(GOOD)
    if errors:
        failures.append("the correct object was rejected: %s" % errors)
    for description, obj, expected in CASES:
        errors = validate_object(obj)
        if not any(expected in e for e in errors):
            failures.append("%s: expected an error containing %r, got %s" % (description, expected, errors))
    for f in failures:
        print("FAIL", f)
    print("%d cases, %d failures" % (len(CASES) + 1, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
