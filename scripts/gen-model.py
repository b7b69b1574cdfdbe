#!/usr/bin/env python3
"""Regenerate the service models and the wire types that handlers are written against.

For each AWS service (kms, cloudhsmv2, cloudtrail) it reads the model that ships with botocore
and writes:
- src/protocol/models/<name>.json: the slimmed model the validation engine reads. Only facts the
  server needs are kept: operation names, input shapes, member constraints, error shapes.
- src/protocol/models/<name>.types.ts: a TypeScript interface per input and output shape of every
  operation (and the structures they reach), and the map from operation name to both.
For Keywarden's own admin API, whose model is written by hand in the same slimmed format
(src/operations/admin/model.json, which also lists each operation's output shape), it writes
src/operations/admin/model.types.ts.

Run: npm run gen:model. Output depends only on the models read, so a run with the same botocore
changes nothing.
"""
import gzip
import json
import os
import re

import botocore

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
MODELS = os.path.join(ROOT, "src", "protocol", "models")
COMMAND = "npm run gen:model"

# name: (botocore path, prefix of the generated operation map type)
SERVICES = {
    "kms": ("kms/2014-11-01", "Kms"),
    "cloudhsmv2": ("cloudhsmv2/2017-04-28", "CloudHsmV2"),
    "cloudtrail": ("cloudtrail/2013-11-01", "CloudTrail"),
}
ADMIN_MODEL = os.path.join(ROOT, "src", "operations", "admin", "model.json")
ADMIN_TYPES = os.path.join(ROOT, "src", "operations", "admin", "model.types.ts")

KEEP = ("type", "required", "min", "max", "pattern", "enum", "member", "key", "value", "members", "sensitive", "exception", "fault")


def load(rel):
    path = os.path.join(os.path.dirname(botocore.__file__), "data", rel, "service-2.json.gz")
    with gzip.open(path) as f:
        return json.load(f)


def refs(shape):
    """The shape names a shape refers to, in model order."""
    return [r["shape"] for r in [shape.get("member"), shape.get("key"), shape.get("value"), *shape.get("members", {}).values()] if r]


def reachable(shapes, roots):
    seen, todo = set(), list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(refs(shapes[name]))
    return seen


def slim(shape):
    out = {k: shape[k] for k in KEEP if k in shape}
    if "members" in out:
        out["members"] = {n: {"shape": m["shape"]} for n, m in out["members"].items()}
    for k in ("member", "key", "value"):
        if k in out:
            out[k] = {"shape": out[k]["shape"]}
    return out


