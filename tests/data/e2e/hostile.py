#!/usr/bin/env python3
# Hostile variants of a valid package, for tests/e2e/hostile.bats.
#   hostile.py PACKAGE.json OUTDIR   writes OUTDIR/<case>.json|.yaml|.tar, one per case below
import base64, copy, io, json, os, struct, sys, tarfile, zlib

src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
doc = json.load(open(src))
obj = zlib.decompress(base64.b64decode(doc["bpf_object"]))


def write(name, d):
    with open(os.path.join(out, name + ".json"), "w") as f:
        json.dump(d, f)


def with_obj(o, size=None):
    d = copy.deepcopy(doc)
    d["bpf_object"] = base64.b64encode(zlib.compress(o, 9)).decode()
    d["bpf_object_size"] = len(o) if size is None else size
    return d


def section(o, want):
    """(offset, size) of ELF64 section `want`."""
    shoff, = struct.unpack_from("<Q", o, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", o, 0x3A)
    def sh(i):
        return struct.unpack_from("<IIQQQQIIQQ", o, shoff + i * shentsize)
    stroff = sh(shstrndx)[4]
    for i in range(shnum):
        h = sh(i)
        name = o[stroff + h[0]:o.index(b"\0", stroff + h[0])].decode()
        if name == want:
            return h[4], h[5]
    raise SystemExit("no section " + want)


boff, bsize = section(obj, ".BTF")
# BTF header: magic u16, version u8, flags u8, hdr_len u32, type_off, type_len, str_off, str_len
hdr_len, type_off, type_len, str_off, str_len = struct.unpack_from("<IIIII", obj, boff + 4)

# 1. the BTF header claims more types and strings than the section holds
o = bytearray(obj)
struct.pack_into("<IIII", o, boff + 8, type_off, 0x7FFFFFF0, str_off, 0x7FFFFFF0)
write("btf-header-lies", with_obj(bytes(o)))
# 2. the type section filled with 0xff (kinds and counts out of range)
o = bytearray(obj)
start = boff + hdr_len + type_off
o[start:start + type_len] = b"\xff" * type_len
write("btf-garbage-types", with_obj(bytes(o)))
# 3. the BTF cut in half: the section header still says the full size (truncated bytes zeroed)
o = bytearray(obj)
o[boff + bsize // 2:boff + bsize] = bytes(bsize - bsize // 2)
write("btf-truncated", with_obj(bytes(o)))

# 4. export types pointing past the record / past the BTF
d = copy.deepcopy(doc)
d["meta"]["export_types"][0]["type_id"] = 0x7FFFFFF
write("export-type-id-past-btf", d)
d = copy.deepcopy(doc)
d["meta"]["export_types"][0]["size"] = 1 << 30
write("export-size-huge", d)
d = copy.deepcopy(doc)
d["meta"]["export_types"][0]["members"].append({"name": "past_end", "type": "char[4096]"})
write("export-member-past-record", d)

# 5. a package that claims a 4 GiB object (the stream inflates to a few KiB)
write("claims-4gib", with_obj(obj, size=4 << 30))
# a stream that really inflates to 4 GiB of zeros is 4 MiB: too big for a fixture; 64 MiB of
# zeros (64 KiB compressed) claiming that size checks the inflate limit instead
z = zlib.compressobj(9)
bomb = b"".join(z.compress(bytes(1 << 20)) for _ in range(64)) + z.flush()
d = copy.deepcopy(doc)
d["bpf_object"] = base64.b64encode(bomb).decode()
d["bpf_object_size"] = 64 << 20
write("zlib-bomb-64mib", d)

# 6. a YAML bomb: nine levels of nine aliases (9^9 = 387M nodes if expanded)
lines = ['a0: &a0 ["lol"]']
for i in range(1, 10):
    lines.append("a%d: &a%d [%s]" % (i, i, ", ".join(["*a%d" % (i - 1)] * 9)))
lines.append("bpf_object: %s" % doc["bpf_object"])
lines.append("bpf_object_size: %d" % doc["bpf_object_size"])
lines.append("meta: " + json.dumps(doc["meta"]))
lines.append("bomb: *a9")
with open(os.path.join(out, "yaml-bomb.yaml"), "w") as f:
    f.write("\n".join(lines) + "\n")


# 7. tars: path traversal, absolute path, symlinks in btfhub-archive/
def tar(name, members):
    with tarfile.open(os.path.join(out, name + ".tar"), "w") as t:
        data = json.dumps(doc).encode()
        ti = tarfile.TarInfo("package.json")
        ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
        for m in members:
            t.addfile(*m)


def reg(path, data=b"x"):
    ti = tarfile.TarInfo(path)
    ti.size = len(data)
    return ti, io.BytesIO(data)


def sym(path, target):
    ti = tarfile.TarInfo(path)
    ti.type = tarfile.SYMTYPE
    ti.linkname = target
    return (ti,)


rel = os.uname().release
arch = os.uname().machine
tar("tar-traversal", [reg("btfhub-archive/../../../tmp/eunomia-hostile-escape", b"gotcha")])
tar("tar-absolute", [reg("/tmp/eunomia-hostile-escape", b"gotcha")])
tar("tar-symlink", [sym("btfhub-archive/debian/12/%s/%s.btf" % (arch, rel), "/etc/shadow"),
                    sym("btfhub-archive/escape", "../../../../etc")])
