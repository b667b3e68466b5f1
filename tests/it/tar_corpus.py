#!/usr/bin/env python3
"""Writes a corpus of tar layers for the differential test (tests/it/tar_diff.rs)
and what the reference readers list in each.

Usage: tar_corpus.py OUT_DIR

OUT_DIR/<name>.tar is each layer; OUT_DIR/listing.json maps each name to
{"gnu": {"ok": bool, "entries": [...]}, "python": {...}}, an entry being
[path as hex, kind, size, link target as hex]. Kinds are `tar -tv`'s first
letter: - h l d c b p (and ? for what Python does not know).

The layers are written by GNU tar (every --format, each sparse version), by
Python's tarfile (ustar, GNU, PAX, global headers), then changed the ways crafted
layers are: base-256 sizes, garbage in padding and after the end, a lone zero
block, no end blocks, cuts in headers and data, bad checksums.
"""

import hashlib
import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tarfile

OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
WORK = os.path.join(OUT, "trees")
rng = random.Random(22)
corpus = {}


def write(name, data):
    with open(os.path.join(OUT, name + ".tar"), "wb") as f:
        f.write(data)
    corpus[name] = data


def sparse(path, size, regions):
    """A file of `size` bytes with data only at `regions` (offset, length)."""
    with open(path, "wb") as f:
        f.truncate(size)
        for off, n in regions:
            f.seek(off)
            f.write(bytes(rng.randrange(1, 256) for _ in range(n)))


def tree_basic(root):
    os.makedirs(f"{root}/app/src", exist_ok=True)
    for size in (0, 1, 511, 512, 513, 10000):
        with open(f"{root}/app/src/f{size}.bin", "wb") as f:
            f.write(bytes(rng.randrange(256) for _ in range(size)))
    os.symlink("src/f1.bin", f"{root}/app/link")
    os.link(f"{root}/app/src/f512.bin", f"{root}/app/hard")
    os.mkfifo(f"{root}/app/fifo")
    with open(f"{root}/app/.env", "w") as f:
        f.write("SECRET=1\n")


def tree_long(root):
    deep = "/".join(["d" * 60] * 3)
    os.makedirs(f"{root}/{deep}", exist_ok=True)
    with open(f"{root}/{deep}/{'n' * 120}.txt", "w") as f:
        f.write("long")
    os.symlink("t/" * 60 + "target", f"{root}/far-link")
    os.link(f"{root}/{deep}/{'n' * 120}.txt", f"{root}/hard-to-long")
    with open(f"{root}/caf\u00e9 \u00fcber.txt", "w") as f:
        f.write("utf8")
    with open(f"{root}/after", "w") as f:
        f.write("after")


def tree_sparse(root):
    os.makedirs(f"{root}/s", exist_ok=True)
    sparse(f"{root}/s/holes", 11_500_000, [(4_000_000, 5), (8_000_000, 5)])
    sparse(f"{root}/s/head", 300_000, [(0, 10_000)])
    sparse(f"{root}/s/tail", 300_000, [(290_000, 10_000)])
    sparse(f"{root}/s/empty", 1_000_000, [])
    # More regions than the old GNU header holds (4) and than one extension block (21).
    sparse(f"{root}/s/many", 4_000_000, [(i * 100_000, 100) for i in range(1, 30)])
    # A real size beyond octal's 8 GiB: base-256 in the old GNU header.
    sparse(f"{root}/s/huge", 9 << 30, [(5 << 30, 4096)])
    # After the sparse files in name order, where a misread would lose it.
    os.makedirs(f"{root}/s/zz", exist_ok=True)
    with open(f"{root}/s/zz/.env", "w") as f:
        f.write("SECRET=1\n")


def tree_v7(root):
    os.makedirs(f"{root}/etc", exist_ok=True)
    for i in range(5):
        with open(f"{root}/etc/c{i}", "wb") as f:
            f.write(b"x" * (i * 700))
    os.symlink("c1", f"{root}/etc/l")


TREES = {"basic": tree_basic, "long": tree_long, "sparse": tree_sparse, "v7": tree_v7}

GNU_WRITES = [
    ("gnu", ["--format=gnu"]),
    ("oldgnu", ["--format=oldgnu"]),
    ("ustar", ["--format=ustar"]),
    ("pax", ["--format=posix"]),
    ("v7", ["--format=v7"]),
    ("gnu-sparse", ["--format=gnu", "-S"]),
    ("oldgnu-sparse", ["--format=oldgnu", "-S"]),
    ("pax-sparse00", ["--format=posix", "-S", "--sparse-version=0.0"]),
    ("pax-sparse01", ["--format=posix", "-S", "--sparse-version=0.1"]),
    ("pax-sparse10", ["--format=posix", "-S", "--sparse-version=1.0"]),
    ("gnu-b1", ["--format=gnu", "-b", "1"]),
]

