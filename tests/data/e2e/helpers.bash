# Helpers for tests/e2e/ecli.bats and tests/e2e/loader*.bats (load after tests/lib/common).
E2E_DATA=$EUNOMIA_ROOT/tests/data/e2e

# e2e_build NAME [ECC-ARGS...]: compile tests/data/e2e/NAME.bpf.c with ecc into
# $BATS_FILE_TMPDIR/NAME (once per file) and print the package path.
e2e_build() {
	local name=$1 out
	shift
	out=$BATS_FILE_TMPDIR/$name
	if [ ! -f "$out/package.json" ]; then
		mkdir -p "$out"
		if ! "$ECC" "$E2E_DATA/$name.bpf.c" "$@" -o "$out" >"$out/ecc.log" 2>&1; then
			cat "$out/ecc.log" >&2
			echo "ecc failed on $name.bpf.c" >&2
			return 1
		fi
	fi
	echo "$out/package.json"
}

# e2e_handbuilt NAME [mkpkg ARGS...]: package built without ecc (public format by hand).
e2e_handbuilt() {
	local name=$1 out
	shift
	out=$BATS_FILE_TMPDIR/hand-$name
	if [ ! -f "$out/package.json" ]; then
		python3 "$E2E_DATA/mkpkg.py" "$E2E_DATA/$name.bpf.c" "$out" "$@" >/dev/null || return 1
	fi
	echo "$out/package.json"
}

# prog_ids NAME: ids of the loaded programs called NAME (bpftool keeps 15 characters). Fails
# (status non-zero, message on stderr) when bpftool cannot list programs, so that a caller that
# checks its status cannot take a broken bpftool for "no such program".
prog_ids() {
	local js
	js=$(bpftool -j prog show) || {
		echo "prog_ids: 'bpftool -j prog show' failed" >&2
		return 1
	}
	python3 -c 'import json,sys; n=sys.argv[1][:15]; print(" ".join(str(p["id"]) for p in json.load(sys.stdin) if p.get("name","")[:15]==n))' "$1" <<<"$js"
}

# assert_ids_gone ID...: none of these program ids is still loaded (3 s allowed for the
# kernel to free them after an RCU grace period).
assert_ids_gone() {
	local id left
	if [ "$#" -eq 0 ]; then
		echo "assert_ids_gone: no program ids given (were the programs ever loaded?)" >&2
		return 1
	fi
	for _ in $(seq 1 30); do
		left=
		for id in "$@"; do
			bpftool prog show id "$id" >/dev/null 2>&1 && left="$left $id"
		done
		[ -z "$left" ] && return 0
		sleep 0.1
	done
	echo "programs still loaded 3 s after exit:$left" >&2
	bpftool prog show >&2
	return 1
}

# A veth pair with one end in a new netns: host end $VETH_HOST (10.X.Y.1), namespace end
# $VETH_NS (10.X.Y.2) in $NETNS. Names are per run.
netns_setup() {
	local id
	id=$(run_id)
	NETNS=eun$id
	VETH_HOST=eh$id
	VETH_NS=en$id
	NET_PREFIX=10.$((RANDOM % 40 + 60)).$((RANDOM % 250))
	ip netns add "$NETNS"
	ip link add "$VETH_HOST" type veth peer name "$VETH_NS"
	ip link set "$VETH_NS" netns "$NETNS"
	ip addr add "$NET_PREFIX.1/24" dev "$VETH_HOST"
	ip link set "$VETH_HOST" up
	nsenter --net=/run/netns/"$NETNS" ip addr add "$NET_PREFIX.2/24" dev "$VETH_NS"
	nsenter --net=/run/netns/"$NETNS" ip link set "$VETH_NS" up
	nsenter --net=/run/netns/"$NETNS" ip link set lo up
}

netns_teardown() {
	[ -n "${VETH_HOST:-}" ] && ip link del "$VETH_HOST" 2>/dev/null
	[ -n "${NETNS:-}" ] && ip netns del "$NETNS" 2>/dev/null
	VETH_HOST=""
	NETNS=""
	return 0
}

# ns_tcp PORT: from inside the netns, open a TCP connection to the host end (refused is fine).
ns_tcp() {
	nsenter --net=/run/netns/"$NETNS" timeout 2 bash -c "echo > /dev/tcp/$NET_PREFIX.1/$1" \
		2>/dev/null || true
}

# assert_no_line REGEX CMD [ARGS...]: CMD succeeds and no line of its output matches REGEX
# (grep -E). Unlike `[ -z "$(CMD | grep RE)" ]`, a failing CMD (say, the device is gone) fails.
assert_no_line() {
	local re=$1 out
	shift
	out=$("$@") || {
		echo "assert_no_line: '$*' failed" >&2
		return 1
	}
	if grep -Eq -- "$re" <<<"$out"; then
		echo "unexpected /$re/ in the output of '$*':" >&2
		echo "$out" >&2
		return 1
	fi
}

# have_trampolines: kernel probe, independent of ecli: status 0 if this kernel loads an fentry
# program (tests/data/e2e/fentry.bpf.c, with bpftool), 1 if it refuses it with EPERM (this VM);
# anything else is an inconclusive probe and fails the calling test with bpftool's message.
have_trampolines() {
	local pkg pin out st=0
	pkg=$(e2e_build fentry) || return 2
	mountpoint -q /sys/fs/bpf || {
		echo "have_trampolines: bpffs is not mounted at /sys/fs/bpf (scripts/setup.sh mounts)" >&2
		return 2
	}
	pin=/sys/fs/bpf/eun-probe-$(run_id)
	out=$(bpftool prog loadall "$(dirname "$pkg")/fentry.bpf.o" "$pin" 2>&1) || st=$?
	rm -rf "$pin"
	[ "$st" -eq 0 ] && return 0
	[[ "$out" == *"Operation not permitted"* ]] && return 1
	echo "have_trampolines: inconclusive probe; bpftool said:" >&2
	echo "$out" >&2
	return 2
}

# have_kprobes: kernel probe: status 0 if this kernel has kprobe support.
have_kprobes() {
	[ -e /sys/bus/event_source/devices/kprobe ] || [ -e /sys/kernel/tracing/kprobe_events ]
}

# trampoline_probe: sets TRAMP to have_trampolines' status; fails the test if it is inconclusive.
trampoline_probe() {
	TRAMP=0
	have_trampolines || TRAMP=$?
	[ "$TRAMP" -ne 2 ]
}

# link_progs: one line "TYPE PROGNAME" per BPF link in the kernel (TYPE as bpftool names it:
# xdp, cgroup, perf_event, tracing, raw_tracepoint..., or 11 for tcx, which bpftool 7.1 does
# not name). Fails when bpftool cannot list links or programs.
link_progs() {
	local links progs
	links=$(bpftool -j link show) || return 1
	progs=$(bpftool -j prog show) || return 1
	python3 -c '
import json, sys
names = {p["id"]: p.get("name", "?") for p in json.loads(sys.argv[2])}
for l in json.loads(sys.argv[1]):
    t = {11: "tcx"}.get(l.get("type"), l.get("type"))
    print(t, names.get(l.get("prog_id"), "?"))' "$links" "$progs"
}
