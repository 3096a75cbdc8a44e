#!/usr/bin/env python3
# Build an eunomia package by hand, without ecc, in the public eunomia-bpf format
# (docs/package-format.md): clang compiles the BPF object, bpftool and llvm-objdump describe it,
# and the package is {bpf_object: base64(zlib(ELF)), bpf_object_size, meta}.
#
# Usage: mkpkg.py SRC.bpf.c OUTDIR [--export STRUCT] [--yaml-free] [-I DIR]...
# Writes OUTDIR/<name>.bpf.o, OUTDIR/<name>.skel.json and OUTDIR/package.json; prints the
# package path. vmlinux.h is generated once with bpftool into the ecc cache directory
# ($XDG_DATA_HOME/eunomia/vmlinux/<arch>/vmlinux.h).
import argparse
import base64
import json
import os
import platform
import re
import subprocess
import sys
import zlib


def vmlinux_dir():
    base = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
    d = os.path.join(base, "eunomia", "vmlinux", platform.machine())
    h = os.path.join(d, "vmlinux.h")
    if not os.path.exists(h):
        os.makedirs(d, exist_ok=True)
        tmp = h + ".tmp.%d" % os.getpid()
        with open(tmp, "w") as f:
            subprocess.run(["bpftool", "btf", "dump", "file", "/sys/kernel/btf/vmlinux",
                            "format", "c"], stdout=f, check=True)
        os.rename(tmp, h)
    return d


def type_name(types, tid):
    """C type text of a BTF type, qualifiers stripped (as the public ecc writes it)."""
    t = types.get(tid)
    if t is None or tid == 0:
        return "void"
    k = t["kind"]
    if k in ("CONST", "VOLATILE", "RESTRICT", "TYPE_TAG"):
        return type_name(types, t["type_id"])
    if k in ("INT", "TYPEDEF", "FLOAT"):
        return t["name"]
    if k in ("STRUCT", "UNION", "ENUM", "ENUM64"):
        kw = {"STRUCT": "struct", "UNION": "union"}.get(k, "enum")
        return "%s %s" % (kw, t["name"])
    if k == "PTR":
        return type_name(types, t["type_id"]) + " *"
    if k == "ARRAY":
        return "%s[%d]" % (type_name(types, t["type_id"]), t["nr_elems"])
    return t.get("name", "void")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("outdir")
    ap.add_argument("--export", help="struct carried by the ring buffer / perf buffer")
    ap.add_argument("-I", dest="incs", action="append", default=[])
    ap.add_argument("--meta", help="JSON merged into each prog entry by name: "
                    '{"prog": {"ifindex": 1}}')
    a = ap.parse_args()

    name = os.path.basename(a.src).split(".")[0]
    obj_name = name + "_bpf"
    os.makedirs(a.outdir, exist_ok=True)
    obj = os.path.join(a.outdir, name + ".bpf.o")
    cmd = ["clang", "-g", "-O2", "-target", "bpf", "-D__TARGET_ARCH_x86",
           "-I", vmlinux_dir(), "-I", os.path.dirname(os.path.abspath(a.src))]
    for i in a.incs:
        cmd += ["-I", i]
    subprocess.run(cmd + ["-c", a.src, "-o", obj], check=True)

    btf = json.loads(subprocess.run(["bpftool", "-j", "btf", "dump", "file", obj],
                                    capture_output=True, check=True, text=True).stdout)
    types = {t["id"]: t for t in btf["types"]}

    # programs: global functions and the ELF section each lives in
    syms = subprocess.run(["llvm-objdump", "-t", obj], capture_output=True, check=True,
                          text=True).stdout
    progs = []
    for line in syms.splitlines():
        m = re.match(r"^[0-9a-f]+ g\s+F (\S+)\s+[0-9a-f]+ (\S+)$", line)
        if m and m.group(1) != ".text":
            progs.append({"name": m.group(2), "attach": m.group(1), "link": True})
    extra = json.loads(a.meta) if a.meta else {}
    for p in progs:
        p.update(extra.get(p["name"], {}))

    maps, sections = [], []
    for t in btf["types"]:
        if t["kind"] != "DATASEC":
            continue
        sec = t["name"]
        if sec == ".maps":
            for v in t["vars"]:
                n = types[v["type_id"]]["name"]
                maps.append({"name": n, "ident": n})
        elif sec in (".rodata", ".bss", ".data"):
            ident = sec[1:]
            maps.append({"name": obj_name[:8] + sec, "ident": ident, "mmaped": True})
            variables = []
            for v in t["vars"]:
                var = types[v["type_id"]]
                variables.append({"name": var["name"], "type": type_name(types, var["type_id"])})
            sections.append({"name": sec, "variables": variables})

    export_types = []
    if a.export:
        for t in btf["types"]:
            if t["kind"] == "STRUCT" and t["name"] == a.export:
                export_types.append({
                    "name": t["name"], "type_id": t["id"], "size": t["size"],
                    "members": [{"name": m["name"], "type": type_name(types, m["type_id"])}
                                for m in t["members"]]})
                break
        else:
            sys.exit("mkpkg.py: struct %s not in the object's BTF" % a.export)

    meta = {"bpf_skel": {"data_sections": sections, "maps": maps, "obj_name": obj_name,
                         "progs": progs},
            "eunomia_version": "0.3.4", "export_types": export_types}
    with open(os.path.join(a.outdir, name + ".skel.json"), "w") as f:
        json.dump(meta, f, indent=2)
    with open(obj, "rb") as f:
        elf = f.read()
    doc = {"bpf_object": base64.b64encode(zlib.compress(elf, 9)).decode(),
           "bpf_object_size": len(elf), "meta": meta}
    out = os.path.join(a.outdir, "package.json")
    with open(out, "w") as f:
        json.dump(doc, f)
    print(out)


if __name__ == "__main__":
    main()
