#!/usr/bin/env bats
# Minimal-BTF cache (loader/btfcache.c) end to end through `ecli run`: a minimal BTF covering
# the object's CO-RE relocations spares libbpf the kernel BTF (checked in libbpf's -v log) and
# CO-RE still reads the right values (ppid of an exec'd child, checked against this shell).
# Program: tests/data/e2e/exec.bpf.c (tracepoint + ring buffer, BPF_CORE_READ of real_parent).

load ../lib/common
load ../data/e2e/helpers

setup() {
	need_root
	need_tracefs
	need_cmd bpftool
	[ -r /sys/kernel/btf/vmlinux ] || skip "this kernel has no BTF (/sys/kernel/btf/vmlinux)"
	export EUNOMIA_BTF_CACHE_DIR=$BATS_TEST_TMPDIR/btf-cache
}

teardown() {
	teardown_ecli
}

# exec /bin/true as a child of this shell; sets p to its pid
exec_true() {
	/bin/true &
	p=$!
	wait "$p"
}

# wait_cache_entry: fail unless ecli's background store writes a minimal BTF (within 30 s)
wait_cache_entry() {
	local _
	for _ in $(seq 1 300); do
		compgen -G "$EUNOMIA_BTF_CACHE_DIR/*/*.btf" >/dev/null && return 0
		sleep 0.1
	done
	echo "no minimal BTF in $EUNOMIA_BTF_CACHE_DIR 30 s after a successful run:" >&2
	find "$EUNOMIA_BTF_CACHE_DIR" >&2
	return 1
}

# check_exec_event: the exec of $p was reported with this shell as its parent
check_exec_event() {
	wait_for "$OUT" "\"pid\": ?${p}[,}]"
	json_match "$OUT" "e['pid'] == $p and e['ppid'] == $BASHPID and e['comm'] == 'true'"
}

@test "a minimal BTF as --btf: libbpf skips the kernel BTF and CO-RE reads the real ppid" {
	pkg=$(e2e_build exec "$E2E_DATA/exec.h")
	obj=$(dirname "$pkg")/exec.bpf.o
	[ -f "$obj" ]
	bpftool gen min_core_btf /sys/kernel/btf/vmlinux "$BATS_TEST_TMPDIR/min.btf" "$obj"
	size=$(stat -c %s "$BATS_TEST_TMPDIR/min.btf")
	echo "minimal BTF: $size bytes"
	[ "$size" -lt 65536 ]

	ecli_start -v -j --btf "$BATS_TEST_TMPDIR/min.btf" "$pkg" --target_ppid "$BASHPID"
	exec_true
	check_exec_event
	ecli_stop
	# without the custom BTF libbpf logs "loading kernel BTF '/sys/kernel/btf/vmlinux'"
	run grep -c "loading kernel BTF '/sys/kernel/btf/vmlinux'" "$ERR"
	[ "$output" = "0" ]
}

@test "EUNOMIA_NO_BTF_CACHE=1: libbpf parses the kernel BTF, the cache is left alone" {
	pkg=$(e2e_build exec "$E2E_DATA/exec.h")
	EUNOMIA_NO_BTF_CACHE=1 ecli_start -v -j "$pkg" --target_ppid "$BASHPID"
	exec_true
	check_exec_event
	ecli_stop
	grep -q "loading kernel BTF '/sys/kernel/btf/vmlinux'" "$ERR"
	# positive control, started after it: the same run without EUNOMIA_NO_BTF_CACHE fills
	# another cache directory; by the time that entry exists, a store of the first run (had
	# it started one) would have been written too
	off=$EUNOMIA_BTF_CACHE_DIR
	EUNOMIA_BTF_CACHE_DIR=$BATS_TEST_TMPDIR/btf-cache-control ecli_start -j "$pkg" \
		--target_ppid "$BASHPID"
	exec_true
	check_exec_event
	ecli_stop
	EUNOMIA_BTF_CACHE_DIR=$BATS_TEST_TMPDIR/btf-cache-control wait_cache_entry
	# EUNOMIA_NO_BTF_CACHE=1: the cache is neither read nor filled
	[ ! -e "$off" ]
}

@test "ecli fills the cache on a first run and uses it on the next (same events)" {
	pkg=$(e2e_build exec "$E2E_DATA/exec.h")
	ecli_start -j "$pkg" --target_ppid "$BASHPID"
	exec_true
	check_exec_event
	ecli_stop
	# the entry is written in the background after a successful load: it must appear
	wait_cache_entry
	# no temporary files left behind, identity recorded
	run find "$EUNOMIA_BTF_CACHE_DIR" -name '.*' -type f
	[ -z "$output" ]
	grep -q "^release=$(uname -r)$" "$EUNOMIA_BTF_CACHE_DIR"/*/identity

	ecli_start -v -j "$pkg" --target_ppid "$BASHPID"
	exec_true
	check_exec_event
	ecli_stop
	grep -qF "using the cached minimal BTF $EUNOMIA_BTF_CACHE_DIR/" "$ERR"
	run grep -c "loading kernel BTF '/sys/kernel/btf/vmlinux'" "$ERR"
	[ "$output" = "0" ]
}

@test "a cache entry for another kernel is never used" {
	pkg=$(e2e_build exec "$E2E_DATA/exec.h")
	# a real entry, in the directory lookups for this kernel visit
	ecli_start -j "$pkg" --target_ppid "$BASHPID"
	exec_true
	check_exec_event
	ecli_stop
	wait_cache_entry
	ids=("$EUNOMIA_BTF_CACHE_DIR"/*/identity)
	[ "${#ids[@]}" -eq 1 ]
	d=$(dirname "${ids[0]}")
	btfs=("$d"/*.btf)
	[ "${#btfs[@]}" -eq 1 ]
	# positive control: as it stands the entry is used
	ecli_start -v -j "$pkg" --target_ppid "$BASHPID"
	exec_true
	check_exec_event
	ecli_stop
	grep -qF "using the cached minimal BTF ${btfs[0]}" "$ERR"

	# the same directory now claims another kernel (same hash, other identity) and holds a
	# BTF that would break CO-RE: lookups must miss, libbpf must load the kernel BTF
	printf 'release=0.0.0-not-this-kernel\n' >"${ids[0]}"
	printf 'not a BTF' >"${btfs[0]}"
	ecli_start -v -j "$pkg" --target_ppid "$BASHPID"
	exec_true
	check_exec_event
	ecli_stop
	run ! grep -F "cached minimal BTF" "$ERR"
	grep -q "loading kernel BTF '/sys/kernel/btf/vmlinux'" "$ERR"
	# the foreign entry was neither used (no "<sha>.none" rejection) nor overwritten
	[ "$(cat "${btfs[0]}")" = "not a BTF" ]
	run ! compgen -G "$d/*.none"
}
