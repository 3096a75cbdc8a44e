#!/usr/bin/env bats
# End-to-end tests of `ecli server` and `ecli client` on the real kernel: the server on a
# per-test Unix socket and on a 127.0.0.1 TCP port it picks, real packages started through
# the API, real events triggered by the test and read back decoded; authentication, errors,
# pause/resume, stop, restart with --state-dir, concurrent readers, start/stop cycles that must
# leave nothing behind, the compatibility endpoints, TLS. Readiness: the server's "Running"
# line and long-polls (wait_ms), never fixed sleeps.

load ../lib/common
load ../data/e2e/helpers
load ../lib/server
# shellcheck disable=SC2154 # p: set by exec_true (tests/lib/server.bash)

@test "server: health, version; two packages at once, each with its own decoded events" {
	server_start
	req GET /v1/health
	[ "$CODE" = 200 ]
	[ "$(jq_get "$BODY" "d['status']")" = ok ]
	req GET /v1/version
	[ "$(jq_get "$BODY" "d['api']")" = v1 ]
	start_exec ex-a 11
	id_a=$ID
	# a second, different package: opensnoop filtered to one process
	ecc_build "$EUNOMIA_ROOT/examples/bpftools/opensnoop/opensnoop.bpf.c"
	start_body "$BATS_TEST_TMPDIR/req.open" "$PKG" snoop -- --pid "$BASHPID"
	req POST /v1/programs "$BATS_TEST_TMPDIR/req.open"
	echo "$BODY"
	[ "$CODE" = 201 ]
	id_b=$(jq_get "$BODY" "d['id']")
	[ "$id_a" != "$id_b" ]
	[ "$(jq_get "$BODY" "d['state']")" = running ]
	exec_true
	: <"$BATS_TEST_TMPDIR/req.open" # an open() by this shell for opensnoop
	run wait_ev "$id_a" "e['pid'] == $p"
	echo "$output"
	[ "$status" -eq 0 ]
	python3 -c 'import json,sys; e=json.loads(sys.argv[1]); assert e["comm"]=="true" and e["tag"]==11 and e["filename"]=="/bin/true", e' "$output"
	run wait_ev "$id_b" "e['pid'] == $BASHPID and e['fname'].endswith('req.open')"
	echo "$output"
	[ "$status" -eq 0 ]
	# each program has only its own events: opensnoop's are not in exec's ring
	req GET "/v1/programs/$id_a/events?limit=1000"
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert all("tag" in ev["data"] for ev in d["events"]), d' "$BODY"
	req GET /v1/programs
	[ "$(jq_get "$BODY" "len(d['programs'])")" = 2 ]
	[ "$(jq_get "$BODY" "[p['name'] for p in d['programs']]")" = "['ex-a', 'snoop']" ]
	server_stop
	[ "$SRV_STATUS" -eq 0 ]
}

@test "server: pause detaches (no events while paused), resume attaches again; events before and after stay" {
	server_start
	start_exec ex 1
	exec_true
	p1=$p
	wait_ev "$ID" "e['pid'] == $p1"
	req GET "/v1/programs/$ID"
	prog_id=$(jq_get "$BODY" "d['programs'][0]['prog_id']")
	req POST "/v1/programs/$ID/pause"
	[ "$CODE" = 200 ]
	[ "$(jq_get "$BODY" "d['state']")" = paused ]
	# detached: no link refers to the program while it is paused
	run bash -c "bpftool -j link show | python3 -c 'import json,sys; print(sum(1 for l in json.load(sys.stdin) if l.get(\"prog_id\")==$prog_id))'"
	[ "$output" = 0 ]
	exec_true
	p2=$p
	req POST "/v1/programs/$ID/resume"
	[ "$CODE" = 200 ]
	[ "$(jq_get "$BODY" "d['state']")" = running ]
	exec_true
	p3=$p
	wait_ev "$ID" "e['pid'] == $p3"
	req GET "/v1/programs/$ID/events"
	echo "$BODY"
	python3 - "$BODY" "$p1" "$p2" "$p3" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
pids = [e["data"]["pid"] for e in d["events"]]
p1, p2, p3 = map(int, sys.argv[2:])
assert p1 in pids and p3 in pids, pids
assert p2 not in pids, f"event while paused: {pids}"
assert pids.index(p1) < pids.index(p3)
PY
	# pausing twice is fine; the client shows the state
	req POST "/v1/programs/$ID/pause"
	[ "$CODE" = 200 ]
	run "$ECLI" client -e "$EP" list
	echo "$output"
	[[ "$output" == *" paused "* ]]
}

