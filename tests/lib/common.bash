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
# The loader caches minimal BTF per object and kernel; keep the tests' cache in the build dir.
export EUNOMIA_BTF_CACHE_DIR=${EUNOMIA_BTF_CACHE_DIR:-$EUNOMIA_ROOT/$O/btf-cache}
# python3 -O (PYTHONOPTIMIZE) would strip the `assert` statements that the tests' inline python
# checks rely on, and those checks would then pass whatever they are given.
unset PYTHONOPTIMIZE
# `run ! CMD` (the way to assert that CMD fails: a bare `! CMD` line does not fail a bats test,
# errexit ignores negated commands) needs bats >= 1.5.
bats_require_minimum_version 1.5.0

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
	cmd_start "$ECLI" run "$@"
}

# cmd_start CMD [ARGS...]: like ecli_start for any command that runs a package (a standalone
# tool, ecli behind a wrapper): started in the background, OUT/ERR/ECLI_PID set, waits for
# "Running" on stderr; fails with its stderr when it exits first or takes over 20 s.
cmd_start() {
	OUT=$BATS_TEST_TMPDIR/ecli.out.$RANDOM
	ERR=$BATS_TEST_TMPDIR/ecli.err.$RANDOM
	"$@" >"$OUT" 2>"$ERR" &
	ECLI_PID=$!
	local _
	for _ in $(seq 1 200); do
		if grep -q 'Running' "$ERR" 2>/dev/null; then
			return 0
		fi
		if ! kill -0 "$ECLI_PID" 2>/dev/null; then
			echo "$1 exited early; stderr:" >&2
			cat "$ERR" >&2
			return 1
		fi
		sleep 0.1
	done
	echo "$1 did not start in 20 s; stderr:" >&2
	cat "$ERR" >&2
	return 1
}

# wait_for FILE REGEX [SECONDS]: wait (default 30 s: generous, a busy machine only makes it
# slower to pass) until FILE has a line matching REGEX (grep -E).
wait_for() {
	local file=$1 re=$2 secs=${3:-30} _
	for _ in $(seq 1 $((secs * 10))); do
		grep -Eq -- "$re" "$file" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "timed out after ${secs}s waiting for /$re/ in $file; it holds:" >&2
	cat "$file" >&2
	return 1
}

# ecli_stop: SIGINT the background ecli, wait for it; sets ECLI_STATUS. Returns that status
# (so the test fails on a non-zero exit) after printing ecli's stderr.
ecli_stop() {
	[ -n "${ECLI_PID:-}" ] || return 0
	kill -INT "$ECLI_PID" 2>/dev/null
	local _
	for _ in $(seq 1 100); do
		kill -0 "$ECLI_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$ECLI_PID" 2>/dev/null; then
		kill -KILL "$ECLI_PID" 2>/dev/null
	fi
	ECLI_STATUS=0
	wait "$ECLI_PID" || ECLI_STATUS=$?
	ECLI_PID=
	if [ "$ECLI_STATUS" -ne 0 ]; then
		echo "ecli exited with status $ECLI_STATUS; its stderr:" >&2
		cat "${ERR:-/dev/null}" >&2
	fi
	return "$ECLI_STATUS"
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
	local n c _
	for n in "$@"; do
		for _ in $(seq 1 50); do
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

# json_has FILE FIELD REGEX: some NDJSON line of FILE has FIELD matching REGEX (Python re.search
# on str(value): booleans are True/False, lists [1, 2]).
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

# json_match FILE EXPR: some NDJSON object `e` of FILE makes the python expression EXPR true
# (e.g. "e['pid'] == 42 and e['comm'] == 'bash'"); an object lacking a key or holding another
# type counts as not matching. Status 0 on a match; 1 if none (the file goes to stderr); 2 if
# FILE cannot be read or EXPR is not a valid expression (json_none relies on that).
json_match() {
	python3 - "$1" "$2" <<'PY'
import json, sys
path, expr = sys.argv[1], sys.argv[2]
try:
    code = compile(expr, "<json_match EXPR>", "eval")
    text = open(path).read()
except (OSError, SyntaxError) as err:
    sys.stderr.write(f"json_match: {err}\n")
    sys.exit(2)
for line in text.splitlines():
    try:
        e = json.loads(line)
    except ValueError:
        continue
    try:
        if isinstance(e, dict) and eval(code, {}, {"e": e}):
            sys.exit(0)
    except (KeyError, TypeError, ValueError, AttributeError):
        pass
    except Exception as err:
        sys.stderr.write(f"json_match: {expr}: {err!r} on {line}\n")
        sys.exit(2)
sys.stderr.write(f"no JSON line of {path} satisfies: {expr}\n--- it holds:\n{text}")
sys.exit(1)
PY
}

# json_none FILE EXPR: no NDJSON object of FILE makes EXPR true. Fails when one does, and also
# when FILE cannot be read or EXPR is broken (so a typo cannot make it pass). Use it rather than
# `! json_match` or `run json_has; [ "$status" -ne 0 ]`, which pass on any error.
json_none() {
	local st=0 err
	err=$(json_match "$1" "$2" 2>&1) || st=$?
	case $st in
	1) return 0 ;;
	0)
		echo "unexpected: a JSON line of $1 satisfies: $2; it holds:" >&2
		cat "$1" >&2
		;;
	*) echo "$err" >&2 ;;
	esac
	return 1
}

