#!/usr/bin/env bats
# Many runs of one package side by side: 8 ecli runs of the exec tracepoint package at once,
# each with its own filter (--target_ppid: the pid of its own spawner shell) and its own --tag.
# Spawner i execs /bin/true i+1 times once all runs are attached; run i must see exactly its
# i+1 execs, all with its tag and its spawner as parent, none of the others'. After they exit,
# none of their programs or links is loaded.

load ../lib/common
load ../data/e2e/helpers

N=8

setup() {
	need_root
	need_tracefs
	PIDS=()
	SPAWNERS=()
}

teardown() {
	local p
	for p in "${PIDS[@]}" "${SPAWNERS[@]}"; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	return 0
}

@test "8 runs of one package side by side: each sees only its own events; nothing left after" {
	local pkg i n gate ids=() links=() id left
	pkg=$(e2e_build exec "$E2E_DATA/exec.h")
	gate=$BATS_TEST_TMPDIR/gate
	mkfifo "$gate"
	# spawners: blocked on the gate; their execs of /bin/true are the events (no other child:
	# the loop is a bash arithmetic loop, no $(seq))
	for ((i = 0; i < N; i++)); do
		bash -c 'read -r _ <"$1"; for ((k = 0; k <= $2; k++)); do /bin/true; done' _ "$gate" "$i" &
		SPAWNERS+=("$!")
	done
	for ((i = 0; i < N; i++)); do
		# the tag is unique per run too: 100 + i
		ecli_start -j "$pkg" --target_ppid "${SPAWNERS[i]}" --tag $((100 + i))
		PIDS+=("$ECLI_PID")
		OUTS[i]=$OUT
		ECLI_PID=
		mapfile -t -O "${#ids[@]}" ids < <(sed -n 's/^prog_id:[[:space:]]*//p' \
			/proc/"${PIDS[i]}"/fdinfo/* 2>/dev/null | sort -u)
		mapfile -t -O "${#links[@]}" links < <(sed -n 's/^link_id:[[:space:]]*//p' \
			/proc/"${PIDS[i]}"/fdinfo/* 2>/dev/null | sort -u)
	done
	echo "programs: ${ids[*]}; links: ${links[*]}"
	[ "${#ids[@]}" -ge "$N" ]
	[ "${#links[@]}" -ge "$N" ]
	# open the gate for every spawner at once (each reads one line)
	for ((i = 0; i < N; i++)); do echo go; done >"$gate"
	local sp=("${SPAWNERS[@]}")
	for ((i = 0; i < N; i++)); do
		wait "${SPAWNERS[i]}"
	done
	SPAWNERS=()
	for ((i = 0; i < N; i++)); do
		n=$((i + 1))
		wait_for "${OUTS[i]}" "\"tag\": ?$((100 + i))," 20
		for _ in $(seq 1 100); do
			[ "$(grep -c '"tag"' "${OUTS[i]}")" -ge "$n" ] && break
			sleep 0.1
		done
	done
	for ((i = 0; i < N; i++)); do
		kill -INT "${PIDS[i]}"
	done
	for ((i = 0; i < N; i++)); do
		wait "${PIDS[i]}"
	done
	PIDS=()
	for ((i = 0; i < N; i++)); do
		python3 - "${OUTS[i]}" $((i + 1)) $((100 + i)) "${sp[i]}" <<'PY'
import json, sys
path, n, tag, ppid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rows = [json.loads(l) for l in open(path) if l.lstrip().startswith("{")]
bad = [r for r in rows if r["tag"] != tag or r["ppid"] != ppid or r["comm"] != "true"]
if bad or len(rows) != n:
    sys.exit(f"{path}: {len(rows)} events, expected {n} with tag {tag}: {rows}")
PY
	done
	# nothing of theirs stays loaded
	assert_ids_gone "${ids[@]}"
	for _ in $(seq 1 30); do
		left=
		for id in "${links[@]}"; do
			bpftool link show id "$id" >/dev/null 2>&1 && left="$left $id"
		done
		[ -z "$left" ] && break
		sleep 0.1
	done
	[ -z "$left" ]
}