@test "server: DELETE detaches and unloads everything of that program (bpftool), the other stays" {
	server_start
	start_exec keep 1
	keep=$ID
	start_exec gone 2
	req GET "/v1/programs/$ID"
	ids=$(jq_get "$BODY" "' '.join(str(p['prog_id']) for p in d['programs'])")
	[ -n "$ids" ]
	bpftool prog show id "$ids" >/dev/null
	req DELETE "/v1/programs/$ID"
	[ "$CODE" = 200 ]
	# shellcheck disable=SC2086
	assert_ids_gone $ids
	req GET "/v1/programs/$ID"
	[ "$CODE" = 404 ]
	req DELETE "/v1/programs/$ID"
	[ "$CODE" = 404 ]
	exec_true
	wait_ev "$keep" "e['pid'] == $p"
}

@test "server: TCP needs a bearer token (401 without or wrong, 200 right); no token file, no TCP" {
	run "$ECLI" server --listen tcp:127.0.0.1:0 --no-state
	[ "$status" -eq 2 ]
	[[ "$output" == *"TCP needs --token-file"* ]]
	tok=$BATS_TEST_TMPDIR/token
	head -c 24 /dev/urandom | base64 >"$tok"
	chmod 600 "$tok"
	server_start --listen tcp:127.0.0.1:0 --token-file "$tok"
	[ -n "$PORT" ]
	url=http://127.0.0.1:$PORT
	run curl -sS -o /dev/null -w '%{http_code}' "$url/v1/health"
	[ "$output" = 401 ]
	run curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer wrong-token-xxxxxxxxxxxxxx" "$url/v1/health"
	[ "$output" = 401 ]
	run curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(head -n1 "$tok")x" "$url/v1/programs"
	[ "$output" = 401 ]
	run curl -sS -w ' %{http_code}' -H "Authorization: Bearer $(head -n1 "$tok")" "$url/v1/programs"
	[ "$output" = $'{"programs":[]}\n 200' ]
	# the client, with the token file, over TCP
	run "$ECLI" client -e "$url" -t "$tok" list
	[ "$status" -eq 0 ]
	[[ "$output" == ID* ]]
	run "$ECLI" client -e "$url" list
	[ "$status" -eq 1 ]
	[[ "$output" == *"HTTP 401"* ]]
	# a whole start through TCP, with events
	EP=$url
	export TOKEN_FILE=$tok
	start_exec tcp 3
	exec_true
	wait_ev "$ID" "e['pid'] == $p and e['tag'] == 3"
}

@test "server: Unix socket is 0600 root (0660 with --group); others get 403 even when they can connect" {
	need_cmd setpriv
	server_start --group daemon
	[ "$(stat -c '%a %U %G' "$SOCK")" = "660 root daemon" ]
	gid=$(getent group daemon | cut -d: -f3)
	# let an unprivileged user reach the socket through bats' private temporary directories
	d=$BATS_TEST_TMPDIR
	while [[ "$d" == "$BATS_RUN_TMPDIR"* ]]; do
		chmod o+x "$d"
		d=$(dirname "$d")
	done
	# a member of --group: allowed
	run setpriv --reuid=65534 --regid="$gid" --clear-groups curl -sS -w ' %{http_code}' --unix-socket "$SOCK" http://x/v1/health
	echo "$output"
	[[ "$output" == *" 200" ]]
	# anyone else: the file mode keeps them out; opened up, SO_PEERCRED still refuses
	chmod 666 "$SOCK"
	run setpriv --reuid=65534 --regid=65534 --clear-groups curl -sS -w ' %{http_code}' --unix-socket "$SOCK" http://x/v1/programs
	echo "$output"
	[[ "$output" == *'"error":"permission denied: only root and members of group daemon may use this socket"'*" 403" ]]
	server_stop
	server_start
	[ "$(stat -c '%a' "$SOCK")" = 600 ]
}

