#!/usr/bin/env bats
# `ecli server` under load, on the real kernel: many concurrent readers of one program, and
# start/stop cycles that must leave no programs, maps, links or file descriptors behind.
# (Its own file: the suite gives each file 300 s.)

load ../lib/common
load ../data/e2e/helpers
load ../lib/server

@test "server: 50 concurrent readers of one program all get every event, in order" {
	server_start
	start_exec many 5
	out=$BATS_TEST_TMPDIR/readers.out
	python3 "$API" "$EP" readers "$ID" 50 "e['tag'] == 5 and e['comm'] == 'true'" 5 60 >"$out" 2>&1 &
	rpid=$!
	wait_for "$out" "readers started" 30
	for _ in 1 2 3 4 5; do
		exec_true
	done
	st=0
	wait "$rpid" || st=$?
	cat "$out"
	[ "$st" -eq 0 ]
	grep -q "50/50 readers got all 5 events" "$out"
}

@test "server: 200 start/stop cycles leave no programs, maps, links or file descriptors behind" {
	server_start --no-state
	pkg=$(e2e_build exec "$E2E_DATA/exec.h")
	start_body "$BATS_TEST_TMPDIR/c" "$pkg" cycle -- --target_ppid "$BASHPID"
	# warm up once (libbpf, BTF cache), then count
	req POST /v1/programs "$BATS_TEST_TMPDIR/c"
	req DELETE "/v1/programs/$(jq_get "$BODY" "d['id']")"
	fds0=$(find "/proc/$SRV_PID/fd" -mindepth 1 | wc -l)
	all_ids=
	all_maps=
	# curl and bash only in the loop: a python per request would dominate the run time
	for i in $(seq 1 200); do
		out=$(curl -sS --unix-socket "$SOCK" -w ' %{http_code}' --data-binary @"$BATS_TEST_TMPDIR/c" http://x/v1/programs)
		[[ "$out" =~ ^\{\"id\":([0-9]+),.*\ 201$ ]] || {
			echo "cycle $i: $out"
			false
		}
		id=${BASH_REMATCH[1]}
		if [ $((i % 50)) -eq 1 ]; then
			req GET "/v1/programs/$id"
			pid=$(jq_get "$BODY" "d['programs'][0]['prog_id']")
			all_ids="$all_ids $pid"
			all_maps="$all_maps $(bpftool -j prog show id "$pid" | python3 -c 'import json,sys; print(" ".join(map(str, json.load(sys.stdin)["map_ids"])))')"
		fi
		out=$(curl -sS --unix-socket "$SOCK" -w ' %{http_code}' -X DELETE "http://x/v1/programs/$id")
		[[ "$out" == *" 200" ]] || {
			echo "cycle $i: stop: $out"
			false
		}
	done
	req GET /v1/programs
	[ "$BODY" = '{"programs":[]}' ]
	fds1=$(find "/proc/$SRV_PID/fd" -mindepth 1 | wc -l)
	echo "fds: $fds0 -> $fds1"
	[ "$fds1" -le "$fds0" ]
	# shellcheck disable=SC2086
	assert_ids_gone $all_ids
	# no link left on any of them
	# shellcheck disable=SC2086 # (word splitting drops the leading space)
	run bash -c "bpftool -j link show | python3 -c 'import json,sys; ids={$(echo $all_ids | tr ' ' ,)}; print(sum(1 for l in json.load(sys.stdin) if l.get(\"prog_id\") in ids))'"
	[ "$output" = 0 ]
	# and none of their maps (the ring buffer, .rodata): freed once the programs are
	[ -n "${all_maps// /}" ]
	for m in $all_maps; do
		for _ in $(seq 1 50); do
			bpftool map show id "$m" >/dev/null 2>&1 || break
			sleep 0.1
		done
		run bpftool map show id "$m"
		[ "$status" -ne 0 ] || {
			echo "map $m is still there: $output"
			false
		}
	done
}
