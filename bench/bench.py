#!/usr/bin/env python3
"""eunomia-bpf benchmark suite (make bench).

Every figure is a median over repeated runs with its interquartile spread, and every comparison
is a ratio against a native baseline measured in the same run, alternating the two so that
machine noise hits both alike. See bench/README.md for what each figure means.
"""
import argparse
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import time

from server_bench import bench_server
from metrics_bench import bench_metrics, rows as metrics_rows
from oci_bench import bench_oci


def quartiles(xs):
    xs = sorted(xs)
    if len(xs) < 4:
        return xs[0], xs[-1]
    q = statistics.quantiles(xs, n=4)
    return q[0], q[2]


def summary(xs):
    lo, hi = quartiles(xs)
    return {"median": statistics.median(xs), "p25": lo, "p75": hi, "n": len(xs)}


def spawn_until(argv, marker, timeout=30.0, stdout=subprocess.DEVNULL):
    """Start argv, return (proc, seconds until a stderr line contains marker)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=stdout, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    err = []
    while True:
        line = p.stderr.readline()
        if not line:
            p.wait()
            raise RuntimeError("%s exited before '%s':\n%s" % (argv[0], marker, b"".join(err).decode()))
        err.append(line)
        if marker.encode() in line:
            return p, time.perf_counter() - t0
        if time.perf_counter() - t0 > timeout:
            p.kill()
            raise RuntimeError("%s: no '%s' in %.0fs" % (argv[0], marker, timeout))


def stop(p, sig=signal.SIGINT):
    """Signal p and return the seconds until it has exited."""
    t0 = time.perf_counter()
    p.send_signal(sig)
    p.wait(timeout=60)
    dt = time.perf_counter() - t0
    p.stderr.close()
    return dt


def bench_startup(a, name, reps):
    pkg = os.path.join(a.build, name, "package.json")
    obj = os.path.join(a.build, name, name + ".bpf.o")
    # Warm-up: the first run on a kernel fills the minimal-BTF cache in the background.
    p, _ = spawn_until([a.ecli, "run", pkg], "Running")
    stop(p)
    time.sleep(2)
    ecli, cold, native, down_e, down_n = [], [], [], [], []
    for _ in range(reps):
        p, t = spawn_until([a.ecli, "run", pkg], "Running")
        ecli.append(t)
        down_e.append(stop(p))
        p, t = spawn_until([a.ecli, "run", "--no-btf-cache", pkg], "Running")
        cold.append(t)
        stop(p)
        p, t = spawn_until([os.path.join(a.build, "native_loader"), obj], "attached")
        native.append(t)
        down_n.append(stop(p))
    return {
        "ecli_s": summary(ecli),
        "ecli_no_btf_cache_s": summary(cold),
        "native_s": summary(native),
        "ratio": statistics.median(ecli) / statistics.median(native),
        "ratio_no_btf_cache": statistics.median(cold) / statistics.median(native),
        "teardown_ecli_s": summary(down_e),
        "teardown_native_s": summary(down_n),
        "teardown_ratio": statistics.median(down_e) / statistics.median(down_n),
    }


def count_lines(path):
    n = 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            n += chunk.count(b"\n")
    return n


def last_line(path):
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(max(0, size - 4096))
        lines = f.read().splitlines()
        return lines[-1].decode(errors="replace") if lines else ""


def proc_cpu(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / tick


def one_throughput(a, consumer, events, rate, extra=(), during=None):
    """Run trigger -> consumer once; return (events/s, cpu s/event, received, dropped).
    extra: more ecli options; during: (start, end) called once running and after draining."""
    out = "/dev/shm/eunomia-bench-%d.out" % os.getpid()
    trig = subprocess.Popen([os.path.join(a.build, "trigger"), str(events), str(rate)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    pid = int(trig.stdout.readline())
    if consumer == "ecli":
        argv = [a.ecli, "run", "-j", os.path.join(a.build, "events", "package.json"),
                "--target_pid", str(pid)]
        argv[2:2] = list(extra)  # ecli options go before the package
        marker = "Running"
    else:
        argv = [os.path.join(a.build, "native_consumer"), str(pid)]
        marker = "attached"
    with open(out, "wb") as f:
        p, _ = spawn_until(argv, marker, stdout=f)
        if during:
            during[0]()
        cpu0 = proc_cpu(p.pid)
        t0 = time.perf_counter()
        trig.stdin.write(b"go\n")
        trig.stdin.flush()
        trig.wait()
        # The consumer has drained when its output stops growing.
        size, t_last = -1, time.perf_counter()
        while True:
            s = os.path.getsize(out)
            now = time.perf_counter()
            if s != size:
                size, t_last = s, now
            elif now - t_last > 0.3:
                break
            time.sleep(0.005)
        cpu1 = proc_cpu(p.pid)
        if during:
            during[1]()
        stop(p)
    received = count_lines(out)
    dropped = 0
    try:
        dropped = int(json.loads(last_line(out)).get("drops", 0))
    except ValueError:
        pass
    os.unlink(out)
    wall = max(t_last - t0, 1e-9)
    return received / wall, (cpu1 - cpu0) / max(received, 1), received, dropped


def bench_throughput(a, reps):
    res = {}
    e_rate, n_rate, e_cpu, n_cpu, e_lost = [], [], [], [], 0
    for _ in range(reps):
        r, c, got, drop = one_throughput(a, "ecli", a.events, 0)
        e_rate.append(r)
        e_cpu.append(c)
        r, c, _, _ = one_throughput(a, "native", a.events, 0)
        n_rate.append(r)
        n_cpu.append(c)
    res["ecli_events_per_s"] = summary(e_rate)
    res["native_events_per_s"] = summary(n_rate)
    res["ratio"] = statistics.median(e_rate) / statistics.median(n_rate)
    res["ecli_cpu_us_per_event"] = summary([x * 1e6 for x in e_cpu])
    res["native_cpu_us_per_event"] = summary([x * 1e6 for x in n_cpu])
    # Paced run: 500 k events/s for a second; nothing may be lost.
    r, c, got, drop = one_throughput(a, "ecli", 500000, 500000)
    res["paced_500k"] = {"received": got, "sent": 500000, "dropped_in_kernel": drop,
                         "lost": 500000 - got}
    return res


def bench_compile(a, reps):
    src = os.path.join(a.build, "events", "events.bpf.c")
    tmp = os.path.join(a.build, "compile-tmp")
    os.makedirs(tmp, exist_ok=True)
    clang = ["clang", "-g", "-O2", "-target", "bpf", "-D__TARGET_ARCH_x86", "-I" + a.build,
             "-I" + os.path.dirname(src), "-idirafter", "/usr/include/x86_64-linux-gnu",
             "-idirafter", "/usr/include", "-c", src, "-o", os.path.join(tmp, "bare.o")]
    ecc, bare = [], []
    for _ in range(reps):
        t0 = time.perf_counter()
        subprocess.run([a.ecc, src, "-o", tmp], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        ecc.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        subprocess.run(clang, check=True)
        bare.append(time.perf_counter() - t0)
    return {"ecc_s": summary(ecc), "clang_s": summary(bare),
            "ratio": statistics.median(ecc) / statistics.median(bare)}


def peak_rss_kib(argv, seconds):
    """Run argv for `seconds` and return its peak RSS in KiB (VmHWM, read before SIGINT).

    Not ru_maxrss: that high-water mark survives exec and would include the forking
    Python process itself."""
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(seconds)
    hwm = 0
    with open("/proc/%d/status" % p.pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
    p.send_signal(signal.SIGINT)
    p.wait()
    return hwm


def bench_size(a):
    d = os.path.join(a.build, "events")
    pkg = os.path.getsize(os.path.join(d, "package.json"))
    elf = os.path.getsize(os.path.join(d, "events.bpf.o"))
    small = os.path.join(a.build, "small", "package.json")
    lg = os.path.join(a.build, "large")
    lpkg = os.path.getsize(os.path.join(lg, "package.json"))
    lelf = os.path.getsize(os.path.join(lg, "large.bpf.o"))
    return {"package_bytes": pkg, "elf_bytes": elf, "package_ratio": pkg / elf,
            "large_package_bytes": lpkg, "large_elf_bytes": lelf, "large_package_ratio": lpkg / lelf,
            "ecli_binary_bytes": os.path.getsize(os.path.realpath(a.ecli)),
            # A tool without a big ring buffer: the loader's own footprint.
            "ecli_peak_rss_kib_small": peak_rss_kib([a.ecli, "run", small], 3),
            "native_peak_rss_kib_small": peak_rss_kib(
                [os.path.join(a.build, "native_loader"),
                 os.path.join(a.build, "small", "small.bpf.o")], 3),
            # The events tool maps a 64 MiB ring buffer in both consumers.
            "ecli_peak_rss_kib_events": peak_rss_kib(
                [a.ecli, "run", os.path.join(d, "package.json"), "--target_pid", "1"], 3),
            "native_peak_rss_kib_events": peak_rss_kib(
                [os.path.join(a.build, "native_consumer"), "1"], 3)}


def bench_symbolize(a):
    """Symbolisation costs, measured by symbench (bench/symbench.c): medians of 9 runs."""
    out = subprocess.run([os.path.join(a.build, "symbench")], check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    return json.loads(out)


def fmt_s(s):
    return "%8.2f ms [%.2f–%.2f]" % (s["median"] * 1e3, s["p25"] * 1e3, s["p75"] * 1e3)


def print_oci(o):
    if "skipped" in o:
        print("registry: skipped (%s)" % o["skipped"])
        return
    for k, what in (("push_100k", "push 100 KB"), ("push_1m", "push 1 MB"),
                    ("pull_100k", "pull 100 KB"), ("pull_1m", "pull 1 MB")):
        print("%-26s %-28s %-28s %7.3f  %s" % ("registry " + what, fmt_s(o[k]["ecli_s"]),
                                              fmt_s(o[k]["curl_s"]), o[k]["ratio"], "vs curl"))
    for k in ("verify_small", "verify_large"):
        if k in o:
            print("signature check, %s (%d B): +%.2f ms per run" %
                  (k[7:], o[k]["package_bytes"], o[k]["overhead_s"] * 1e3))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--ecc", required=True)
    ap.add_argument("--ecli", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--reps", type=int, default=11)
    ap.add_argument("--events", type=int, default=2000000)
    ap.add_argument("--quick", action="store_true", help="few repetitions (smoke test)")
    a = ap.parse_args()
    reps = 3 if a.quick else a.reps
    if a.quick:
        a.events = 200000

    r = {"machine": {"kernel": os.uname().release, "cpus": os.cpu_count()},
         "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    r["startup_small"] = bench_startup(a, "small", reps)
    r["startup_large"] = bench_startup(a, "large", max(3, reps // 2))
    r["throughput"] = bench_throughput(a, max(3, reps // 3))
    r["compile"] = bench_compile(a, max(3, reps // 2))
    r["size"] = bench_size(a)
    r["server"] = bench_server(a, reps, summary)
    r["metrics"] = bench_metrics(a, reps, summary, one_throughput)
    r["oci"] = bench_oci(a, max(3, reps // 2), summary)
    r["symbolize"] = bench_symbolize(a)

    s, l, t, c, z = (r["startup_small"], r["startup_large"], r["throughput"], r["compile"],
                     r["size"])
    sv = r["server"]
    rows = [
        ("start-up, 1 tracepoint", fmt_s(s["ecli_s"]), fmt_s(s["native_s"]), s["ratio"], "≤ 1.10"),
        ("start-up, 12 progs CO-RE", fmt_s(l["ecli_s"]), fmt_s(l["native_s"]), l["ratio"], "≤ 1.10"),
        ("  same, --no-btf-cache", fmt_s(l["ecli_no_btf_cache_s"]), fmt_s(l["native_s"]),
         l["ratio_no_btf_cache"], "≤ 1.10"),
        ("events/s (-j to file)", "%12.0f" % t["ecli_events_per_s"]["median"],
         "%12.0f" % t["native_events_per_s"]["median"], t["ratio"], "≥ 0.9, ≥ 2M/s"),
        ("CPU µs/event", "%12.3f" % t["ecli_cpu_us_per_event"]["median"],
         "%12.3f" % t["native_cpu_us_per_event"]["median"],
         t["ecli_cpu_us_per_event"]["median"] / max(t["native_cpu_us_per_event"]["median"], 1e-9), ""),
        ("compile", fmt_s(c["ecc_s"]), fmt_s(c["clang_s"]), c["ratio"], "≤ 1.2"),
        ("teardown, 12 tp links", fmt_s(l["teardown_ecli_s"]), fmt_s(l["teardown_native_s"]),
         l["teardown_ratio"], "vs serial"),
        ("package vs ELF, events", "%12d" % z["package_bytes"], "%12d" % z["elf_bytes"],
         z["package_ratio"], "≤ 0.5"),
        ("package vs ELF, large", "%12d" % z["large_package_bytes"], "%12d" % z["large_elf_bytes"],
         z["large_package_ratio"], "≤ 0.5"),
        ("server: request→1st event", fmt_s(sv["server_first_event_s"]),
         fmt_s(sv["run_first_event_s"]), sv["ratio"], "vs ecli run; ≤ 5 ms"),
    ]
    rows += metrics_rows(r["metrics"], fmt_s)
    print("%-26s %-28s %-28s %7s  %s" % ("benchmark", "eunomia", "native", "ratio", "target"))
    for name, e, n, ratio, target in rows:
        print("%-26s %-28s %-28s %7.3f  %s" % (name, e, n, ratio, target))
    p5 = t["paced_500k"]
    print("paced 500k ev/s: received %d of %d, dropped in kernel %d" %
          (p5["received"], p5["sent"], p5["dropped_in_kernel"]))
    print("ecli binary %d bytes; peak RSS running 'small' %d KiB (native %d KiB; target ≤ 6 MB),"
          " running 'events' %d KiB (native %d KiB)" %
          (z["ecli_binary_bytes"], z["ecli_peak_rss_kib_small"], z["native_peak_rss_kib_small"],
           z["ecli_peak_rss_kib_events"], z["native_peak_rss_kib_events"]))
    print("ecli server RSS: %d KiB with 0 programs, %d KiB with 10 ('small')" %
          (sv["server_rss_kib_0"], sv["server_rss_kib_10"]))
    print_oci(r["oci"])
    sy = r["symbolize"]
    print("stacks: /proc/kallsyms load %.1f ms once (%d symbols); kernel frame %.0f ns; user: "
          "first lookup of a process %.2f ms, frame seen before %.0f ns, new frame %.1f us" %
          (sy["kallsyms_load_ms"]["median"], sy["kallsyms_symbols"],
           sy["kernel_frame_ns"]["median"], sy["user_first_lookup_ms"]["median"],
           sy["user_frame_ns"]["median"], sy["user_frame_uncached_ns"]["median"] / 1e3))
    os.makedirs(os.path.dirname(a.json) or ".", exist_ok=True)
    with open(a.json, "w") as f:
        json.dump(r, f, indent=2)
    print("summary: %s" % a.json)


if __name__ == "__main__":
    sys.exit(main())
