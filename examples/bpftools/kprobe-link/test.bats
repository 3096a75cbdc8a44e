#!/usr/bin/env bats
# kprobe-link: kprobe + kretprobe on do_unlinkat. This kernel has no kprobes
# (CONFIG_KPROBES off: no /sys/kernel/tracing/kprobe_events), so ecli must refuse clearly and
# leave nothing loaded. Where kprobes exist, the tool is run for real instead.

load ../../../tests/lib/common

setup() {
	need_root
	need_tracefs
	RM_PID=
}

teardown() {
	teardown_ecli
	if [ -n "${RM_PID:-}" ]; then
		kill "$RM_PID" 2>/dev/null
		wait "$RM_PID" 2>/dev/null
	fi
	true
}

# kprobes exist if the perf PMU "kprobe" or the tracefs kprobe_events interface does.
have_kprobes() {
	[ -e /sys/bus/event_source/devices/kprobe/type ] || [ -e /sys/kernel/tracing/kprobe_events ]
}

build() {
	ecc_build "$BATS_TEST_DIRNAME/kprobe-link.bpf.c" "$BATS_TEST_DIRNAME/kprobe-link.h"
	check_pkg --obj-name kprobe-link_bpf --export unlink_event --prog do_unlinkat_entry \
		--prog do_unlinkat_exit --var targ_pid
}

@test "kprobe-link: compiles and packages both programs" {
	build
	grep -q '"kprobe/do_unlinkat"' "$PKG"
	grep -q '"kretprobe/do_unlinkat"' "$PKG"
	grep -q '"unlink_event"' "$PKG"
}

@test "kprobe-link: ecli refuses clearly where the kernel has no kprobes" {
	have_kprobes && skip "this kernel has kprobes; the next test runs the tool for real"
	build
	run timeout 30 "$ECLI" run "$PKG"
	echo "status $status; output:"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" != *Running* ]]
	# Names the program that could not attach and says why.
	[[ "$output" == *do_unlinkat_e* ]]
	# the loader's explanation itself, not libbpf's own "failed to create kprobe" lines
	echo "$output" | grep -qF 'this kernel has no kprobe support (CONFIG_KPROBES off?)'
	assert_no_prog do_unlinkat_entry do_unlinkat_exit
}

@test "kprobe-link: traces an unlink with pid, comm, path and result" {
	have_kprobes || skip "kernel lacks kprobes (no /sys/kernel/tracing/kprobe_events)"
	build
	victim=$BATS_TEST_TMPDIR/victim-$(run_id)
	touch "$victim"
	bash -c 'while [ ! -e "$1.go" ]; do sleep 0.05; done; exec rm -f "$1"' _ "$victim" &
	RM_PID=$!
	ecli_start -j "$PKG" --pid "$RM_PID"
	touch "$victim.go"
	wait_for "$OUT" "victim-$(run_id)" 10
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	json_has "$OUT" pid "^$RM_PID\$"
	json_has "$OUT" comm '^rm$'
	json_has "$OUT" filename "^$victim\$"
	json_has "$OUT" ret '^0$'
	assert_no_prog do_unlinkat_entry do_unlinkat_exit
}