for tname, make in TREES.items():
    root = os.path.join(WORK, tname)
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    make(root)
    for wname, flags in GNU_WRITES:
        # The sparse tree written without -S would hold 9 GiB of zeros.
        if ("sparse" in wname) != (tname == "sparse"):
            continue
        out = subprocess.run(
            ["tar", "-c", "-f", "-", "--sort=name", "--mtime=@0", "--owner=0", "--group=0",
             "--numeric-owner", *flags, "-C", root, "."],
            capture_output=True,
        )
        # v7 and ustar refuse some names and kinds: what they wrote is still a layer.
        if out.stdout:
            write(f"{tname}-{wname}", out.stdout)

# Python's tarfile: its three formats, a global header, and entries it builds by hand.
for tname in TREES:
    if tname == "sparse":
        continue
    root = os.path.join(WORK, tname)
    for fname, fmt in (("ustar", tarfile.USTAR_FORMAT), ("gnu", tarfile.GNU_FORMAT),
                       ("pax", tarfile.PAX_FORMAT)):
        buf = io.BytesIO()
        kw = {"pax_headers": {"comment": "global"}} if fmt == tarfile.PAX_FORMAT else {}
        try:
            with tarfile.open(fileobj=buf, mode="w", format=fmt, **kw) as t:
                t.add(root, arcname=".")
        except ValueError:
            continue
        write(f"{tname}-py{fname}", buf.getvalue())


def by_hand():
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        def add(name, kind, data=b"", link="", pax=None):
            ti = tarfile.TarInfo(name)
            ti.type = kind
            ti.size = len(data)
            ti.linkname = link
            if pax:
                ti.pax_headers = pax
            t.addfile(ti, io.BytesIO(data) if data else None)
        add("dev/null", tarfile.CHRTYPE)
        add("dev/sda", tarfile.BLKTYPE)
        add("old-dir/", tarfile.AREGTYPE)
        add("contiguous", tarfile.CONTTYPE, b"c" * 700)
        add("pax-named", tarfile.REGTYPE, b"p" * 10, pax={"path": "renamed/by/pax"})
        add("x/" + "y" * 300, tarfile.SYMTYPE, link="z" * 300)
        add("h", tarfile.LNKTYPE, link="contiguous")
        add("last", tarfile.REGTYPE, b"end")
    return buf.getvalue()


write("byhand-pax", by_hand())

# Changes made to the layers above, as crafted layers make them.
BLOCK = 512


def headers(data):
    """Offsets of the member headers Python finds (tarfile keeps them)."""
    try:
        with tarfile.open(fileobj=io.BytesIO(data)) as t:
            return [(m.offset, m.offset_data, m) for m in t.getmembers()]
    except tarfile.TarError:
        return []


def checksum(h):
    h = bytearray(h)
    h[148:156] = b" " * 8
    s = sum(h)
    h[148:156] = b"%06o\0 " % s
    return bytes(h)


def end_of_entries(data):
    """Where the end-of-archive blocks start: after the last member's data."""
    try:
        with tarfile.open(fileobj=io.BytesIO(data)) as t:
            t.getmembers()
            return t.offset
    except tarfile.TarError:
        return None


