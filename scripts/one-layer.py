#!/usr/bin/env python3
"""Writes an OCI layout holding one layer of another: the largest by default.

    scripts/one-layer.py SRC_LAYOUT DST_LAYOUT [INDEX]

Blobs are hard-linked (copied across filesystems); the config keeps only that
layer's diff_id and history entry, so the result is a valid one-layer image: the
case of one dominant layer, on real content.
"""
import hashlib, json, os, shutil, sys

src, dst = sys.argv[1], sys.argv[2]
blob = lambda root, d: os.path.join(root, "blobs", *d.split(":"))
index = json.load(open(os.path.join(src, "index.json")))
man_desc = index["manifests"][0]
man = json.load(open(blob(src, man_desc["digest"])))
sizes = [l["size"] for l in man["layers"]]
i = int(sys.argv[3]) if len(sys.argv) > 3 else sizes.index(max(sizes))
config = json.load(open(blob(src, man["config"]["digest"])))
config["rootfs"]["diff_ids"] = [config["rootfs"]["diff_ids"][i]]
hist = [h for h in config.get("history", []) if not h.get("empty_layer")]
config["history"] = [hist[i]] if len(hist) == len(sizes) else []

os.makedirs(os.path.join(dst, "blobs", "sha256"), exist_ok=True)
def put(data):
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    open(blob(dst, d), "wb").write(data)
    return d, len(data)
layer = man["layers"][i]
try:
    os.link(blob(src, layer["digest"]), blob(dst, layer["digest"]))
except FileExistsError:
    pass
except OSError:
    shutil.copy(blob(src, layer["digest"]), blob(dst, layer["digest"]))
cd, cs = put(json.dumps(config).encode())
man["config"].update(digest=cd, size=cs)
man["layers"] = [layer]
md, ms = put(json.dumps(man).encode())
open(os.path.join(dst, "oci-layout"), "w").write('{"imageLayoutVersion":"1.0.0"}')
json.dump({"schemaVersion": 2, "manifests": [dict(man_desc, digest=md, size=ms)]},
          open(os.path.join(dst, "index.json"), "w"))
print(f"layer {i} of {len(sizes)}: {sizes[i]} bytes")
