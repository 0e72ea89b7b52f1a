"""Validates Kubernetes objects against the upstream API schemas carried by Debian's
python3-kubernetes: each model class's `openapi_types` (field -> type) and `attribute_map`
(field -> JSON name). Unknown fields, wrongly typed values and missing required fields are
errors, as a strict API server decoding would make them.

    errors = validate_object(obj)      # [] when valid; else "path: problem" strings
    python3 k8s_schema.py FILE...      # every document of every file; exit 1 on errors
"""
import re
import sys

import kubernetes.client.models as models
import yaml

_LIST = re.compile(r"^list\[(.+)\]$")
_DICT = re.compile(r"^dict\(str, (.+)\)$")


def model_class(api_version, kind):
    """V1DaemonSet for ("apps/v1", "DaemonSet"): the client names models <Version><Kind>."""
    version = api_version.rsplit("/", 1)[-1]
    return getattr(models, version[:1].upper() + version[1:] + kind, None)


def validate_object(obj, path="$"):
    if not isinstance(obj, dict):
        return ["%s: an object must be a map, not %s" % (path, type(obj).__name__)]
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return ["%s: apiVersion and kind must be strings" % path]
    cls = model_class(api_version, kind)
    if cls is None:
        return ["%s: no schema for apiVersion %s kind %s" % (path, api_version, kind)]
    return _check(obj, cls.__name__, path)


def _check(value, type_name, path):
    m = _LIST.match(type_name)
    if m:
        if not isinstance(value, list):
            return ["%s: expected a list, got %s" % (path, _describe(value))]
        errors = []
        for i, item in enumerate(value):
            errors += _check(item, m.group(1), "%s[%d]" % (path, i))
        return errors
    m = _DICT.match(type_name)
    if m:
        if not isinstance(value, dict):
            return ["%s: expected a map, got %s" % (path, _describe(value))]
        errors = []
        for k, item in value.items():
            if not isinstance(k, str):
                errors.append("%s: map key %r is not a string" % (path, k))
            errors += _check(item, m.group(1), "%s.%s" % (path, k))
        return errors
    scalar = _SCALARS.get(type_name)
    if scalar is not None:
        return [] if scalar(value) else ["%s: expected %s, got %s" % (path, type_name, _describe(value))]
    cls = getattr(models, type_name, None)
    if cls is None:
        return ["%s: the schema names an unknown type %s" % (path, type_name)]
    return _check_model(value, cls, path)


def _check_model(value, cls, path):
    if not isinstance(value, dict):
        return ["%s: expected a %s map, got %s" % (path, cls.__name__, _describe(value))]
    by_json_name = {json_name: attr for attr, json_name in cls.attribute_map.items()}
    errors = []
    for key, item in value.items():
        attr = by_json_name.get(key)
        if attr is None:
            errors.append("%s: unknown field %r in %s" % (path, key, cls.__name__))
            continue
        if item is None:
            continue  # null is "not set" in the API
        errors += _check(item, cls.openapi_types[attr], "%s.%s" % (path, key))
    errors += _missing_required(value, cls, by_json_name, path)
    return errors


def _missing_required(value, cls, by_json_name, path):
    """The models' setters reject None for required fields: construct one with the fields
    present (the nested values stay plain maps; only this level's setters run)."""
    present = {by_json_name[k]: v for k, v in value.items() if k in by_json_name and v is not None}
    try:
        cls(**present)
    except ValueError as e:
        return ["%s: %s: %s" % (path, cls.__name__, e)]
    return []


def _describe(value):
    return "%s %r" % (type(value).__name__, value) if not isinstance(value, (dict, list)) else type(value).__name__


_SCALARS = {
    "str": lambda v: isinstance(v, str),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "bool": lambda v: isinstance(v, bool),
    "datetime": lambda v: isinstance(v, str),
    "date": lambda v: isinstance(v, str),
    # IntOrString, Quantity and RawExtension fields; the API decides their form.
    "object": lambda v: isinstance(v, (str, int, float, dict, list)) and not isinstance(v, bool),
}


def validate_documents(text, source):
    errors, count = [], 0
    for i, doc in enumerate(yaml.safe_load_all(text)):
        if doc is None:
            continue
        count += 1
        name = "%s#%d(%s/%s)" % (source, i, doc.get("kind") if isinstance(doc, dict) else "?",
                                 (doc.get("metadata") or {}).get("name") if isinstance(doc, dict) else "?")
        errors += validate_object(doc, name)
    return errors, count


def main(paths):
    failed = False
    for p in paths:
        with open(p) as f:
            errors, count = validate_documents(f.read(), p)
        for e in errors:
            print(e)
        if count == 0:
            print("%s: no objects" % p)
        failed = failed or bool(errors) or count == 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