@test "server: 400 with ecli's exact message for a bad package and for bad tool flags; 422 with the verifier's tail" {
	server_start
	start_exec bystander 8 # must not notice any of the failures below
	good=$ID
	bad=$EUNOMIA_ROOT/tests/data/packages/bad-json.json
	run "$ECLI" run "$bad"
	want=$(printf '%s\n' "$output" | sed 's/^ecli: //')
	start_body "$BATS_TEST_TMPDIR/bad" "$bad" "$bad"
	req POST /v1/programs "$BATS_TEST_TMPDIR/bad"
	[ "$CODE" = 400 ]
	got=$(jq_get "$BODY" "d['error']")
	diff <(echo "$want") <(echo "$got")
	# bad flags
	pkg=$(e2e_build exec "$E2E_DATA/exec.h")
	run "$ECLI" run "$pkg" --no-such-flag 1
	# (less the hint at ecli's own command line)
	want=$(printf '%s\n' "$output" | sed 's/^ecli: //; s/; see `ecli run .* --help`$//')
	start_body "$BATS_TEST_TMPDIR/flags" "$pkg" -- --no-such-flag 1
	req POST /v1/programs "$BATS_TEST_TMPDIR/flags"
	[ "$CODE" = 400 ]
	got=$(jq_get "$BODY" "d['error']")
	diff <(echo "$want") <(echo "$got")
	# not JSON at all; neither package nor url; unknown option
	echo '{"package": 1' >"$BATS_TEST_TMPDIR/j"
	req POST /v1/programs "$BATS_TEST_TMPDIR/j"
	[ "$CODE" = 400 ]
	[ "$(jq_get "$BODY" "d['error']")" = "the request body is not a JSON object" ]
	echo '{"name": "x"}' >"$BATS_TEST_TMPDIR/j"
	req POST /v1/programs "$BATS_TEST_TMPDIR/j"
	[ "$CODE" = 400 ]
	[[ "$BODY" == *'give exactly one of'* ]]
	start_body "$BATS_TEST_TMPDIR/o" "$pkg" --opt colour=red
	req POST /v1/programs "$BATS_TEST_TMPDIR/o"
	[ "$CODE" = 400 ]
	[[ "$BODY" == *"options: unknown option 'colour'"* ]]
	# the verifier's refusal: 422, the verifier log's tail as ecli run prints it
	vpkg=$(e2e_build verifier)
	run "$ECLI" run "$vpkg"
	[ "$status" -eq 1 ]
	start_body "$BATS_TEST_TMPDIR/v" "$vpkg"
	req POST /v1/programs "$BATS_TEST_TMPDIR/v"
	echo "$BODY"
	[ "$CODE" = 422 ]
	got=$(jq_get "$BODY" "d['error']")
	# the same text but for kernel addresses in the log
	diff <(printf '%s\n' "$output" | sed 's/^ecli: //; s/0x[0-9a-f]\{12,\}/ADDR/g') <(echo "$got" | sed 's/0x[0-9a-f]\{12,\}/ADDR/g')
	[[ "$got" == *"the kernel verifier rejected it:"*"invalid access to map value"* ]]
	# nothing was left running by the failures, and the other program carries on
	req GET /v1/programs
	[ "$(jq_get "$BODY" "[(p['id'], p['state']) for p in d['programs']]")" = "[($good, 'running')]" ]
	exec_true
	wait_ev "$good" "e['pid'] == $p and e['tag'] == 8"
	# the client prints the server's message and exits 1
	run "$ECLI" client -e "$EP" start "$pkg" --no-such-flag 1
	[ "$status" -eq 1 ]
	[[ "$output" == *"unknown option '--no-such-flag'"*"(HTTP 400)"* ]]
}

