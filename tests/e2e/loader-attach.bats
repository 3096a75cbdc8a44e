#!/usr/bin/env bats
# End-to-end tests of the loader's own attach rules on the real kernel: uprobe/uretprobe with
# a run-time binary (-b), xdp and tc on a veth in a netns (-i), perf_event on the software
# CPU clock (-p, -F), cgroup_skb on a per-run cgroup (--cgroup). Cleanup is checked after exit.

load ../lib/common
load ../data/e2e/helpers

setup() {
	need_root
}

teardown() {
	teardown_ecli
	local p
	for p in "${WATCH_PID:-}" "${TARGET_PID:-}" "${OTHER_PID:-}"; do
		[ -z "$p" ] || kill -KILL "$p" 2>/dev/null
		[ -z "$p" ] || wait "$p" 2>/dev/null
	done
	netns_teardown
	[ -n "${CGROUP:-}" ] && rmdir "$CGROUP" 2>/dev/null
	return 0
}

@test "uprobe + uretprobe: -b picks the binary at run time; argument and return decoded" {
	pkg=$(e2e_build uprobe)
	bin=$BATS_TEST_TMPDIR/uprobe_target
	cc -O1 -g -o "$bin" "$E2E_DATA/uprobe_target.c"
	ecli_start -j -b "$bin" "$pkg"
	grep -q "2 programs attached" "$ERR"
	enter=$(prog_ids e2e_up_enter)
	ret=$(prog_ids e2e_up_return)
	echo "program ids: enter '$enter' return '$ret'"
	[ -n "$enter" ]
	[ -n "$ret" ]
	ids="$enter $ret"
	"$bin" 21 10 &
	TARGET_PID=$!
	target=$TARGET_PID
	wait_for "$OUT" "\"pid\": ?$target,\"kind\": ?2"
	wait "$TARGET_PID"
	TARGET_PID=
	python3 - "$OUT" "$target" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
mine = [e for e in ev if e["pid"] == int(sys.argv[2])]
assert any(e["kind"] == 1 and e["value"] == 21 for e in mine), mine
assert any(e["kind"] == 2 and e["value"] == 42 for e in mine), mine
PY
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	# shellcheck disable=SC2086
	assert_ids_gone $ids
}

@test "uprobe: -p filters by pid" {
	pkg=$(e2e_build uprobe)
	bin=$BATS_TEST_TMPDIR/uprobe_target
	cc -O1 -g -o "$bin" "$E2E_DATA/uprobe_target.c"
	"$bin" 5 200 &
	TARGET_PID=$!
	"$bin" 6 200 &
	OTHER_PID=$!
	# a second ecli without -p watches the same probe: it shows the other process hits it
	ecli_start -j -b "$bin" "$pkg"
	WATCH_PID=$ECLI_PID
	wout=$OUT
	ecli_start -j -b "$bin" -p "$TARGET_PID" "$pkg"
	# from now on both are attached: the watcher must see the other process call the function
	n=$(wc -l <"$wout")
	for _ in $(seq 1 300); do
		tail -n +$((n + 1)) "$wout" >"$BATS_TEST_TMPDIR/later"
		json_match "$BATS_TEST_TMPDIR/later" "e['pid'] == $OTHER_PID" 2>/dev/null && break
		sleep 0.1
	done
	json_match "$BATS_TEST_TMPDIR/later" "e['pid'] == $OTHER_PID and e['value'] in (6, 12)"
	wait_for "$OUT" "\"value\": ?10[,}]"
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	json_match "$OUT" "e['pid'] == $TARGET_PID and e['kind'] == 2 and e['value'] == 10"
	json_none "$OUT" "e['pid'] != $TARGET_PID"
	ECLI_PID=$WATCH_PID
	WATCH_PID=
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
}

@test "uprobe + uretprobe: -f picks the function at run time, replacing the section's" {
	pkg=$(e2e_build uprobe)
	bin=$BATS_TEST_TMPDIR/uprobe_target
	cc -O1 -g -o "$bin" "$E2E_DATA/uprobe_target.c"
	ecli_start -j -b "$bin" -f eun_other_func "$pkg"
	"$bin" 21 10 &
	TARGET_PID=$!
	target=$TARGET_PID
	wait_for "$OUT" "\"pid\": ?$target,\"kind\": ?2"
	wait "$TARGET_PID"
	TARGET_PID=
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	# eun_other_func returns x + 1000; eun_target_func (the section's) x * 2 = 42: never seen
	json_match "$OUT" "e['pid'] == $target and e['kind'] == 1 and e['value'] == 21"
	json_match "$OUT" "e['pid'] == $target and e['kind'] == 2 and e['value'] == 1021"
	json_none "$OUT" "e['kind'] == 2 and e['value'] == 42"
	assert_no_prog e2e_up_enter e2e_up_return
}

