"""A small JSON Schema checker, enough for proto/schemas/ (type, enum, required, properties,
additionalProperties, items, oneOf, minimum/maximum, $ref to local and sibling files), so the
cross-language test can check that the C++ model writes what the schemas promise without a
jsonschema package. It also rejects properties a schema does not list: the model must not
put undocumented fields on the wire."""

import json
import os

TOPIC_SCHEMAS = {
    "services": "service.v1.schema.json",
    "endpoints": "endpoints.v1.schema.json",
    "pods": "pod.v1.schema.json",
    "nodes": "node.v1.schema.json",
    "namespaces": "namespace.v1.schema.json",
    "networkpolicies": "networkpolicy.v1.schema.json",
}

TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
}


class SchemaChecker:
    def __init__(self, schema_dir):
        self.dir = schema_dir
        self.files = {}

    def load(self, name):
        if name not in self.files:
            with open(os.path.join(self.dir, name)) as f:
                self.files[name] = json.load(f)
        return self.files[name]

    def resolve(self, ref, current):
        name, _, pointer = ref.partition("#")
        document = self.load(name) if name else self.load(current)
        node = document
        for part in filter(None, pointer.split("/")):
            node = node[part]
        return node, (name or current)

    def errors(self, value, schema, current, path="$"):
        if "$ref" in schema:
            target, where = self.resolve(schema["$ref"], current)
            return self.errors(value, target, where, path)
        if "oneOf" in schema:
            matches = [s for s in schema["oneOf"] if not self.errors(value, s, current, path)]
            return [] if len(matches) == 1 else ["%s: matches %d of oneOf" % (path, len(matches))]
        kind = schema.get("type")
        if kind and not TYPES[kind](value):
            return ["%s: %r is not %s" % (path, value, kind)]
        found = []
        if "enum" in schema and value not in schema["enum"]:
            found.append("%s: %r not in %s" % (path, value, schema["enum"]))
        if "minimum" in schema and value < schema["minimum"]:
            found.append("%s: %r below minimum" % (path, value))
        if "maximum" in schema and value > schema["maximum"]:
            found.append("%s: %r above maximum" % (path, value))
        if kind == "object":
            properties = schema.get("properties", {})
            extra = schema.get("additionalProperties")
            for key in schema.get("required", []):
                if key not in value:
                    found.append("%s: missing %s" % (path, key))
            for key, item in value.items():
                if key in properties:
                    found += self.errors(item, properties[key], current, path + "." + key)
                elif isinstance(extra, dict):
                    found += self.errors(item, extra, current, path + "." + key)
                else:
                    found.append("%s: property %s is not in the schema" % (path, key))
        if kind == "array" and "items" in schema:
            for i, item in enumerate(value):
                found += self.errors(item, schema["items"], current, "%s[%d]" % (path, i))
        return found

    def check_object(self, topic, value):
        name = TOPIC_SCHEMAS[topic]
        return self.errors(value, self.load(name), name)