@test "server: restart with --state-dir starts the programs again (restarted: true), paused ones paused" {
	server_start
	start_exec again 21
	first=$ID
	start_exec sleeper 22
	req POST "/v1/programs/$ID/pause"
	req GET "/v1/programs/$first"
	old_ids=$(jq_get "$BODY" "d['programs'][0]['prog_id']")
	server_stop
	[ "$SRV_STATUS" -eq 0 ]
	# SIGTERM detached everything
	assert_ids_gone "$old_ids"
	ls "$STATE/programs"
	server_start
	grep -q "Running (2 programs)" "$SRV_LOG"
	req GET /v1/programs
	echo "$BODY"
	python3 - "$BODY" "$first" <<'PY'
import json, sys
d = {p["id"]: p for p in json.loads(sys.argv[1])["programs"]}
first = int(sys.argv[2])
assert d[first]["restarted"] is True and d[first]["state"] == "running", d
assert d[first]["name"] == "again"
other = [p for i, p in d.items() if i != first][0]
assert other["state"] == "paused" and other["restarted"] is True, other
PY
	exec_true
	wait_ev "$first" "e['pid'] == $p and e['tag'] == 21"
	# stopped programs are forgotten: the next start has none
	req DELETE "/v1/programs/$first"
	server_stop
	server_start
	grep -q "Running (1 program)" "$SRV_LOG"
}

@test "server: events stream as chunked NDJSON until the client leaves" {
	server_start
	start_exec streamed 9
	out=$BATS_TEST_TMPDIR/stream
	curl -sS -N --unix-socket "$SOCK" "http://x/v1/programs/$ID/events/stream" >"$out" &
	cpid=$!
	exec_true
	wait_for "$out" "\"pid\":$p,"
	exec_true
	wait_for "$out" "\"pid\":$p,"
	kill "$cpid"
	wait "$cpid" || true
	python3 -c 'import json,sys; [json.loads(l)["data"]["tag"] for l in open(sys.argv[1]) if l.strip()]' "$out"
	# the server is still fine, and DELETE ends other streams
	curl -sS -N --unix-socket "$SOCK" "http://x/v1/programs/$ID/events/stream" >"$out.2" &
	cpid=$!
	req DELETE "/v1/programs/$ID"
	[ "$CODE" = 200 ]
	wait "$cpid"
}

@test "server: limits: --max-programs (429), --max-body (413), --event-buffer drops the oldest and counts them" {
	server_start --max-programs 1 --event-buffer 2
	start_exec one 1
	pkg=$(e2e_build exec "$E2E_DATA/exec.h")
	start_body "$BATS_TEST_TMPDIR/two" "$pkg"
	req POST /v1/programs "$BATS_TEST_TMPDIR/two"
	echo "$BODY"
	[ "$CODE" = 429 ]
	[[ "$BODY" == *"--max-programs 1"* ]]
	for _ in 1 2 3 4; do
		exec_true
	done
	# (not wait_ev: its own python3 is an exec this program reports, and the ring holds 2)
	for _ in $(seq 1 40); do
		req GET "/v1/programs/$ID"
		n=$(jq_get "$BODY" "d['events']")
		[ "$n" -ge 4 ] && break
		req GET "/v1/programs/$ID/events?after=$n&wait_ms=500"
	done
	[ "$n" -ge 4 ]
	req GET "/v1/programs/$ID/events"
	echo "$BODY"
	python3 - "$BODY" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
assert len(d["events"]) == 2, d
assert d["dropped"] >= 2, d
assert d["events"][1]["cursor"] == d["next"], d
PY
	req GET "/v1/programs/$ID"
	[ "$(jq_get "$BODY" "d['dropped'] >= 2 and d['buffer'] == 2")" = True ]
	server_stop
	server_start --max-body 4096 --no-state
	req POST /v1/programs "$BATS_TEST_TMPDIR/two"
	echo "$BODY"
	[ "$CODE" = 413 ] # the package is over 4 KiB
	[[ "$BODY" == *"over the server's limit of 4096 bytes"* ]]
}

