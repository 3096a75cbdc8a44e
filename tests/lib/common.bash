# Shared helpers for bats tests (unit-level e2e and every example's test.bats).
# Load with:  load "${EUNOMIA_ROOT:-$BATS_TEST_DIRNAME/../..}/tests/lib/common"
# (examples: load ../../../tests/lib/common)

: "${EUNOMIA_ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${O:=build}"
: "${ECC:=$EUNOMIA_ROOT/$O/bin/ecc}"
: "${ECLI:=$EUNOMIA_ROOT/$O/bin/ecli}"
export EUNOMIA_ROOT ECC ECLI
# ecc caches vmlinux.h here; keep it per-machine, shared by tests.
export XDG_DATA_HOME=${XDG_DATA_HOME:-$EUNOMIA_ROOT/$O/test-data-home}

# Skip visibly unless root (bats prints "ok N name # skip reason").
need_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root to load eBPF programs"
}

need_tracefs() {
	mountpoint -q /sys/kernel/tracing || [ -d /sys/kernel/tracing/events ] ||
		skip "tracefs is not mounted at /sys/kernel/tracing"
}

need_cmd() {
	command -v "$1" >/dev/null 2>&1 || skip "needs $1"
}

# A per-run unique suffix for netns, veth, cgroup and pin names (shared machine).
run_id() {
	printf '%s%s' "$$" "${BATS_TEST_NUMBER:-0}"
}

# ecc_build SRC [HEADER] [ECC-FLAGS...]: compile into $BATS_TEST_TMPDIR/<name>/ and set PKG
# to the package.json path. Fails the test with ecc's output on error.
ecc_build() {
	local src=$1
	shift
	local name out
	name=$(basename "$src")
	name=${name%%.*}
	out=$BATS_TEST_TMPDIR/$name
	mkdir -p "$out"
	if ! "$ECC" "$src" "$@" -o "$out" >"$out/ecc.log" 2>&1; then
		cat "$out/ecc.log" >&2
		echo "ecc failed on $src" >&2
		return 1
	fi
	PKG=$out/package.json
	[ -f "$PKG" ] || PKG=$out/package.yaml
}

# ecli_start PKG [ARGS...]: run `ecli run` in the background; stdout -> $OUT, stderr -> $ERR.
# Sets ECLI_PID. Waits (up to 20 s) until ecli reports it is attached/polling (the
# "Running" notice on stderr), or exits early (then returns 1 and prints its stderr).
ecli_start() {
	OUT=$BATS_TEST_TMPDIR/ecli.out.$RANDOM
	ERR=$BATS_TEST_TMPDIR/ecli.err.$RANDOM
	"$ECLI" run "$@" >"$OUT" 2>"$ERR" &
	ECLI_PID=$!
	local i
	for i in $(seq 1 200); do
		if grep -q 'Running' "$ERR" 2>/dev/null; then
			return 0
		fi
		if ! kill -0 "$ECLI_PID" 2>/dev/null; then
			echo "ecli exited early; stderr:" >&2
			cat "$ERR" >&2
			return 1
		fi
		sleep 0.1
	done
	echo "ecli did not start in 20 s; stderr:" >&2
	cat "$ERR" >&2
	return 1
}

# wait_for FILE REGEX [SECONDS]: wait until FILE has a line matching REGEX (grep -E).
wait_for() {
	local file=$1 re=$2 secs=${3:-10} i
	for i in $(seq 1 $((secs * 10))); do
		grep -Eq -- "$re" "$file" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "timed out after ${secs}s waiting for /$re/ in $file; it holds:" >&2
	cat "$file" >&2
	return 1
}

# ecli_stop: SIGINT the background ecli, wait for it; sets ECLI_STATUS.
ecli_stop() {
	[ -n "${ECLI_PID:-}" ] || return 0
	kill -INT "$ECLI_PID" 2>/dev/null
	local i
	for i in $(seq 1 100); do
		kill -0 "$ECLI_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$ECLI_PID" 2>/dev/null; then
		kill -KILL "$ECLI_PID" 2>/dev/null
	fi
	wait "$ECLI_PID"
	ECLI_STATUS=$?
	ECLI_PID=
}

# Number of loaded BPF programs whose name is exactly NAME (bpftool truncates at 15 chars).
prog_count() {
	local name=${1:0:15}
	bpftool -j prog show 2>/dev/null |
		python3 -c 'import json,sys; n=sys.argv[1]; print(sum(1 for p in json.load(sys.stdin) if p.get("name","")[:15]==n))' "$name"
}

# assert_no_prog NAME...: fail if any program with that name is still loaded. The kernel
# frees detached programs asynchronously (tc/xdp/cgroup ones can linger a moment), so wait up
# to 5 s for them to go before failing.
assert_no_prog() {
	local n c i
	for n in "$@"; do
		for i in $(seq 1 50); do
			c=$(prog_count "$n")
			[ "$c" = 0 ] && break
			sleep 0.1
		done
		if [ "$c" != 0 ]; then
			echo "program '$n' still loaded 5 s after exit ($c instance(s))" >&2
			bpftool prog show >&2
			return 1
		fi
	done
}

# json_field FILE FIELD REGEX: some NDJSON line of FILE has FIELD matching REGEX.
json_has() {
	python3 - "$@" <<'PY'
import json, re, sys
path, field, pat = sys.argv[1], sys.argv[2], sys.argv[3]
for line in open(path):
    line = line.strip()
    if not line:
        continue
    try:
        o = json.loads(line)
    except ValueError:
        continue
    if field in o and re.search(pat, str(o[field])):
        sys.exit(0)
print(f"no JSON line with {field} matching /{pat}/ in {path}", file=sys.stderr)
sys.exit(1)
PY
}

teardown_ecli() {
	if [ -n "${ECLI_PID:-}" ]; then
		kill -KILL "$ECLI_PID" 2>/dev/null
		wait "$ECLI_PID" 2>/dev/null
		ECLI_PID=
	fi
}
