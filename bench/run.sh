#!/usr/bin/env bash
# make bench: build the native baselines and the benchmark packages, then run bench.py.
# Results: a table on stdout and bench/results/latest.json.
set -euo pipefail
cd "$(dirname "$0")/.."
O=${O:-build}
ROOT=$PWD
B=$ROOT/$O/bench
ECC=$ROOT/$O/bin/ecc
ECLI=$ROOT/$O/bin/ecli
export XDG_DATA_HOME=${XDG_DATA_HOME:-$ROOT/$O/test-data-home}

if [ "$(id -u)" -ne 0 ]; then
	echo "bench: needs root (loads eBPF programs)" >&2
	exit 1
fi
scripts/setup.sh mounts
mkdir -p "$B" bench/results
CFLAGS=(-O2 -g -Wall -Wextra -Werror -Wno-unused-parameter)
read -r -a LIBBPF <<<"$(pkg-config --cflags --libs libbpf)"

# Same vmlinux.h for the bare-clang baseline as ecc uses (generated from the running kernel).
[ -s "$B/vmlinux.h" ] || bpftool btf dump file /sys/kernel/btf/vmlinux format c >"$B/vmlinux.h"

for p in small large events first mapfill; do
	mkdir -p "$B/$p"
	cp bench/progs/$p.bpf.c "$B/$p/"
	[ -f bench/progs/$p.h ] && cp bench/progs/$p.h "$B/$p/"
	"$ECC" "$B/$p/$p.bpf.c" -o "$B/$p" >"$B/$p/ecc.log" 2>&1 || {
		cat "$B/$p/ecc.log" >&2
		exit 1
	}
done

cc "${CFLAGS[@]}" -o "$B/trigger" bench/trigger.c
cc "${CFLAGS[@]}" -Iloader/include -o "$B/metrics_bench" bench/metrics_bench.c "$O/libeunomia.so.0" \
	-Wl,-rpath,"$ROOT/$O" "${LIBBPF[@]}"
cc "${CFLAGS[@]}" -o "$B/native_loader" bench/native_loader.c "${LIBBPF[@]}"
bpftool gen skeleton "$B/events/events.bpf.o" name events_bpf >"$B/events.skel.h"
cc "${CFLAGS[@]}" -I"$B" -Ibench/progs -o "$B/native_consumer" bench/native_consumer.c \
	"${LIBBPF[@]}"

# symbolisation costs: links the loader's internal archive (built by `make all`)
cc "${CFLAGS[@]}" -D_GNU_SOURCE -I. -o "$B/symbench" bench/symbench.c "$O/libeunomia-internal.a" \
	"${LIBBPF[@]}" -lpthread

exec python3 bench/bench.py --build "$B" --ecc "$ECC" --ecli "$ECLI" \
	--json bench/results/latest.json "$@"
