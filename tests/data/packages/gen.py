#!/usr/bin/env python3
# Regenerate the malformed fixture packages used by tests/e2e/package.bats and test_packer.
# Each one breaks exactly one check of docs/package-format.md §2 / §3-§4.
#   gen.py                          rewrite the malformed fixtures in this directory
#   gen.py --package OBJ META OUT   wrap a BPF object and a meta into a valid package (fuzz seed)
import base64, json, os, sys, zlib

if len(sys.argv) == 5 and sys.argv[1] == "--package":
    obj = open(sys.argv[2], "rb").read()
    with open(sys.argv[4], "w") as f:
        json.dump({"bpf_object": base64.b64encode(zlib.compress(obj, 9)).decode(),
                   "bpf_object_size": len(obj), "meta": json.load(open(sys.argv[3]))}, f)
    sys.exit(0)
os.chdir(os.path.dirname(os.path.abspath(__file__)))

ELF = b"\x7fELF" + bytes(range(96))  # not a real object: these packages never get that far
META = {"bpf_skel": {"obj_name": "broken_bpf", "data_sections": None, "maps": None,
                     "progs": [{"name": "handle", "attach": "tp/syscalls/sys_enter_getpid",
                                "link": True}]},
        "export_types": None, "eunomia_version": "0.1.0"}


def pkg(obj=ELF, size=None, meta=META, b64=None):
    return {"bpf_object": b64 if b64 is not None else
            base64.b64encode(zlib.compress(obj, 9)).decode(),
            "bpf_object_size": len(obj) if size is None else size, "meta": meta}


def dump(name, doc):
    with open(name, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


good_b64 = base64.b64encode(zlib.compress(ELF, 9)).decode()
with open("bad-json.json", "w") as f:
    f.write('{\n  "bpf_object": "%s",\n  "bpf_object_size": 100,\n  "meta": {\n' % good_b64)
dump("bad-base64.json", pkg(b64=good_b64[:12] + "!" + good_b64[13:]))
dump("bad-zlib.json", pkg(b64=base64.b64encode(b"this is not a zlib stream at all").decode()))
dump("size-mismatch.json", pkg(size=len(ELF) + 8))
m = json.loads(json.dumps(META))
del m["bpf_skel"]["obj_name"]
dump("missing-field.json", pkg(meta=m))
m = json.loads(json.dumps(META))
m["bpf_skel"]["progs"][0]["attach"] = 42
dump("wrong-type.json", pkg(meta=m))
d = pkg()
del d["bpf_object_size"]
dump("no-size.json", d)

# The same mistyped field in a YAML package (YAML is read too, §1 Decision).
with open("wrong-type.yaml", "w") as f:
    f.write("# attach is a number: the loader must name meta.bpf_skel.progs[0].attach\n"
            "bpf_object: %s\n"
            "bpf_object_size: %d\n"
            "meta:\n"
            "  bpf_skel:\n"
            "    obj_name: broken_bpf\n"
            "    data_sections: ~\n"
            "    maps: []\n"
            "    progs:\n"
            "      - name: handle\n"
            "        attach: 42\n"
            "        link: true\n"
            "  export_types: null\n"
            "  eunomia_version: '0.1.0'\n" % (good_b64, len(ELF)))