mutations = 0
for name, data in list(corpus.items()):
    end = end_of_entries(data)
    if end is None:
        continue
    # Garbage after the end blocks, and after a lone zero block.
    write(f"{name}+garbage", data[: end + 2 * BLOCK] + bytes(rng.randrange(256) for _ in range(700)))
    write(f"{name}+lone-zero", data[: end + BLOCK])
    write(f"{name}+no-end", data[:end])
    # Cut inside a header and inside the data.
    ms = headers(data)
    if ms:
        off, data_at, m = ms[len(ms) // 2]
        write(f"{name}+cut-header", data[: off + 300])
        big = [x for x in ms if x[2].isreg() and x[2].size > 600]
        if big:
            _, at, _ = big[0]
            write(f"{name}+cut-data", data[: at + 100])
        # A flipped byte in a header: its checksum no longer holds.
        flipped = bytearray(data)
        flipped[off + 3] ^= 0x20
        write(f"{name}+bad-checksum", bytes(flipped))
        # Every size field base-256 (as GNU writes sizes octal cannot hold).
        b256 = bytearray(data)
        for o, _, mm in ms:
            h = bytes(b256[o:o + BLOCK])
            if h[156:157] not in (b"0", b"\0") or mm.sparse is not None:
                continue
            size = tarfile.nti(h[124:136])
            field = bytearray(12)
            field[0] = 0x80
            field[4:] = size.to_bytes(8, "big")
            h = h[:124] + bytes(field) + h[136:]
            b256[o:o + BLOCK] = checksum(h)
        write(f"{name}+base256", bytes(b256))
        # Garbage in the padding after each file's data.
        padded = bytearray(data)
        for _, at, mm in ms:
            if mm.isreg() and mm.sparse is None and mm.size % BLOCK:
                pad_at = at + mm.size
                pad_to = at + (-(-mm.size // BLOCK)) * BLOCK
                for i in range(pad_at, pad_to):
                    padded[i] = 0xAA
        write(f"{name}+padding", bytes(padded))
    mutations += 1


def gnu_listing(path):
    out = subprocess.run(
        ["tar", "-tv", "--numeric-owner", "--full-time", "-f", path],
        capture_output=True, env={**os.environ, "LC_ALL": "C"},
    )
    entries = []
    for line in out.stdout.split(b"\n"):
        if not line:
            continue
        fields = line.split(None, 5)
        kind = chr(fields[0][0])
        # `C`: a contiguous file, a regular file to every reader.
        kind = "-" if kind == "C" else kind
        size = fields[2].decode()
        rest = fields[5]
        link = b""
        if kind == "l":
            rest, _, link = rest.partition(b" -> ")
        elif kind == "h":
            rest, _, link = rest.partition(b" link to ")
        entries.append([unescape(rest).hex(), kind, int(size) if size.isdigit() else 0,
                        unescape(link).hex()])
    # GNU tar's exit status 2 is a fatal error; it prints warnings (a lone zero
    # block) with status 0.
    return {"ok": out.returncode == 0, "entries": entries,
            "stderr": out.stderr.decode(errors="replace")}


def unescape(b):
    """GNU tar's default quoting (escape): \\ooo octal, \\\\ and C escapes."""
    out = bytearray()
    i = 0
    simple = {ord("n"): 10, ord("t"): 9, ord("\\"): 92, ord("a"): 7, ord("b"): 8,
              ord("f"): 12, ord("r"): 13, ord("v"): 11, ord("?"): 63}
    while i < len(b):
        c = b[i]
        if c == 92 and i + 1 < len(b):
            n = b[i + 1]
            if 48 <= n <= 55:
                out.append(int(b[i + 1:i + 4], 8))
                i += 4
                continue
            if n in simple:
                out.append(simple[n])
                i += 2
                continue
        out.append(c)
        i += 1
    return bytes(out)


KIND = {tarfile.REGTYPE: "-", tarfile.AREGTYPE: "-", tarfile.CONTTYPE: "-",
        tarfile.GNUTYPE_SPARSE: "-", tarfile.LNKTYPE: "h", tarfile.SYMTYPE: "l",
        tarfile.DIRTYPE: "d", tarfile.CHRTYPE: "c", tarfile.BLKTYPE: "b",
        tarfile.FIFOTYPE: "p"}


def python_listing(data):
    try:
        entries = []
        with tarfile.open(fileobj=io.BytesIO(data), encoding="utf-8",
                          errors="surrogateescape") as t:
            for m in t.getmembers():
                name = m.name.encode("utf-8", "surrogateescape")
                link = m.linkname.encode("utf-8", "surrogateescape")
                kind = KIND.get(m.type, "?")
                # tarfile drops the slash of old-style directories and reads
                # them as directories; its names are otherwise as stored.
                if m.type == tarfile.AREGTYPE and m.name.endswith("/"):
                    kind = "d"
                entries.append([name.hex(), kind, m.size if kind == "-" else 0, link.hex()])
        return {"ok": True, "entries": entries}
    except (tarfile.TarError, EOFError, ValueError, OSError) as e:
        return {"ok": False, "entries": [], "error": str(e)}


listing = {}
for name, data in corpus.items():
    path = os.path.join(OUT, name + ".tar")
    listing[name] = {"gnu": gnu_listing(path), "python": python_listing(data)}
with open(os.path.join(OUT, "listing.json"), "w") as f:
    json.dump(listing, f, indent=1, sort_keys=True)
shutil.rmtree(WORK)
print(f"{len(corpus)} layers")