@test "uprobe: -f with a function the binary lacks names it and exits 1, nothing left" {
	pkg=$(e2e_build uprobe)
	bin=$BATS_TEST_TMPDIR/uprobe_target
	cc -O1 -g -o "$bin" "$E2E_DATA/uprobe_target.c"
	run "$ECLI" run -d 1 -b "$bin" -f eun_no_such_func "$pkg"
	[ "$status" -eq 1 ] || { echo "$output"; false; }
	[[ "$output" == *"prog 'e2e_up_enter': uprobe on $bin:eun_no_such_func failed"* ]]
	[[ "$output" == *"does it define that function?"* ]]
	assert_no_prog e2e_up_enter e2e_up_return
}

@test "uprobe without a binary: clear error naming -b, exit 1" {
	pkg=$(e2e_build uprobe)
	run "$ECLI" run -d 1 "$pkg"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"prog 'e2e_up_enter'"*"/nonexistent/uprobe_target"* ]]
	[[ "$output" == *"-b PATH"* ]]
	assert_no_prog e2e_up_enter
}

@test "xdp and tc on a veth: packets counted; nothing left on the link after SIGINT" {
	need_cmd nsenter
	need_cmd tc
	pkg=$(e2e_build net)
	netns_setup
	ecli_start -j -i "$VETH_HOST" "$pkg" --port 4242
	grep -q "2 programs attached" "$ERR"
	ip link show dev "$VETH_HOST" | grep -q xdp
	# both through kernel links (xdp link, tcx link), not netlink
	link_progs | grep -qx "xdp e2e_xdp"
	link_progs | grep -qx "tcx e2e_tc"
	assert_no_line . tc filter show dev "$VETH_HOST" ingress
	mapfile -t ids < <(sed -n 's/^prog_id:[[:space:]]*//p' /proc/"$ECLI_PID"/fdinfo/* | sort -u)
	ns_tcp 4242
	wait_for "$OUT" '"hook": ?1,.*"dport": ?4242'
	wait_for "$OUT" '"hook": ?2,.*"dport": ?4242'
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	assert_no_line xdp ip link show dev "$VETH_HOST"
	assert_no_line . tc filter show dev "$VETH_HOST" ingress
	assert_no_line clsact tc qdisc show dev "$VETH_HOST"
	assert_no_prog e2e_xdp
	assert_no_prog e2e_tc
	# this run's programs (and so their links) are gone
	assert_ids_gone "${ids[@]}"
}

@test "xdp and tc: duration exit also detaches; an existing clsact qdisc is left alone" {
	need_cmd nsenter
	need_cmd tc
	pkg=$(e2e_build net)
	netns_setup
	tc qdisc add dev "$VETH_HOST" clsact
	run "$ECLI" run -d 0.5 --ifindex "$(cat /sys/class/net/"$VETH_HOST"/ifindex)" "$pkg"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"2 programs attached"* ]]
	assert_no_line xdp ip link show dev "$VETH_HOST"
	assert_no_line . tc filter show dev "$VETH_HOST" ingress
	tc qdisc show dev "$VETH_HOST" | grep -q clsact
}

@test "xdp and tc attach parameters from the package metadata (ifindex, flags, tchook, tcopts)" {
	need_cmd nsenter
	need_cmd tc
	netns_setup
	idx=$(cat /sys/class/net/"$VETH_HOST"/ifindex)
	meta=$(printf '{"e2e_xdp": {"ifindex": %d, "flags": 2}, "e2e_tc": {"tchook": {"ifindex": %d, "attach_point": "BPF_TC_EGRESS"}, "tcopts": {"handle": 7, "priority": 3}}}' "$idx" "$idx")
	python3 "$E2E_DATA/mkpkg.py" "$E2E_DATA/net.bpf.c" "$BATS_TEST_TMPDIR/meta" --export event \
		--meta "$meta" >/dev/null
	ecli_start -j "$BATS_TEST_TMPDIR/meta/package.json"
	grep -q "2 programs attached" "$ERR"
	ip link show dev "$VETH_HOST" | grep -q xdpgeneric
	# a tcx link on egress: handle and priority only matter to the clsact fallback (< 6.6)
	link_progs | grep -qx "tcx e2e_tc"
	assert_no_line . tc filter show dev "$VETH_HOST" egress
	assert_no_line . tc filter show dev "$VETH_HOST" ingress
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	assert_no_line xdp ip link show dev "$VETH_HOST"
	assert_no_line . tc filter show dev "$VETH_HOST" egress
	assert_no_line clsact tc qdisc show dev "$VETH_HOST"
}

@test "xdp without an interface: clear error, exit 1" {
	pkg=$(e2e_build net)
	run "$ECLI" run -d 1 --only e2e_xdp "$pkg"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"prog 'e2e_xdp': xdp needs an interface: pass -i NAME"* ]]
	run "$ECLI" run -d 1 -i no-such-if0 "$pkg"
	[ "$status" -eq 1 ]
	[[ "$output" == *"no network interface 'no-such-if0'"* ]]
}

@test "perf_event on the software CPU clock: samples of the -p target only" {
	pkg=$(e2e_build perf)
	bash -c 'while :; do :; done' &
	TARGET_PID=$!
	ecli_start -j -F 199 -p "$TARGET_PID" "$pkg"
	wait_for "$OUT" "\"pid\": ?$TARGET_PID,"
	# a few samples more (at 199 Hz), each of which must be the target's
	for _ in $(seq 1 300); do
		[ "$(grep -c . "$OUT")" -ge 5 ] && break
		sleep 0.1
	done
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	python3 - "$OUT" "$TARGET_PID" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert ev and all(e["pid"] == int(sys.argv[2]) and e["comm"] == "bash" for e in ev), ev[:5]
PY
	assert_no_prog e2e_perf
}

@test "perf_event on every CPU without -p" {
	pkg=$(e2e_build perf)
	bash -c 'while :; do :; done' &
	TARGET_PID=$!
	run "$ECLI" run -j -d 1 "$pkg"
	[ "$status" -eq 0 ]
	grep -q "\"pid\": \?$TARGET_PID," <<<"$output"
}

@test "cgroup_skb egress on a per-run cgroup: only that cgroup's packets" {
	cg2=$(cgroup2_mount)
	[ -n "$cg2" ] || skip "no cgroup v2 hierarchy mounted"
	pkg=$(e2e_build cgroup)
	CGROUP=$cg2/eun$(run_id)
	mkdir "$CGROUP"
	ecli_start -j --cgroup "$CGROUP" "$pkg"
	# a connection from outside the cgroup (this shell's cgroup), to port 4344, then one from
	# inside it, to 4343: once the second is reported, the first would have been (one ring
	# buffer, in order) had the program seen it
	bash -c "echo > /dev/tcp/127.0.0.1/4344" 2>/dev/null || true
	bash -c "echo \$\$ > $CGROUP/cgroup.procs; echo > /dev/tcp/127.0.0.1/4343" 2>/dev/null || true
	wait_for "$OUT" '"dport": ?4343' 30
	json_none "$OUT" "e['dport'] == 4344"
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	assert_no_line . bpftool cgroup show "$CGROUP"
}

@test "cgroup: a missing cgroup directory is a clear error" {
	cg2=$(cgroup2_mount)
	[ -n "$cg2" ] || skip "no cgroup v2 hierarchy mounted"
	pkg=$(e2e_build cgroup)
	run "$ECLI" run -d 1 --cgroup "$cg2/no-such-eun" "$pkg"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"cannot open cgroup $cg2/no-such-eun"* ]]
}

@test "socket filter: attached to a raw socket on -i; skipped with a notice without it" {
	need_cmd nsenter
	pkg=$(e2e_build sock)
	netns_setup
	ecli_start -j -i "$VETH_HOST" "$pkg" --port 4244
	grep -q "1 program attached" "$ERR"
	ns_tcp 4244
	wait_for "$OUT" '"dport": ?4244'
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	assert_no_prog e2e_sock

	run "$ECLI" run -d 0.2 "$pkg"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"prog 'e2e_sock' (socket): a socket filter needs a socket; pass -i NAME"* ]]
	[[ "$output" == *"0 programs attached"* ]]
}

@test "struct_ops: a TCP congestion control is registered while running, gone after exit" {
	avail=/proc/sys/net/ipv4/tcp_available_congestion_control
	[ -r "$avail" ] || skip "no $avail"
	pkg=$(e2e_build structops)
	ecli_start "$pkg"
	grep -qw e2e_cc "$avail"
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	for _ in $(seq 1 30); do
		grep -qw e2e_cc "$avail" || break
		sleep 0.1
	done
	assert_no_line '(^| )e2e_cc( |$)' cat "$avail"
}

@test "xdp: another program's XDP on the interface is never replaced; refused, naming it, exit 1" {
	need_cmd nsenter
	need_cmd clang
	pkg=$(e2e_build net)
	netns_setup
	# someone else's XDP program, attached by netlink (no headers needed: plain C, -target bpf)
	printf '%s\n' '__attribute__((section("xdp"), used)) int other_xdp(void *ctx) { return 2; }' \
		'char _license[] __attribute__((section("license"), used)) = "GPL";' \
		>"$BATS_TEST_TMPDIR/other.bpf.c"
	clang -O2 -target bpf -c "$BATS_TEST_TMPDIR/other.bpf.c" -o "$BATS_TEST_TMPDIR/other.bpf.o"
	ip link set dev "$VETH_HOST" xdpgeneric obj "$BATS_TEST_TMPDIR/other.bpf.o" sec xdp
	other=$(prog_ids other_xdp)
	[ -n "$other" ]
	run "$ECLI" run -d 1 -i "$VETH_HOST" "$pkg"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"interface $VETH_HOST already runs XDP program id $other ('other_xdp'); not replacing it"* ]]
	[[ "$output" == *"ip link set dev $VETH_HOST xdp off"* ]]
	# the other program is still the one attached; nothing of ours stays (not even the tcx link)
	ip link show dev "$VETH_HOST" | grep -q "prog/xdp id $other name other_xdp"
	assert_no_prog e2e_xdp
	assert_no_prog e2e_tc
	ip link set dev "$VETH_HOST" xdp off
}

@test "tc: a clsact filter left at the package's handle/priority (a killed netlink run) is named with its removal" {
	need_cmd nsenter
	need_cmd tc
	need_cmd clang
	netns_setup
	# what an older ecli (netlink clsact) leaves after kill -9: a filter at handle 7 prio 3
	printf '%s\n' '__attribute__((section("tc"), used)) int stale_tc(void *ctx) { return 0; }' \
		'char _license[] __attribute__((section("license"), used)) = "GPL";' \
		>"$BATS_TEST_TMPDIR/stale.bpf.c"
	clang -O2 -target bpf -c "$BATS_TEST_TMPDIR/stale.bpf.c" -o "$BATS_TEST_TMPDIR/stale.bpf.o"
	tc qdisc add dev "$VETH_HOST" clsact
	tc filter add dev "$VETH_HOST" egress handle 7 prio 3 bpf da obj "$BATS_TEST_TMPDIR/stale.bpf.o" sec tc
	idx=$(cat /sys/class/net/"$VETH_HOST"/ifindex)
	meta=$(printf '{"e2e_tc": {"tchook": {"ifindex": %d, "attach_point": "BPF_TC_EGRESS"}, "tcopts": {"handle": 7, "priority": 3}}}' "$idx")
	python3 "$E2E_DATA/mkpkg.py" "$E2E_DATA/net.bpf.c" "$BATS_TEST_TMPDIR/meta" --export event \
		--meta "$meta" >/dev/null
	run "$ECLI" run -d 0.3 --only e2e_tc "$BATS_TEST_TMPDIR/meta/package.json"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"$VETH_HOST egress has a tc filter at handle 7 priority 3 (program id "*", 'stale_tc'), maybe left by a run that was killed"* ]]
	cmd="tc filter del dev $VETH_HOST egress handle 7 prio 3 bpf"
	[[ "$output" == *"Remove it with \`$cmd\`"* ]]
	# the command named really removes it
	$cmd
	assert_no_line . tc filter show dev "$VETH_HOST" egress
}