def write_model(name, m):
    ops = m["operations"]
    roots = [o["input"]["shape"] for o in ops.values() if "input" in o]
    roots += [e["shape"] for o in ops.values() for e in o.get("errors", [])]
    keep = reachable(m["shapes"], roots)
    doc = {
        "metadata": {k: m["metadata"][k] for k in ("apiVersion", "targetPrefix", "signingName", "endpointPrefix") if k in m["metadata"]},
        "operations": {
            n: {"input": o.get("input", {}).get("shape"), "errors": [e["shape"] for e in o.get("errors", [])]}
            for n, o in sorted(ops.items())
        },
        "shapes": {n: slim(m["shapes"][n]) for n in sorted(keep)},
    }
    with open(os.path.join(MODELS, name + ".json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    return doc


# ---------------------------------------------------------------------------------------------
# TypeScript types. Inputs are typed as validation.ts hands them to a handler; outputs as a
# handler must give them to the JSON serialiser. The two differ only for blobs and timestamps:
#   blob       input Buffer (decoded from base64)     output Base64 (the handler encodes it)
#   timestamp  input EpochMilliseconds                output EpochSeconds
# Lists are readonly in both directions: a handler must not change its input (the audit record
# is made from it after the handler ran), and may answer with the domain's readonly lists.

SCALARS = {"string": "string", "boolean": "boolean", "integer": "number", "long": "number", "float": "number", "double": "number"}
BY_DIRECTION = {
    ("blob", "input"): "Buffer",
    ("blob", "output"): "Base64",
    ("timestamp", "input"): "EpochMilliseconds",
    ("timestamp", "output"): "EpochSeconds",
}
ALIASES = {
    "Base64": "/** A blob in an answer: the handler encodes it (operations/wire.ts `base64`). */\nexport type Base64 = string;",
    "EpochMilliseconds": "/** A timestamp in a request, as validation decodes it. */\nexport type EpochMilliseconds = number;",
    "EpochSeconds": "/** A timestamp in an answer, as AWS JSON 1.1 writes it (fractional seconds allowed). */\nexport type EpochSeconds = number;",
}
IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
WIDTH = 120


class Types:
    def __init__(self, shapes):
        self.shapes = shapes
        self.used_aliases = set()
        # Shape name -> direction its named type was written for; a structure reached from both
        # directions must mean the same in both.
        self.named = {}

    def direction_sensitive(self, name, seen=None):
        seen = set() if seen is None else seen
        if name in seen:
            return False
        seen.add(name)
        s = self.shapes[name]
        return s["type"] in ("blob", "timestamp") or any(self.direction_sensitive(r, seen) for r in refs(s))

    def ref(self, name, direction):
        """The TypeScript type of a reference to shape `name`."""
        s = self.shapes[name]
        t = s["type"]
        if t == "string" and "enum" in s:
            self.note(name, direction)
            return name
        if t in SCALARS:
            return SCALARS[t]
        if (t, direction) in BY_DIRECTION:
            alias = BY_DIRECTION[(t, direction)]
            if alias in ALIASES:
                self.used_aliases.add(alias)
            return alias
        if t == "list":
            element = self.ref(s["member"]["shape"], direction)
            return f"readonly {'(' + element + ')' if ' ' in element else element}[]"
        if t == "map":
            key = self.shapes[s["key"]["shape"]]
            value = self.ref(s["value"]["shape"], direction)
            if "enum" in key:
                return f"Readonly<Partial<Record<{self.ref(s['key']['shape'], direction)}, {value}>>>"
            return f"Readonly<Record<string, {value}>>"
        if t == "structure":
            self.note(name, direction)
            return name
        raise SystemExit(f"shape {name}: type {t} has no TypeScript form here")

    def note(self, name, direction):
        before = self.named.get(name)
        if before is not None and before != direction and self.direction_sensitive(name):
            raise SystemExit(
                f"shape {name} is reached from both inputs and outputs and holds a blob or timestamp: "
                "it needs an input and an output variant, which this generator does not write yet"
            )
        if before is None:
            self.named[name] = direction

    def declaration(self, name):
        s = self.shapes[name]
        direction = self.named[name]
        if s["type"] == "string":
            literals = [f"'{v}'" for v in s["enum"]]
            one_line = f"export type {name} = {' | '.join(literals)};"
            if len(one_line) <= WIDTH:
                return one_line
            return f"export type {name} =\n" + "\n".join(f"  | {v}" for v in literals) + ";"
        members = s.get("members", {})
        if not members:
            return f"export type {name} = Record<string, never>;"
        required = set(s.get("required", []))
        lines = [f"export interface {name} {{"]
        for member, ref in members.items():
            key = member if IDENTIFIER.match(member) else json.dumps(member)
            optional = "" if member in required else "?"
            lines.append(f"  {key}{optional}: {self.ref(ref['shape'], direction)};")
        lines.append("}")
        return "\n".join(lines)


def write_types(path, source, prefix, operations, shapes):
    """`operations`: name -> (input shape or None, output shape or None)."""
    types = Types(shapes)
    entries = []
    for op, (inp, out) in sorted(operations.items()):
        # Without an input shape the handler gets the request body unchecked (server.ts).
        i = types.ref(inp, "input") if inp else "Record<string, unknown>"
        o = types.ref(out, "output") if out else "Record<string, never>"
        entries.append(f"  {op}: {{ input: {i}; output: {o} }};")
    # Declarations of structures reached through other structures are found while writing.
    written, blocks = set(), []
    while len(written) < len(types.named):
        for name in sorted(set(types.named) - written):
            blocks.append(types.declaration(name))
            written.add(name)
    blocks.sort(key=lambda b: re.match(r"export (?:type|interface) (\w+)", b).group(1))
    header = [
        f"// Generated by scripts/gen-model.py from {source}: do not edit. Regenerate with `{COMMAND}`.",
        "// Per operation: the input a handler receives once validation.ts has checked it against the",
        "// same model, and the output it answers with.",
        "",
        *[ALIASES[a] + "\n" for a in sorted(types.used_aliases)],
        f"/** Every operation of the model: its input and output types. */",
        f"export type {prefix}Operations = {{",
        *entries,
        "};",
        "",
    ]
    with open(path, "w") as f:
        f.write("\n".join(header) + "\n" + "\n\n".join(blocks) + "\n")
    return len(operations), len(blocks)


def main():
    for name, (rel, prefix) in SERVICES.items():
        m = load(rel)
        doc = write_model(name, m)
        ops = {n: (o.get("input", {}).get("shape"), o.get("output", {}).get("shape")) for n, o in m["operations"].items()}
        n_ops, n_types = write_types(
            os.path.join(MODELS, name + ".types.ts"), f"botocore's {name} model (API {m['metadata']['apiVersion']})", prefix, ops, m["shapes"]
        )
        print(f"{name}: {len(doc['operations'])} operations, {len(doc['shapes'])} shapes, {n_types} types")

    with open(ADMIN_MODEL) as f:
        admin = json.load(f)
    ops = {n: (o.get("input"), o.get("output")) for n, o in admin["operations"].items()}
    _, n_types = write_types(ADMIN_TYPES, "src/operations/admin/model.json", "Admin", ops, admin["shapes"])
    print(f"admin: {len(ops)} operations, {n_types} types")


if __name__ == "__main__":
    main()
