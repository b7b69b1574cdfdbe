#!/usr/bin/env python3
"""Regenerate src/protocol/models/*.json from the service models that ship with botocore.

Only facts the server needs are kept: operation names, input shapes, member constraints,
error shapes. Documentation strings are dropped. Run: npm run gen:model
"""
import gzip
import json
import os

import botocore

SERVICES = {
    "kms": "kms/2014-11-01",
    "cloudhsmv2": "cloudhsmv2/2017-04-28",
    "cloudtrail": "cloudtrail/2013-11-01",
}
KEEP = ("type", "required", "min", "max", "pattern", "enum", "member", "key", "value", "members", "sensitive", "exception", "fault")


def load(rel):
    path = os.path.join(os.path.dirname(botocore.__file__), "data", rel, "service-2.json.gz")
    with gzip.open(path) as f:
        return json.load(f)


def reachable(shapes, roots):
    seen, todo = set(), list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        s = shapes[name]
        for ref in [s.get("member"), s.get("key"), s.get("value"), *s.get("members", {}).values()]:
            if ref:
                todo.append(ref["shape"])
    return seen


def slim(shape):
    out = {k: shape[k] for k in KEEP if k in shape}
    if "members" in out:
        out["members"] = {n: {"shape": m["shape"]} for n, m in out["members"].items()}
    for k in ("member", "key", "value"):
        if k in out:
            out[k] = {"shape": out[k]["shape"]}
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    outdir = os.path.join(here, "..", "src", "protocol", "models")
    for name, rel in SERVICES.items():
        m = load(rel)
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
        with open(os.path.join(outdir, name + ".json"), "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
        print(f"{name}: {len(doc['operations'])} operations, {len(doc['shapes'])} shapes")


if __name__ == "__main__":
    main()