@test "server: compatibility endpoints of the archived eunomia-bpf server (/task, /log, /pause, /resume, /stop)" {
	server_start
	pkg=$(e2e_build exec "$E2E_DATA/exec.h")
	python3 - "$pkg" "$BASHPID" >"$BATS_TEST_TMPDIR/task" <<'PY'
import base64, json, sys
data = base64.b64encode(open(sys.argv[1], "rb").read()).decode().rstrip("=")
print(json.dumps({"program_data_buf": data, "program_type": "json", "program_name": "compat",
                  "extra_args": ["--target_ppid", sys.argv[2], "--tag", "77"], "export_json": True}))
PY
	req POST /task "$BATS_TEST_TMPDIR/task"
	echo "$BODY"
	[ "$CODE" = 200 ]
	id=$(jq_get "$BODY" "d['id']")
	[ "$(jq_get "$BODY" "d['task_list']['tasks']")" = "[{'id': $id, 'name': 'compat', 'status': 'running'}]" ]
	req GET /task
	[ "$BODY" = "{\"tasks\":[{\"id\":$id,\"name\":\"compat\",\"status\":\"running\"}]}" ]
	exec_true
	wait_ev "$id" "e['pid'] == $p and e['tag'] == 77"
	echo "{\"id\": $id, \"log_cursor\": 1, \"maximum_count\": 1}" >"$BATS_TEST_TMPDIR/log"
	req POST /log "$BATS_TEST_TMPDIR/log"
	echo "$BODY"
	python3 - "$BODY" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
assert isinstance(d, list) and len(d) == 1, d
assert d[0]["cursor"] == 1 and d[0]["log"]["log_type"] == "plain", d
assert json.loads(d[0]["log"]["log"])["tag"] == 77, d
assert isinstance(d[0]["log"]["timestamp"], int)
PY
	# reading does not drop: the same log again
	req POST /log "$BATS_TEST_TMPDIR/log"
	[ "$(jq_get "$BODY" "d[0]['cursor']")" = 1 ]
	echo "{\"id\": $id}" >"$BATS_TEST_TMPDIR/id"
	req POST /pause "$BATS_TEST_TMPDIR/id"
	[ "$CODE $BODY" = '200 "paused"' ]
	req POST /resume "$BATS_TEST_TMPDIR/id"
	[ "$CODE $BODY" = '200 "running"' ]
	req POST /stop "$BATS_TEST_TMPDIR/id"
	[ "$CODE $BODY" = '200 {}' ]
	req POST /stop "$BATS_TEST_TMPDIR/id"
	[ "$CODE" = 404 ]
	[ "$(jq_get "$BODY" "d['message']")" = "Invalid handle" ]
	echo '{"program_data_buf": "AAAA", "program_type": "wasm"}' >"$BATS_TEST_TMPDIR/w"
	req POST /task "$BATS_TEST_TMPDIR/w"
	[ "$CODE" = 400 ]
	[[ "$(jq_get "$BODY" "d['message']")" == *"no wasm"* ]]
	# export_json false: bcc-style text lines
	python3 - "$pkg" "$BASHPID" >"$BATS_TEST_TMPDIR/task2" <<'PY'
import base64, json, sys
data = base64.b64encode(open(sys.argv[1], "rb").read()).decode().rstrip("=")
print(json.dumps({"program_data_buf": data, "program_type": "json",
                  "extra_args": ["--target_ppid", sys.argv[2]], "export_json": False}))
PY
	req POST /task "$BATS_TEST_TMPDIR/task2"
	id=$(jq_get "$BODY" "d['id']")
	exec_true
	for _ in $(seq 1 100); do
		echo "{\"id\": $id}" >"$BATS_TEST_TMPDIR/log"
		req POST /log "$BATS_TEST_TMPDIR/log"
		[[ "$BODY" == *" $p "* ]] && break
		req GET "/v1/programs/$id/events?after=0&wait_ms=200"
	done
	echo "$BODY"
	[[ "$BODY" == *'"log":"TIME '* ]]
	[[ "$BODY" == *" $p "*true* ]]
}

