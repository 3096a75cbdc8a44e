#!/usr/bin/env bats
# After SIGKILL of ecli nothing stays loaded or attached, for every attach kind that the kernel
# holds by a link (tp, raw_tp, tp_btf, uprobe, usdt, perf_event, xdp, tc through tcx, cgroup,
# struct_ops)
# and for socket filters (held by a socket ecli owns). Each test starts one run of one kind,
# reads the program and link ids the run holds from /proc/PID/fdinfo, kills it with -9, then
# checks with bpftool, ip and tc that none of those ids (nor an attachment) remains.

load ../lib/common
load ../data/e2e/helpers

setup() {
	need_root
}

teardown() {
	teardown_ecli
	[ -z "${TARGET_PID:-}" ] || { kill -KILL "$TARGET_PID" 2>/dev/null; wait "$TARGET_PID" 2>/dev/null; }
	netns_teardown
	[ -n "${CGROUP:-}" ] && rmdir "$CGROUP" 2>/dev/null
	return 0
}

# fd_ids PID KEY: the ids (prog_id or link_id) of the bpf fds process PID holds.
fd_ids() {
	local f
	for f in /proc/"$1"/fdinfo/*; do
		sed -n "s/^$2:[[:space:]]*//p" "$f" 2>/dev/null
	done | sort -un
}

# kill_run LINKS ECLI-ARGS...: start ecli, note its programs and links (at least one program,
# and at least one link when LINKS is 1), kill -9, check they are all gone.
kill_run() {
	local want_links=$1 progs links id left
	shift
	ecli_start "$@"
	grep -q "[1-9][0-9]* programs\? attached" "$ERR"
	progs=$(fd_ids "$ECLI_PID" prog_id)
	links=$(fd_ids "$ECLI_PID" link_id)
	echo "run $ECLI_PID: programs [$progs] links [$links]"
	[ -n "$progs" ]
	[ "$want_links" -eq 0 ] || [ -n "$links" ]
	for id in $links; do
		bpftool link show id "$id" >/dev/null
	done
	kill -KILL "$ECLI_PID"
	wait "$ECLI_PID" || true
	ECLI_PID=
	# shellcheck disable=SC2086 # one id per word
	assert_ids_gone $progs
	for _ in $(seq 1 30); do
		left=
		for id in $links; do
			bpftool link show id "$id" >/dev/null 2>&1 && left="$left $id"
		done
		[ -z "$left" ] && break
		sleep 0.1
	done
	[ -z "$left" ] || {
		echo "links still there after SIGKILL:$left" >&2
		return 1
	}
	KILLED_PROGS=$progs
}

# no_link_to_progs: no link in the kernel points at a program of the killed run.
no_link_to_progs() {
	local js
	js=$(bpftool -j link show)
	python3 -c '
import json, sys
ids = set(int(x) for x in sys.argv[1].split())
bad = [l for l in json.loads(sys.argv[2]) if l.get("prog_id") in ids]
sys.exit("links of the killed run: %r" % bad if bad else 0)' "$KILLED_PROGS" "$js"
}

@test "SIGKILL: tracepoint (tp/) leaves nothing" {
	need_tracefs
	kill_run 1 --only kill_tp "$(e2e_build kill)"
	no_link_to_progs
}

@test "SIGKILL: raw_tp leaves nothing" {
	kill_run 1 --only kill_raw_tp "$(e2e_build kill)"
	no_link_to_progs
}

@test "SIGKILL: tp_btf leaves nothing" {
	kill_run 1 --only kill_tp_btf "$(e2e_build kill)"
	no_link_to_progs
}

@test "SIGKILL: uprobe + uretprobe leave nothing (no uprobe events stay)" {
	bin=$BATS_TEST_TMPDIR/uprobe_target
	cc -O1 -g -o "$bin" "$E2E_DATA/uprobe_target.c"
	kill_run 1 -b "$bin" "$(e2e_build uprobe)"
	no_link_to_progs
	assert_no_line "$bin" cat /sys/kernel/tracing/uprobe_events
}

