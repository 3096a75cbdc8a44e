#!/usr/bin/env bash
# Run every cmocka unit binary of a build directory under valgrind memcheck.
# Usage: scripts/valgrind-unit.sh [BUILD_DIR] [FILTER-REGEX]
#   BUILD_DIR     default: $O or "build" (a non-sanitizer build; ASan and valgrind don't mix)
#   FILTER-REGEX  only binaries whose name matches (grep -E), e.g. 'args|meta'
# Environment: VALGRIND_JOBS (default 2) binaries run in parallel,
#              VALGRIND_TIMEOUT (default 600) seconds per binary,
#              VALGRIND_EXCLUDE regex of binaries to leave out (e.g. 'ecc_frontend', which
#              alone takes ~220 s under valgrind; the rest take ~1 min on 2 cores).
# Any memcheck error, definite/indirect leak, test failure or timeout fails that binary.
# Prints one TAP line per binary and, alone on the last line, "N passed, N failed".
# Exit status: 0 if all passed, 1 otherwise, 2 on usage error.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

dir=${1:-${O:-build}}
filter=${2:-}
exclude=${VALGRIND_EXCLUDE:-}
jobs=${VALGRIND_JOBS:-2}
tmo=${VALGRIND_TIMEOUT:-600}

if ! command -v valgrind >/dev/null; then
	echo "valgrind-unit: valgrind not found; install it (apt-get install valgrind)" >&2
	exit 2
fi
bins=()
for f in "$dir"/tests/test_*; do
	[ -x "$f" ] || continue
	[ -n "$filter" ] && ! basename "$f" | grep -qE -- "$filter" && continue
	[ -n "$exclude" ] && basename "$f" | grep -qE -- "$exclude" && continue
	bins+=("$f")
done
if [ ${#bins[@]} -eq 0 ]; then
	echo "valgrind-unit: no unit binaries in $dir/tests; build them first" \
		"(make O=$dir unit)" >&2
	exit 2
fi

logs=$(mktemp -d "${TMPDIR:-/tmp}/valgrind-unit.XXXXXX") || exit 1
trap 'rm -rf "$logs"' EXIT

# Same environment as tests/tap-exec and tests/run.sh give the unit binaries.
absdir=$(cd "$dir" && pwd) || exit 2
export EUNOMIA_ROOT=$PWD O=$dir ECC=$absdir/bin/ecc ECLI=$absdir/bin/ecli
export CMOCKA_MESSAGE_OUTPUT=TAP

run_one() {
	local bin=$1 name start rc
	name=$(basename "$bin")
	start=$(date +%s)
	timeout --kill-after=10 "$tmo" valgrind -q --error-exitcode=99 \
		--suppressions=tests/valgrind.supp --leak-check=full \
		--errors-for-leak-kinds=definite,indirect --num-callers=30 \
		"$bin" >"$logs/$name.out" 2>"$logs/$name.err"
	rc=$?
	echo "$rc $(($(date +%s) - start))" >"$logs/$name.rc"
}
export -f run_one
export logs tmo

# The slowest binary (libclang parsing vmlinux.h) starts first so the others run beside it.
# shellcheck disable=SC2016 # $1 expands in the child bash
{
	printf '%s\n' "${bins[@]}" | grep -E 'test_ecc_frontend$'
	printf '%s\n' "${bins[@]}" | grep -vE 'test_ecc_frontend$'
} | xargs -P "$jobs" -I{} bash -c 'run_one "$1"' _ {}

pass=0 fail=0 i=0
echo "1..${#bins[@]}"
for bin in "${bins[@]}"; do
	name=$(basename "$bin")
	i=$((i + 1))
	read -r rc secs <"$logs/$name.rc" 2>/dev/null || { rc=255 secs=0; }
	if [ "$rc" -eq 0 ]; then
		pass=$((pass + 1))
		echo "ok $i - $name (${secs}s)"
		continue
	fi
	fail=$((fail + 1))
	case $rc in
	99) why="valgrind errors" ;;
	124 | 137) why="timed out after ${tmo}s" ;;
	*) why="exit status $rc" ;;
	esac
	echo "not ok $i - $name: $why (${secs}s)"
	# Valgrind's report (lines starting ==PID==) and failing cmocka assertions.
	grep -E '^==[0-9]+==' "$logs/$name.err" | head -n 80 | sed 's/^/# /'
	grep -E '^not ok|^# ' "$logs/$name.out" | head -n 20 | sed 's/^/# /'
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
