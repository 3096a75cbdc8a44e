"""/metrics figures for bench.py (docs/metrics.md): one scrape of a 10k- and a 100k-key hash map
against a per-key bpf_map_get_next_key + lookup loop over the same map in the same process
(metrics_bench.c), and the event rate of `ecli run -j --metrics-addr` while scraped every
100 ms against no scraping."""
import json
import os
import socket
import statistics
import subprocess
import threading
import time
import urllib.request


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Scraper:
    """GET /metrics every interval seconds on a thread until stop(); counts the scrapes."""

    def __init__(self, port, interval=0.1):
        self.url = "http://127.0.0.1:%d/metrics" % port
        self.interval = interval
        self.done = threading.Event()
        self.scrapes = 0
        self.errors = 0
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        while not self.done.wait(self.interval):
            try:
                with urllib.request.urlopen(self.url, timeout=5) as r:
                    r.read()
                self.scrapes += 1
            except OSError:
                self.errors += 1

    def stop(self):
        self.done.set()
        self.t.join()


def bench_metrics(a, reps, summary, one_throughput):
    res = {}
    pkg = os.path.join(a.build, "mapfill", "package.json")
    for n in (10000, 100000):
        out = subprocess.run([os.path.join(a.build, "metrics_bench"), pkg, str(n),
                              str(max(3, reps))], check=True, capture_output=True, text=True)
        d = json.loads(out.stdout)
        scrape = [x[0] for x in d["scrape_s"]]
        loop = [x[1] for x in d["scrape_s"]]
        res["scrape_%d" % n] = {"scrape_s": summary(scrape), "per_key_loop_s": summary(loop),
                                "ratio": statistics.median(scrape) / statistics.median(loop)}
    plain, scraped, nscrapes = [], [], 0
    for _ in range(max(3, reps // 3)):
        r, _, _, _ = one_throughput(a, "ecli", a.events, 0)
        plain.append(r)
        port = _free_port()
        holder = {}

        def start(port=port, holder=holder):
            holder["s"] = Scraper(port)

        def end(holder=holder):
            holder["s"].stop()
            return holder["s"].scrapes

        r, _, _, _ = one_throughput(a, "ecli", a.events, 0,
                                    extra=("--metrics-addr", "127.0.0.1:%d" % port),
                                    during=(start, end))
        scraped.append(r)
        nscrapes += holder["s"].scrapes
    res["events_scraped"] = {"plain_events_per_s": summary(plain),
                             "scraped_events_per_s": summary(scraped),
                             "ratio": statistics.median(scraped) / statistics.median(plain),
                             "scrapes": nscrapes}
    return res


def rows(m, fmt_s):
    out = []
    for n in (10000, 100000):
        d = m["scrape_%d" % n]
        out.append(("/metrics, %dk-key hash" % (n // 1000), fmt_s(d["scrape_s"]),
                    fmt_s(d["per_key_loop_s"]), d["ratio"], "vs per-key loop; ≤ 0.3"))
    e = m["events_scraped"]
    out.append(("events/s, scraped 100 ms", "%12.0f" % e["scraped_events_per_s"]["median"],
                "%12.0f" % e["plain_events_per_s"]["median"], e["ratio"], "vs unscraped; ≥ 0.95"))
    return out
