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
	# EUNOMIA_NO_BTF_CACHE=1: the cache is neither read nor filled
	sleep 0.5
	[ ! -e "$EUNOMIA_BTF_CACHE_DIR" ]
}

@test "ecli fills the cache on a first run and uses it on the next (same events)" {
	pkg=$(e2e_build exec "$E2E_DATA/exec.h")
	ecli_start -j "$pkg" --target_ppid "$BASHPID"
	exec_true
	check_exec_event
	ecli_stop
	# the entry is written in the background after a successful load
	for _ in $(seq 1 50); do
		compgen -G "$EUNOMIA_BTF_CACHE_DIR/*/*.btf" >/dev/null && break
		sleep 0.1
	done
	if ! compgen -G "$EUNOMIA_BTF_CACHE_DIR/*/*.btf" >/dev/null; then
		skip "ecli does not use the BTF cache yet (runner.c wiring pending)"
	fi
	# no temporary files left behind, identity recorded
	run find "$EUNOMIA_BTF_CACHE_DIR" -name '.*' -type f
	[ -z "$output" ]
	grep -q "^release=$(uname -r)$" "$EUNOMIA_BTF_CACHE_DIR"/*/identity

	ecli_start -v -j "$pkg" --target_ppid "$BASHPID"
	exec_true
	check_exec_event
	ecli_stop
	run grep -c "loading kernel BTF '/sys/kernel/btf/vmlinux'" "$ERR"
	[ "$output" = "0" ]
}

@test "a cache entry for another kernel is never used" {
	pkg=$(e2e_build exec "$E2E_DATA/exec.h")
	obj=$(dirname "$pkg")/exec.bpf.o
	sha=$(sha256sum "$obj" | cut -d' ' -f1)
	# an entry whose identity names another kernel, holding a BTF that would break CO-RE
	d=$EUNOMIA_BTF_CACHE_DIR/0000000000000000
	mkdir -p "$d"
	printf 'release=0.0.0-not-this-kernel\n' >"$d/identity"
	printf 'not a BTF' >"$d/$sha.btf"
	ecli_start -v -j "$pkg" --target_ppid "$BASHPID"
	exec_true
	check_exec_event
	ecli_stop
	grep -q "loading kernel BTF '/sys/kernel/btf/vmlinux'" "$ERR"
}