@test "SIGKILL: usdt leaves nothing" {
	local dir=$BATS_FILE_TMPDIR/usdt
	mkdir -p "$dir"
	gcc -O2 -o "$dir/usdt_target" "$EUNOMIA_ROOT/examples/bpftools/usdt/usdt_target.c" \
		2>"$dir/cc.log" || skip "no <sys/sdt.h> to build usdt_target: $(head -n1 "$dir/cc.log")"
	[ -f "$dir/package.json" ] || "$ECC" "$EUNOMIA_ROOT/examples/bpftools/usdt/usdt.bpf.c" \
		"$EUNOMIA_ROOT/examples/bpftools/usdt/usdt.h" -o "$dir" >"$dir/ecc.log" 2>&1 ||
		{ cat "$dir/ecc.log" >&2; false; }
	kill_run 1 -b "$dir/usdt_target" "$dir/package.json"
	no_link_to_progs
}

@test "SIGKILL: perf_event (software CPU clock, every CPU) leaves nothing" {
	kill_run 1 "$(e2e_build perf)"
	no_link_to_progs
}

@test "SIGKILL: xdp (BPF link) leaves nothing on the interface" {
	need_cmd nsenter
	netns_setup
	kill_run 1 -i "$VETH_HOST" --only e2e_xdp "$(e2e_build net)"
	no_link_to_progs
	assert_no_line 'xdp' ip link show dev "$VETH_HOST"
	# and the interface takes a new XDP program at once: no stale attachment in the way
	run "$ECLI" run -d 0.2 -i "$VETH_HOST" --only e2e_xdp "$(e2e_build net)"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "SIGKILL: tc (tcx link) leaves no filter, qdisc or link" {
	need_cmd nsenter
	need_cmd tc
	netns_setup
	kill_run 1 -i "$VETH_HOST" --only e2e_tc "$(e2e_build net)"
	no_link_to_progs
	assert_no_line . tc filter show dev "$VETH_HOST" ingress
	assert_no_line . tc filter show dev "$VETH_HOST" egress
	assert_no_line clsact tc qdisc show dev "$VETH_HOST"
	# the next run attaches again, no "File exists"
	run "$ECLI" run -d 0.2 -i "$VETH_HOST" --only e2e_tc "$(e2e_build net)"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "SIGKILL: cgroup_skb leaves nothing on the cgroup" {
	cg2=$(cgroup2_mount)
	[ -n "$cg2" ] || skip "no cgroup v2 hierarchy mounted"
	CGROUP=$cg2/eunk$(run_id)
	mkdir "$CGROUP"
	kill_run 1 --cgroup "$CGROUP" "$(e2e_build cgroup)"
	no_link_to_progs
	assert_no_line . bpftool cgroup show "$CGROUP"
}

@test "SIGKILL: socket filter (on ecli's own raw socket) leaves nothing" {
	need_cmd nsenter
	netns_setup
	# a socket filter has no link: the socket dies with ecli and takes the program with it
	kill_run 0 -i "$VETH_HOST" "$(e2e_build sock)"
	no_link_to_progs
}

@test "SIGKILL: struct_ops (a TCP congestion control, registered by a link) is unregistered" {
	avail=/proc/sys/net/ipv4/tcp_available_congestion_control
	[ -r "$avail" ] || skip "no $avail"
	bpftool btf dump file /sys/kernel/btf/vmlinux | grep -q "'BPF_LINK_TYPE_STRUCT_OPS'" ||
		skip "no struct_ops links on this kernel (before 6.4): a killed run leaves it registered"
	ecli_start "$(e2e_build structops)"
	grep -qw e2e_cc "$avail"
	# registered through a link the run holds
	[ -n "$(fd_ids "$ECLI_PID" link_id)" ]
	kill -KILL "$ECLI_PID"
	wait "$ECLI_PID" || true
	ECLI_PID=
	for _ in $(seq 1 30); do
		grep -qw e2e_cc "$avail" || break
		sleep 0.1
	done
	assert_no_line '(^| )e2e_cc( |$)' cat "$avail"
	assert_no_line 'e2e_cc' bpftool struct_ops show
}