# wait_json FILE EXPR [SECONDS]: wait (default 30 s) until json_match FILE EXPR holds; fails
# with json_match's report if it never does.
wait_json() {
	local _
	for _ in $(seq 1 $((${3:-30} * 10))); do
		json_match "$1" "$2" 2>/dev/null && return 0
		sleep 0.1
	done
	json_match "$1" "$2"
}

# check_pkg [CHECKER-ARGS...]: validate $PKG (package.json or .yaml) with tests/lib/check-package:
# base64/zlib/size, BTF ids of the export types, and the named --export TYPE, --prog NAME,
# --var NAME, --obj-name NAME, --no-export (see its --help).
check_pkg() {
	"$EUNOMIA_ROOT/tests/lib/check-package" "$PKG" "$@"
}

# cgroup2_mount: print where the cgroup v2 hierarchy is mounted (/sys/fs/cgroup on a unified
# system, /sys/fs/cgroup/unified on a hybrid one); prints nothing if it is not mounted.
cgroup2_mount() {
	awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts
}

# veth_ns_up: a veth pair for network tests, named per run: host end $HOST_IF ($NET.1/30) here,
# peer $PEER_IF ($NET.2/30) inside a new network namespace $NS (also sets ID). Skips without
# ip/nsenter. Undo with veth_ns_down in teardown.
veth_ns_up() {
	need_cmd ip
	need_cmd nsenter
	ID=$(run_id)
	NS=eun$ID
	HOST_IF=eunX$ID
	PEER_IF=eunY$ID
	NET=10.200.$((ID % 250 + 1))
	ip netns add "$NS"
	ip link add "$HOST_IF" type veth peer name "$PEER_IF"
	ip link set "$PEER_IF" netns "$NS"
	ip addr add "$NET.1/30" dev "$HOST_IF"
	ip link set "$HOST_IF" up
	nsenter --net="/run/netns/$NS" ip addr add "$NET.2/30" dev "$PEER_IF"
	nsenter --net="/run/netns/$NS" ip link set "$PEER_IF" up
	nsenter --net="/run/netns/$NS" ip link set lo up
}

# veth_ns_down: remove what veth_ns_up made (safe to call when it made nothing); always 0.
veth_ns_down() {
	[ -z "${HOST_IF:-}" ] || ip link del "$HOST_IF" 2>/dev/null
	[ -z "${NS:-}" ] || ip netns del "$NS" 2>/dev/null
	HOST_IF=
	NS=
	return 0
}

# wait_sleeping PID COMM [SECONDS]: wait (default 10 s) until process PID runs as COMM (has
# exec'd) and is asleep, e.g. blocked on a gate FIFO; fails if it does not happen in time.
wait_sleeping() {
	local _
	for _ in $(seq 1 $((${3:-10} * 10))); do
		[ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ] &&
			grep -q '^State:.*S (sleeping)' "/proc/$1/status" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "process $1 is not a sleeping '$2' after ${3:-10} s" >&2
	return 1
}
