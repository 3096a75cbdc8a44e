#!/usr/bin/env bash
# Run the whole suite under prove: cmocka unit binaries (TAP output) and bats
# files (unit-level tests/e2e/*.bats and every example's test.bats).
# Usage: tests/run.sh [FILTER-REGEX]
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
O=${O:-build}
export O
export EUNOMIA_ROOT=$PWD
export ECC=$PWD/$O/bin/ecc ECLI=$PWD/$O/bin/ecli

# Refuse early, with what to do, when a prerequisite is missing (rather than fail deep inside
# a test): the packages of scripts/setup.sh, and the built tools.
scripts/setup.sh check || exit 1
for t in "$ECC" "$ECLI"; do
	[ -x "$t" ] || {
		echo "tests/run.sh: $t is not built; run: make -j2 all${O:+ O=$O}" >&2
		exit 1
	}
done

files=()
for f in "$O"/tests/test_*; do
	[ -x "$f" ] && files+=("$f")
done
for f in tests/e2e/*.bats examples/bpftools/*/test.bats; do
	[ -f "$f" ] && files+=("$f")
done
if [ -n "${1:-}" ]; then
	mapfile -t files < <(printf '%s\n' "${files[@]}" | grep -E -- "$1")
fi
if [ ${#files[@]} -eq 0 ]; then
	echo "tests/run.sh: no tests found" >&2
	exit 1
fi
# -j2: the machine has 2 cores; e2e tests use per-run names so they can overlap.
exec prove --exec tests/tap-exec -j "${TEST_JOBS:-2}" "${files[@]}"