@test "client: start, list, status, log, log -f, pause, resume, stop" {
	server_start
	export ECLI_ENDPOINT=$EP
	pkg=$(e2e_build exec "$E2E_DATA/exec.h")
	me=$BASHPID # (not inside the $(...) below: that is a subshell with a pid of its own)
	id=$("$ECLI" client start -n viaclient "$pkg" --target_ppid "$me" --tag 31 2>"$BATS_TEST_TMPDIR/err")
	cat "$BATS_TEST_TMPDIR/err"
	[ "$id" -ge 1 ]
	grep -q "started viaclient as program $id" "$BATS_TEST_TMPDIR/err"
	run "$ECLI" client list
	[[ "${lines[0]}" == "ID     NAME "* ]]
	[[ "${lines[1]}" =~ ^$id\ +viaclient\ +running ]]
	run "$ECLI" client -j list
	[ "$(jq_get "$output" "d['programs'][0]['name']")" = viaclient ]
	"$ECLI" client log -f "$id" >"$BATS_TEST_TMPDIR/follow" &
	fpid=$!
	exec_true
	wait_for "$BATS_TEST_TMPDIR/follow" "\"pid\":$p,"
	kill -INT "$fpid"
	wait "$fpid"
	run "$ECLI" client log "$id"
	[ "$status" -eq 0 ]
	json_match <(printf '%s\n' "$output") "e['pid'] == $p and e['tag'] == 31 and e['comm'] == 'true'"
	run "$ECLI" client status "$id"
	echo "$output"
	[[ "$output" == *"state:     running"* ]]
	[[ "$output" == *"args:      --target_ppid $BASHPID --tag 31"* ]]
	[[ "$output" == *"e2e_exec (id "* ]]
	run "$ECLI" client pause "$id"
	[ "$status" -eq 0 ]
	run "$ECLI" client status "$id"
	[[ "$output" == *"state:     paused"* ]]
	run "$ECLI" client resume "$id"
	[ "$status" -eq 0 ]
	run "$ECLI" client stop "$id"
	[ "$status" -eq 0 ]
	run "$ECLI" client status "$id"
	[ "$status" -eq 1 ]
	[[ "$output" == *"no such program $id (HTTP 404)"* ]]
	# `ecli run` options, parsed by the same table: the server applies them ...
	id=$("$ECLI" client start --name opts --strict --max-entries 100 "$pkg" --tag 1)
	run "$ECLI" client -j status "$id"
	[ "$(jq_get "$output" "d['options']")" = "{'max_entries': 100, 'strict': True}" ]
	# ... those about ecli run's own output are refused, unknown ones too, as ecli run does
	run "$ECLI" client start -j "$pkg"
	[ "$status" -eq 2 ]
	[[ "$output" == *"-j, -r, -d and -v are \`ecli run\` options"* ]]
	run "$ECLI" client start --bogus "$pkg"
	[ "$status" -eq 2 ]
	[ "$output" = "ecli client start: unknown option '--bogus'; see \`ecli client --help\`" ]
	run "$ECLI" client bogus
	[ "$status" -eq 2 ]
	run "$ECLI" client -e unix:"$BATS_TEST_TMPDIR/none.sock" list
	[ "$status" -eq 1 ]
	[[ "$output" == *"is \`ecli server\` running?"* ]]
}

