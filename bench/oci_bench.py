"""Registry benchmarks for make bench: `ecli push` / `ecli pull` of a 100 KB and a 1 MB package
against Debian's docker-registry on 127.0.0.1, each against the same transfer done with curl in
the same run (alternating), and the time signature verification adds per package.

The curl baseline does what the registry protocol needs and nothing more, one curl process per
request: push = POST an upload, PUT the blob, PUT the manifest (the empty config is uploaded once
beforehand); pull = GET the manifest, GET the blob. ecli does the same requests from one process
(plus a HEAD per blob and, on pull, checks every digest and fills its cache, emptied each time).
"""
import json
import os
import hashlib
import shutil
import socket
import subprocess
import tempfile
import time

EMPTY = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_registry(tmp):
    port = free_port()
    cfg = os.path.join(tmp, "config.yml")
    with open(cfg, "w") as f:
        f.write("version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n"
                "    rootdirectory: %s/data\nhttp:\n  addr: 127.0.0.1:%d\n" % (tmp, port))
    p = subprocess.Popen(["docker-registry", "serve", cfg], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return p, "127.0.0.1:%d" % port
        except OSError:
            time.sleep(0.05)
    p.kill()
    raise RuntimeError("docker-registry did not start")


def curl(*args, data=None):
    r = subprocess.run(["curl", "-sS", "-f", *args], input=data, capture_output=True)
    if r.returncode:
        raise RuntimeError("curl %s: %s" % (" ".join(args), r.stderr.decode()))
    return r.stdout


def curl_blob(reg, repo, path):
    blob = open(path, "rb").read()
    dig = "sha256:" + hashlib.sha256(blob).hexdigest()
    hdr = curl("-D", "-", "-o", "/dev/null", "-X", "POST", "http://%s/v2/%s/blobs/uploads/" % (reg, repo))
    loc = [l.split(b":", 1)[1].strip().decode() for l in hdr.splitlines()
           if l.lower().startswith(b"location:")][0]
    if loc.startswith("/"):
        loc = "http://" + reg + loc
    curl("-X", "PUT", "-H", "Content-Type: application/octet-stream", "--data-binary", "@" + path,
         loc + ("&" if "?" in loc else "?") + "digest=" + dig)
    return blob, dig


def curl_push(reg, repo, tag, path):
    blob, dig = curl_blob(reg, repo, path)
    man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                      "artifactType": "application/vnd.eunomia.package.v1+json",
                      "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": EMPTY,
                                 "size": 2},
                      "layers": [{"mediaType": "application/vnd.eunomia.package.layer.v1+json",
                                  "digest": dig, "size": len(blob)}]}).encode()
    curl("-X", "PUT", "-H", "Content-Type: application/vnd.oci.image.manifest.v1+json",
         "--data-binary", "@-", "http://%s/v2/%s/manifests/%s" % (reg, repo, tag), data=man)


def curl_pull(reg, repo, tag, out):
    man = json.loads(curl("-H", "Accept: application/vnd.oci.image.manifest.v1+json",
                          "http://%s/v2/%s/manifests/%s" % (reg, repo, tag)))
    curl("-L", "-o", out, "http://%s/v2/%s/blobs/%s" % (reg, repo, man["layers"][0]["digest"]))


def timed(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def make_package(path, size, salt):
    """A JSON document of size bytes (incompressible filler), different for every salt."""
    filler = hashlib.sha256(salt.encode()).hexdigest()
    body = (filler * (size // len(filler) + 1))[: size - 12]
    with open(path, "w") as f:
        f.write('{"pad": "%s"}\n' % body)


def run(argv, env=None):
    r = subprocess.run(argv, capture_output=True, env=env)
    if r.returncode:
        raise RuntimeError("%s: %s" % (" ".join(argv), r.stderr.decode()))
    return r


def bench_oci(a, reps, summary):
    if not shutil.which("docker-registry") or not shutil.which("curl"):
        return {"skipped": "needs docker-registry and curl (scripts/setup.sh deps)"}
    tmp = tempfile.mkdtemp(prefix="eunomia-oci-bench.")
    reg_proc, reg = start_registry(tmp)
    env = dict(os.environ, EUNOMIA_OCI_CACHE=os.path.join(tmp, "cache"), DOCKER_CONFIG=tmp)
    for k in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        env.pop(k, None)
    res = {}
    try:
        with open(os.path.join(tmp, "empty"), "w") as f:
            f.write("{}")
        for label, size in (("100k", 100 * 1000), ("1m", 1000 * 1000)):
            # the empty config, once per repository, for both (ecli's HEAD then finds it)
            curl_blob(reg, "bench/c" + label, os.path.join(tmp, "empty"))
            curl_blob(reg, "bench/e" + label, os.path.join(tmp, "empty"))
            e_push, c_push, e_pull, c_pull = [], [], [], []
            for i in range(reps):
                pe = os.path.join(tmp, "e-%s-%d.json" % (label, i))
                pc = os.path.join(tmp, "c-%s-%d.json" % (label, i))
                make_package(pe, size, "e%s%d" % (label, i))
                make_package(pc, size, "c%s%d" % (label, i))
                ref = "%s/bench/e%s:%d" % (reg, label, i)
                e_push.append(timed(lambda: run([a.ecli, "push", pe, ref], env)))
                c_push.append(timed(lambda: curl_push(reg, "bench/c" + label, str(i), pc)))
                shutil.rmtree(env["EUNOMIA_OCI_CACHE"], ignore_errors=True)
                out = os.path.join(tmp, "out")
                e_pull.append(timed(lambda: run([a.ecli, "pull", "-o", out, ref], env)))
                c_pull.append(timed(lambda: curl_pull(reg, "bench/c" + label, str(i),
                                                      os.path.join(tmp, "c.out"))))
            res["push_" + label] = {"ecli_s": summary(e_push), "curl_s": summary(c_push),
                                    "ratio": summary(e_push)["median"] / summary(c_push)["median"]}
            res["pull_" + label] = {"ecli_s": summary(e_pull), "curl_s": summary(c_pull),
                                    "ratio": summary(e_pull)["median"] / summary(c_pull)["median"]}
        # verification: ecli run --verify-key PKG --help minus ecli run PKG --help
        run([a.ecli, "keygen", "-o", os.path.join(tmp, "k")], env)
        for name in ("small", "large"):
            pkg = os.path.join(a.build, name, "package.json")
            if not os.path.exists(pkg):
                continue
            run([a.ecli, "sign", "-k", os.path.join(tmp, "k.key"), pkg], env)
            plain, verified = [], []
            for _ in range(reps):
                plain.append(timed(lambda: run([a.ecli, "run", pkg, "--help"], env)))
                verified.append(timed(lambda: run([a.ecli, "run", "--verify-key",
                                                   os.path.join(tmp, "k.pub"), pkg, "--help"],
                                                  env)))
            res["verify_" + name] = {
                "package_bytes": os.path.getsize(pkg), "plain_s": summary(plain),
                "verified_s": summary(verified),
                "overhead_s": summary(verified)["median"] - summary(plain)["median"]}
            os.unlink(pkg + ".minisig")
    finally:
        reg_proc.kill()
        reg_proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    return res
