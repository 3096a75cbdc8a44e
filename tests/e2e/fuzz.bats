#!/usr/bin/env bats
# Fuzz regression: build the libFuzzer targets (tests/fuzz/Makefile) and replay every seed
# of tests/fuzz/corpus/<target>/ and every saved reproducer tests/fuzz/crashes/<target>-*.bin
# once (libFuzzer runs the files named on its command line and fails on a crash, a
# sanitizer report, a leak or a broken output check). Every reproducer must pass: a crash
# that is not fixed yet fails the suite (there is no list of tolerated ones), and the last
# test replays each one by itself so none is left out (a target of its own, a stray name).
# Skipped, visibly, when clang's libFuzzer runtime is missing.

load "${EUNOMIA_ROOT:-$BATS_TEST_DIRNAME/../..}/tests/lib/common"

FUZZ_DIR=$EUNOMIA_ROOT/tests/fuzz

setup_file() {
	local o=$O
	[ "${o#/}" != "$o" ] || o=$EUNOMIA_ROOT/$o
	export FUZZ_O=$o FUZZ_BIN=$o/fuzz FUZZ_SKIP=
	local probe=$BATS_FILE_TMPDIR/probe
	printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n);\n%s\n' \
		'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return d && n > 1 ? 0 : 0; }' \
		>"$probe.c"
	if ! command -v "${CLANG:-clang}" >/dev/null 2>&1 ||
		! "${CLANG:-clang}" -fsanitize=fuzzer,address,undefined "$probe.c" -o "$probe" \
			>"$probe.log" 2>&1; then
		export FUZZ_SKIP="clang's libFuzzer runtime (-fsanitize=fuzzer) is not available"
		return 0
	fi
	# -j2: the machine has 2 cores; the five targets build independently
	make -C "$FUZZ_DIR" -j2 O="$FUZZ_O" all >"$BATS_FILE_TMPDIR/build.log" 2>&1 || {
		tail -n 60 "$BATS_FILE_TMPDIR/build.log" >&2
		return 1
	}
}

need_fuzzer() {
	[ -z "${FUZZ_SKIP:-}" ] || skip "$FUZZ_SKIP"
}

# replay TARGET FILE...: run the target once over the files; fail with its output on a
# finding, and check that every file really ran.
replay() {
	local bin=$FUZZ_BIN/$1
	shift
	[ "$#" -gt 0 ]
	run "$bin" -timeout=20 -rss_limit_mb=2048 "$@"
	if [ "$status" -ne 0 ]; then
		tail -n 80 <<<"$output"
		echo "$bin failed (status $status) on one of: $*"
		return 1
	fi
	local ran
	ran=$(grep -c '^Executed ' <<<"$output")
	[ "$ran" -eq "$#" ] || {
		echo "ran $ran of $# inputs"
		return 1
	}
}

# The seeds and the saved reproducers of fixed bugs of a target, one per line.
inputs() {
	local f
	for f in "$FUZZ_DIR/corpus/$1"/* "$FUZZ_DIR/crashes/$1"-*.bin; do
		[ -f "$f" ] && printf '%s\n' "$f"
	done
}

@test "fuzz_decoder replays its seeds and reproducers" {
	need_fuzzer
	mapfile -t files < <(inputs decoder)
	[ "${#files[@]}" -ge 10 ]
	replay fuzz_decoder "${files[@]}"
}

@test "fuzz_yaml replays its seeds and reproducers" {
	need_fuzzer
	mapfile -t files < <(inputs yaml)
	[ "${#files[@]}" -ge 5 ]
	replay fuzz_yaml "${files[@]}"
}

@test "fuzz_doc replays its seeds and reproducers through libclang" {
	need_fuzzer
	mapfile -t files < <(inputs doc)
	[ "${#files[@]}" -ge 5 ]
	TMPDIR=$BATS_TEST_TMPDIR replay fuzz_doc "${files[@]}"
}

@test "fuzz_package replays the package fixtures and reproducers" {
	need_fuzzer
	mapfile -t files < <(inputs package)
	files+=("$EUNOMIA_ROOT"/tests/data/packages/*.json "$EUNOMIA_ROOT"/tests/data/packages/*.yaml)
	replay fuzz_package "${files[@]}"
}

@test "fuzz_args replays its seeds and reproducers against a real package" {
	need_fuzzer
	local d=$BATS_TEST_TMPDIR pkgs=$EUNOMIA_ROOT/tests/data/packages
	"${CLANG:-clang}" -g -O2 -target bpf -I"/usr/include/$(uname -m)-linux-gnu" \
		-c "$pkgs/minimal.bpf.c" -o "$d/minimal.bpf.o"
	python3 "$pkgs/gen.py" --package "$d/minimal.bpf.o" "$pkgs/minimal.skel.json" \
		"$d/valid.json"
	printf -- '--target_pid\n-1\n--comm=bash\n--no-enabled\n--mode\nMODE_AUTO\n' >"$d/seed1"
	printf -- '--ratio=1e39\n--u8v\n0x100\n--min-duration-ns=18446744073709551615\n' >"$d/seed2"
	mapfile -t files < <(inputs args)
	EUNOMIA_FUZZ_PACKAGE=$d/valid.json replay fuzz_args "$d/seed1" "$d/seed2" "${files[@]}"
}

@test "every saved reproducer (tests/fuzz/crashes/) replays without a crash" {
	need_fuzzer
	local f name target n=0
	for f in "$FUZZ_DIR"/crashes/*; do
		name=$(basename "$f")
		[[ "$name" == *-*.bin ]] || {
			echo "$name: a reproducer is named <target>-<what>.bin"
			return 1
		}
		target=fuzz_${name%%-*}
		[ -x "$FUZZ_BIN/$target" ] || {
			echo "$name: no fuzz target $target"
			return 1
		}
		replay "$target" "$f"
		n=$((n + 1))
	done
	[ "$n" -ge 1 ]
}