@test "server: TLS with --tls-cert/--tls-key (self-signed), curl and ecli client verify it" {
	need_cmd openssl
	d=$BATS_TEST_TMPDIR
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
		-addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
		-keyout "$d/key.pem" -out "$d/cert.pem" 2>/dev/null
	head -c 24 /dev/urandom | base64 >"$d/token"
	server_start --listen tcp:127.0.0.1:0 --token-file "$d/token" --tls-cert "$d/cert.pem" --tls-key "$d/key.pem"
	grep -q "(TLS)" "$SRV_LOG"
	run curl -sS --cacert "$d/cert.pem" -H "Authorization: Bearer $(head -n1 "$d/token")" "https://localhost:$PORT/v1/health"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *'"status":"ok"'* ]]
	# plain HTTP on the TLS port gets nothing useful
	run curl -sS -m 5 "http://127.0.0.1:$PORT/v1/health"
	[ "$status" -ne 0 ] || [[ "$output" != *'"status":"ok"'* ]]
	run "$ECLI" client -e "https://localhost:$PORT" -t "$d/token" --cacert "$d/cert.pem" list
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == ID* ]]
	# an untrusted certificate is refused by the client
	run "$ECLI" client -e "https://localhost:$PORT" -t "$d/token" list
	[ "$status" -eq 1 ]
	[[ "$output" == *"TLS handshake"* ]]
}

@test "server: --check-args; bad options are usage errors" {
	run "$ECLI" server --check-args --listen unix:/run/eunomia/ecli.sock --no-state
	[ "$status" -eq 0 ]
	[[ "$output" == *"arguments OK"* ]]
	run "$ECLI" server --listen foo:bar --check-args
	[ "$status" -eq 2 ]
	[[ "$output" == *"expected unix:/ABSOLUTE/PATH or tcp:HOST:PORT"* ]]
	run "$ECLI" server --group no-such-group-here --check-args
	[ "$status" -eq 2 ]
	run "$ECLI" server --max-programs 0
	[ "$status" -eq 2 ]
	run "$ECLI" server --tls-cert x.pem --check-args
	[ "$status" -eq 2 ]
	run "$ECLI" help server
	[ "$status" -eq 0 ]
	[[ "$output" == *"Usage: ecli server"* ]]
}

@test "server: a package by URL (fetched by the server, #sha256 pinned); a wrong digest is a 400" {
	pkg=$(e2e_build exec "$E2E_DATA/exec.h")
	www=$BATS_TEST_TMPDIR/www
	mkdir -p "$www"
	cp "$pkg" "$www/exec.json"
	sum=$(sha256sum "$www/exec.json" | cut -d' ' -f1)
	python3 -u -m http.server --bind 127.0.0.1 --directory "$www" 0 >"$BATS_TEST_TMPDIR/www.log" 2>&1 &
	hpid=$!
	wait_for "$BATS_TEST_TMPDIR/www.log" "port [0-9]+" 20
	hport=$(sed -n 's/.* port \([0-9]*\).*/\1/p' "$BATS_TEST_TMPDIR/www.log" | head -n1)
	server_start
	printf '{"url": "http://127.0.0.1:%s/exec.json#sha256=%s", "args": ["--target_ppid", "%s", "--tag", "44"]}\n' \
		"$hport" "$sum" "$BASHPID" >"$BATS_TEST_TMPDIR/u"
	req POST /v1/programs "$BATS_TEST_TMPDIR/u"
	echo "$BODY"
	[ "$CODE" = 201 ]
	id=$(jq_get "$BODY" "d['id']")
	exec_true
	wait_ev "$id" "e['pid'] == $p and e['tag'] == 44"
	req GET "/v1/programs/$id"
	[ "$(jq_get "$BODY" "d['sha256']")" = "$sum" ]
	[[ "$(jq_get "$BODY" "d['url']")" == "http://127.0.0.1:$hport/exec.json#sha256=$sum" ]]
	printf '{"url": "http://127.0.0.1:%s/exec.json#sha256=%064d"}\n' "$hport" 0 >"$BATS_TEST_TMPDIR/u2"
	req POST /v1/programs "$BATS_TEST_TMPDIR/u2"
	kill "$hpid"
	wait "$hpid" || true
	echo "$BODY"
	[ "$CODE" = 400 ]
	[[ "$(jq_get "$BODY" "d['error']")" == "package 'http://127.0.0.1:$hport/exec.json': sha256 mismatch: expected $(printf '%064d' 0), got $sum;"* ]]
}
