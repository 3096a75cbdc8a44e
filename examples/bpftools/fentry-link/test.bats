#!/usr/bin/env bats
# fentry-link: fentry + fexit on do_unlinkat. This kernel refuses BPF trampoline programs
# (BPF_PROG_LOAD gives EPERM before verification), so ecli must refuse clearly and leave
# nothing loaded. Where trampolines work, the tool is run for real instead.

load ../../../tests/lib/common

setup() {
	need_root
	RM_PID=
	PIN=
}

teardown() {
	teardown_ecli
	if [ -n "${RM_PID:-}" ]; then
		kill "$RM_PID" 2>/dev/null
		wait "$RM_PID" 2>/dev/null
	fi
	[ -z "${PIN:-}" ] || rm -rf "$PIN"
	true
}

build() {
	ecc_build "$BATS_TEST_DIRNAME/fentry-link.bpf.c" "$BATS_TEST_DIRNAME/fentry-link.h"
	check_pkg --obj-name fentry-link_bpf --export unlink_event --prog do_unlinkat_entry \
		--prog do_unlinkat_exit --var targ_pid
}

# Probe: can this kernel load the tool's fentry program at all? (needs build first)
have_trampolines() {
	mountpoint -q /sys/fs/bpf || return 1
	PIN=/sys/fs/bpf/eun-probe-$(run_id)
	local ok=1
	bpftool prog loadall "$(dirname "$PKG")/fentry-link.bpf.o" "$PIN" >/dev/null 2>&1 && ok=0
	rm -rf "$PIN"
	return $ok
}

@test "fentry-link: compiles and packages both programs" {
	build
	grep -q '"fentry/do_unlinkat"' "$PKG"
	grep -q '"fexit/do_unlinkat"' "$PKG"
	grep -q '"unlink_event"' "$PKG"
}

@test "fentry-link: ecli refuses clearly where BPF trampolines are unavailable" {
	build
	have_trampolines && skip "this kernel loads fentry programs; the next test runs the tool"
	run timeout 30 "$ECLI" run "$PKG"
	echo "status $status; output:"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" != *Running* ]]
	[[ "$output" == *do_unlinkat_e* ]]
	# the loader's explanation itself, not the errno text any refusal shows
	echo "$output" | grep -qF 'refuses fentry/fexit/lsm programs (BPF trampolines unavailable)'
	assert_no_prog do_unlinkat_entry do_unlinkat_exit
}

@test "fentry-link: traces an unlink on entry and exit with pid, comm and path" {
	build
	have_trampolines || skip "kernel refuses fentry programs (BPF_PROG_LOAD: EPERM)"
	victim=$BATS_TEST_TMPDIR/victim-$(run_id)
	touch "$victim"
	bash -c 'while [ ! -e "$1.go" ]; do sleep 0.05; done; exec rm -f "$1"' _ "$victim" &
	RM_PID=$!
	ecli_start -j "$PKG" --pid "$RM_PID"
	touch "$victim.go"
	wait_for "$OUT" '"is_exit":true' 10
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	json_has "$OUT" pid "^$RM_PID\$"
	json_has "$OUT" comm '^rm$'
	json_has "$OUT" filename "^$victim\$"
	json_has "$OUT" ret '^0$'
	assert_no_prog do_unlinkat_entry do_unlinkat_exit
}
