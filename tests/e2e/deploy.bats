#!/usr/bin/env bats
# deploy/: the systemd unit and the Kubernetes DaemonSet for `ecli server`. Their files parse,
# the DaemonSet has what eBPF needs on a node (privileged, host PID, /sys, bpffs, tracefs) and
# its token from a Secret, and the command lines they start are ones `ecli server` accepts
# (`--check-args`: every option checked, the token file read, nothing bound).

load ../lib/common

@test "deploy/kubernetes: DaemonSet is privileged, host PID, mounts /sys, token from its Secret; ecli server accepts its command" {
	[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import yaml' || skip "needs python3-yaml (scripts/setup.sh)"
	tmp=$BATS_TEST_TMPDIR
	/usr/bin/python3 - "$EUNOMIA_ROOT/deploy/kubernetes/ecli-server.yaml" "$tmp" >"$tmp/cmd" <<'PY'
import os, sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
tmp = sys.argv[2]
kinds = {d["kind"]: d for d in docs}
ds, secret = kinds["DaemonSet"], kinds["Secret"]
spec = ds["spec"]["template"]["spec"]
assert ds["spec"]["selector"]["matchLabels"].items() <= ds["spec"]["template"]["metadata"]["labels"].items()
assert spec["hostPID"] is True
(c,) = spec["containers"]
assert c["securityContext"]["privileged"] is True
vols = {v["name"]: v for v in spec["volumes"]}
mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
for path in ("/sys", "/sys/fs/bpf", "/sys/kernel/tracing"):
    assert vols[mounts[path]]["hostPath"]["path"] == path, path
cmd = c["command"] + c.get("args", [])
assert cmd[:2] == ["ecli", "server"], cmd
tok = cmd[cmd.index("--token-file") + 1]
# the token file is a key of the Secret's volume, and that Secret is the one in this file
tdir, key = os.path.split(tok)
sv = vols[mounts[tdir]]["secret"]
assert sv["secretName"] == secret["metadata"]["name"], sv
assert secret["metadata"]["namespace"] == ds["metadata"]["namespace"]
assert key in secret["stringData"], secret
# each node: the socket, and a loopback port only
for i, a in enumerate(cmd):
    if a == "--listen" and cmd[i + 1].startswith("tcp:"):
        assert cmd[i + 1].startswith("tcp:127.0.0.1:"), cmd[i + 1]
        assert spec["hostNetwork"] is True
# the Secret's content where the pod would see it (under tmp), for --check-args
os.makedirs(tmp + tdir, exist_ok=True)
with open(tmp + tok, "w") as f:
    f.write(secret["stringData"][key] + "\n")
os.chmod(tmp + tok, 0o400)
cmd[cmd.index("--token-file") + 1] = tmp + tok
print("\n".join(cmd[1:]))
PY
	mapfile -t args <"$tmp/cmd"
	run "$ECLI" "${args[@]}" --check-args
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"arguments OK (2 listeners, state /var/lib/eunomia)"* ]]
	# and the check is real: the same line without the token file is refused (TCP needs one)
	notok=()
	for ((i = 0; i < ${#args[@]}; i++)); do
		if [ "${args[i]}" = --token-file ]; then
			i=$((i + 1))
			continue
		fi
		notok+=("${args[i]}")
	done
	run "$ECLI" "${notok[@]}" --check-args
	[ "$status" -eq 2 ]
	[[ "$output" == *"TCP needs --token-file"* ]]
}

@test "deploy/ecli-server.service: ExecStart is a command line ecli server accepts" {
	unit=$EUNOMIA_ROOT/deploy/ecli-server.service
	grep -q '^\[Service\]' "$unit"
	grep -q '^WantedBy=multi-user.target' "$unit"
	line=$(sed -n 's/^ExecStart=//p' "$unit")
	[ -n "$line" ]
	read -ra words <<<"$line"
	[ "${words[0]}" = /usr/local/bin/ecli ] # what `make install` installs
	run "$ECLI" "${words[@]:1}" --check-args
	echo "$output"
	[ "$status" -eq 0 ]
	if command -v systemd-analyze >/dev/null 2>&1; then
		# unknown keys or sections would be reported (a missing binary is not our business)
		run systemd-analyze verify "$unit"
		echo "$output"
		[[ ! "$output" =~ Unknown\ (key|section) ]]
	fi
}
