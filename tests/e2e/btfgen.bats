#!/usr/bin/env bats
# ecc --btfgen --btfhub-archive DIR: min-BTF files for kernels without BTF, packed in <name>.tar,
# and the loader running that .tar through the archive when the kernel's BTF is absent.
#
# The archive is made from this machine's own /sys/kernel/btf/vmlinux copied into a few fake
# distro slots; one slot matches a fake os-release (EUNOMIA_OS_RELEASE) with `uname -r` and
# `uname -m`. "Kernel BTF absent" is real: ecli runs in a private mount namespace where a
# tmpfs hides /sys/kernel/btf, so the loader must pick the archive file for CO-RE.

load "${EUNOMIA_ROOT:-$BATS_TEST_DIRNAME/../..}/tests/lib/common"

DATA=$EUNOMIA_ROOT/tests/data/btfgen

setup_file() {
	local arch=$BATS_FILE_TMPDIR/btfhub rel m
	rel=$(uname -r)
	m=$(uname -m)
	mkdir -p "$arch/eunomiatest/1.0/$m" "$arch/ubuntu/22.04/$m" "$arch/debian/12/$m"
	[ -r /sys/kernel/btf/vmlinux ] || return 0
	cp /sys/kernel/btf/vmlinux "$arch/eunomiatest/1.0/$m/$rel.btf"
	cp /sys/kernel/btf/vmlinux "$arch/ubuntu/22.04/$m/5.15.0-91-generic.btf"
	# btfhub ships .btf.tar.xz archives holding one <release>.btf
	cp /sys/kernel/btf/vmlinux "$BATS_FILE_TMPDIR/6.1.0-13-amd64.btf"
	tar -C "$BATS_FILE_TMPDIR" -cJf "$arch/debian/12/$m/6.1.0-13-amd64.btf.tar.xz" \
		6.1.0-13-amd64.btf
	rm -f "$BATS_FILE_TMPDIR/6.1.0-13-amd64.btf"
	echo "not BTF" >"$arch/README.md" # ignored: not .btf / .btf.tar.xz
	printf 'ID=eunomiatest\nVERSION_ID="1.0"\nNAME="btfgen test"\n' >"$BATS_FILE_TMPDIR/os-release"
	printf 'ID=nosuchdistro\nVERSION_ID=9\n' >"$BATS_FILE_TMPDIR/os-release-nomatch"

	# One ecc run for the whole file: the tests below inspect and run its output.
	local out=$BATS_FILE_TMPDIR/out
	mkdir -p "$out"
	"$ECC" "$DATA/execsnoop_core.bpf.c" "$DATA/execsnoop_core.h" -o "$out" \
		--btfgen --btfhub-archive "$arch" >"$out/ecc.log" 2>&1 || true
}

need_btf() {
	[ -r /sys/kernel/btf/vmlinux ] || skip "this kernel has no /sys/kernel/btf/vmlinux to build a test archive from"
}

need_tar() {
	[ -s "$BATS_FILE_TMPDIR/out/execsnoop_core.tar" ] || {
		cat "$BATS_FILE_TMPDIR/out/ecc.log" >&2
		echo "ecc --btfgen did not produce execsnoop_core.tar" >&2
		return 1
	}
}

# make_nobtf_ecli [EXE]: NOBTF_ECLI runs EXE (default: ecli) in a mount namespace where
# /sys/kernel/btf is an empty tmpfs (the kernel has no BTF).
make_nobtf_ecli() {
	NOBTF_ECLI=$BATS_TEST_TMPDIR/ecli-nobtf
	cat >"$NOBTF_ECLI" <<EOF
#!/usr/bin/env bash
exec unshare -m -- bash -c 'mount -t tmpfs eunomia-nobtf /sys/kernel/btf && exec "\$0" "\$@"' "${1:-$ECLI}" "\$@"
EOF
	chmod +x "$NOBTF_ECLI"
}

teardown() {
	teardown_ecli
}

@test "btfgen: ecc --btfgen writes <name>.tar with a trimmed BTF per distro slot, then package.json" {
	need_btf
	need_tar
	local tar=$BATS_FILE_TMPDIR/out/execsnoop_core.tar m rel
	m=$(uname -m)
	rel=$(uname -r)
	run tar tf "$tar"
	[ "$status" -eq 0 ]
	echo "$output"
	[ "${#lines[@]}" -eq 4 ]
	# sorted walk: debian, eunomiatest, ubuntu; package.json last
	[ "${lines[0]}" = "btfhub-archive/debian/12/$m/6.1.0-13-amd64.btf" ]
	[ "${lines[1]}" = "btfhub-archive/eunomiatest/1.0/$m/$rel.btf" ]
	[ "${lines[2]}" = "btfhub-archive/ubuntu/22.04/$m/5.15.0-91-generic.btf" ]
	[ "${lines[3]}" = "package.json" ]
	# progress lines on stderr
	grep -q "btfgen: \[3/3\]" "$BATS_FILE_TMPDIR/out/ecc.log"
	grep -q "btfgen: \[1/3\]" "$BATS_FILE_TMPDIR/out/ecc.log"
	# package.json inside is the package ecc wrote
	cmp <(tar -xOf "$tar" package.json) "$BATS_FILE_TMPDIR/out/package.json"
}

@test "btfgen: the trimmed BTF keeps the types the program relocates and is far smaller" {
	need_btf
	need_tar
	need_cmd bpftool
	local x=$BATS_TEST_TMPDIR/x full small
	mkdir -p "$x"
	tar -C "$x" -xf "$BATS_FILE_TMPDIR/out/execsnoop_core.tar"
	full=$(stat -c %s /sys/kernel/btf/vmlinux)
	for f in "$x"/btfhub-archive/*/*/*/*.btf; do
		small=$(stat -c %s "$f")
		echo "$f: $small bytes (vmlinux: $full)"
		[ "$small" -gt 0 ]
		[ "$small" -lt $((full / 20)) ]
		run bpftool btf dump file "$f"
		[ "$status" -eq 0 ]
		# BPF_CORE_READ(task, real_parent, tgid) needs these
		[[ "$output" == *"STRUCT 'task_struct'"* ]]
		[[ "$output" == *"'real_parent'"* ]]
		[[ "$output" == *"'tgid'"* ]]
	done
}

@test "btfgen: ecli runs the .tar through the archive when the kernel has no BTF, events decoded" {
	need_root
	need_tracefs
	need_btf
	need_tar
	need_cmd unshare
	make_nobtf_ecli
	local probe=$BATS_TEST_TMPDIR/h8btfgenprobe
	cp /bin/true "$probe"
	# Sanity: inside the wrapper the kernel BTF really is absent.
	run unshare -m -- bash -c 'mount -t tmpfs x /sys/kernel/btf && test ! -e /sys/kernel/btf/vmlinux'
	[ "$status" -eq 0 ]

	EUNOMIA_OS_RELEASE=$BATS_FILE_TMPDIR/os-release ECLI=$NOBTF_ECLI \
		ecli_start -j -v "$BATS_FILE_TMPDIR/out/execsnoop_core.tar" --target_ppid "$BASHPID"
	for _ in 1 2 3; do "$probe"; done
	wait_for "$OUT" '"comm": ?"h8btfgenprobe"'
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	json_has "$OUT" comm '^h8btfgenprobe$'
	json_has "$OUT" ppid "^$BASHPID\$"
	# the loader said where the BTF came from
	grep -q "eunomiatest/1.0/$(uname -m)/$(uname -r).btf" "$ERR"
	assert_no_prog btfgen_exec
}

@test "btfgen: ecc -s --btfgen embeds the .tar: the standalone tool runs on a kernel without BTF" {
	need_root
	need_tracefs
	need_btf
	need_cmd unshare
	local out=$BATS_TEST_TMPDIR/sa probe=$BATS_TEST_TMPDIR/h8btfgensa
	mkdir -p "$out"
	run "$ECC" "$DATA/execsnoop_core.bpf.c" "$DATA/execsnoop_core.h" -o "$out" -s \
		--btfgen --btfhub-archive "$BATS_FILE_TMPDIR/btfhub"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ -x "$out/execsnoop_core" ]
	# the package embedded is the .tar (ustar magic at offset 257 of the embedded bytes)
	local size off
	size=$(stat -c %s "$out/execsnoop_core")
	off=$(od -An -t u8 -j $((size - 32)) -N 8 "$out/execsnoop_core" | tr -d ' ')
	[ "$(dd if="$out/execsnoop_core" bs=1 skip=$((off + 257)) count=5 2>/dev/null)" = ustar ]
	cp /bin/true "$probe"
	make_nobtf_ecli "$out/execsnoop_core"
	EUNOMIA_OS_RELEASE=$BATS_FILE_TMPDIR/os-release cmd_start "$NOBTF_ECLI" \
		-j -v --target_ppid "$BASHPID"
	for _ in 1 2 3; do "$probe"; done
	wait_for "$OUT" '"comm": ?"h8btfgensa"'
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	json_has "$OUT" ppid "^$BASHPID\$"
	grep -q "eunomiatest/1.0/$(uname -m)/$(uname -r).btf" "$ERR"
	assert_no_prog btfgen_exec
}

@test "btfgen: a release missing from the archive gives a clear 'no BTF' error" {
	need_root
	need_tracefs
	need_btf
	need_tar
	need_cmd unshare
	make_nobtf_ecli
	EUNOMIA_OS_RELEASE=$BATS_FILE_TMPDIR/os-release-nomatch \
		run "$NOBTF_ECLI" run "$BATS_FILE_TMPDIR/out/execsnoop_core.tar"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"no BTF for"* ]]
	[[ "$output" == *"nosuchdistro/9/$(uname -m)/$(uname -r).btf"* ]]
	[[ "$output" == *"BTF_FILE_PATH"* ]]
}

@test "btfgen: with its own kernel BTF the .tar runs without touching the archive" {
	need_root
	need_tracefs
	need_tar
	local probe=$BATS_TEST_TMPDIR/h8btfgenown
	cp /bin/true "$probe"
	# a non-matching os-release must not matter when /sys/kernel/btf/vmlinux exists
	EUNOMIA_OS_RELEASE=$BATS_FILE_TMPDIR/os-release-nomatch \
		ecli_start -j "$BATS_FILE_TMPDIR/out/execsnoop_core.tar" --target_ppid "$BASHPID"
	"$probe"
	wait_for "$OUT" '"comm": ?"h8btfgenown"'
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	json_has "$OUT" comm '^h8btfgenown$'
}

@test "btfgen: --btfgen without --btfhub-archive is a usage error" {
	run "$ECC" "$DATA/execsnoop_core.bpf.c" -o "$BATS_TEST_TMPDIR" --btfgen
	[ "$status" -eq 2 ]
	[[ "$output" == *"--btfhub-archive"* ]]
}

@test "btfgen: an archive directory that does not exist is reported" {
	run "$ECC" "$DATA/execsnoop_core.bpf.c" -o "$BATS_TEST_TMPDIR" --btfgen \
		--btfhub-archive "$BATS_TEST_TMPDIR/nope"
	[ "$status" -eq 1 ]
	[[ "$output" == *"is not a directory"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/execsnoop_core.tar" ]
}

@test "btfgen: an archive without BTF files is reported" {
	mkdir -p "$BATS_TEST_TMPDIR/empty/debian/12"
	run "$ECC" "$DATA/execsnoop_core.bpf.c" -o "$BATS_TEST_TMPDIR" --btfgen \
		--btfhub-archive "$BATS_TEST_TMPDIR/empty"
	[ "$status" -eq 1 ]
	[[ "$output" == *"no .btf or .btf.tar.xz files"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/execsnoop_core.tar" ]
}

@test "btfgen: a corrupt BTF shows bpftool's own error and writes no .tar" {
	need_cmd bpftool
	local arch=$BATS_TEST_TMPDIR/corrupt
	mkdir -p "$arch/debian/12/x86_64"
	echo "this is not BTF" >"$arch/debian/12/x86_64/6.1.0-13-amd64.btf"
	run "$ECC" "$DATA/execsnoop_core.bpf.c" -o "$BATS_TEST_TMPDIR" --btfgen --btfhub-archive "$arch"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"bpftool gen min_core_btf failed for 'debian/12/x86_64/6.1.0-13-amd64.btf'"* ]]
	# bpftool's stderr is shown
	[[ "$output" == *"Error:"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/execsnoop_core.tar" ]
	run find "$BATS_TEST_TMPDIR" -name 'execsnoop_core.tar.tmp.*'
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "btfgen: a damaged .btf.tar.xz is reported with the archive's name" {
	local arch=$BATS_TEST_TMPDIR/badxz
	mkdir -p "$arch/fedora/38/x86_64"
	head -c 300 /dev/urandom >"$arch/fedora/38/x86_64/6.2.9-300.fc38.x86_64.btf.tar.xz"
	run "$ECC" "$DATA/execsnoop_core.bpf.c" -o "$BATS_TEST_TMPDIR" --btfgen --btfhub-archive "$arch"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"fedora/38/x86_64/6.2.9-300.fc38.x86_64.btf.tar.xz"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/execsnoop_core.tar" ]
}

@test "btfgen: CO-RE really uses the archive's BTF (a slot without task_struct fails to load)" {
	need_root
	need_tracefs
	need_btf
	need_tar
	need_cmd unshare
	need_cmd clang
	need_cmd bpftool
	make_nobtf_ecli
	local x=$BATS_TEST_TMPDIR/x m rel
	m=$(uname -m)
	rel=$(uname -r)
	mkdir -p "$x"
	tar -C "$x" -xf "$BATS_FILE_TMPDIR/out/execsnoop_core.tar"
	# min BTF of a program without CO-RE relocations: no types at all
	printf '%s\n' '#include <linux/bpf.h>' '#include <bpf/bpf_helpers.h>' \
		'SEC("tp/sched/sched_process_exec") int nop(void *ctx) { return 0; }' \
		'char LICENSE[] SEC("license") = "GPL";' >"$BATS_TEST_TMPDIR/nop.bpf.c"
	# <asm/types.h> lives in the multiarch dir, which -target bpf does not search
	clang -g -O2 -target bpf -idirafter "/usr/include/$m-linux-gnu" \
		-c "$BATS_TEST_TMPDIR/nop.bpf.c" -o "$BATS_TEST_TMPDIR/nop.o"
	bpftool gen min_core_btf /sys/kernel/btf/vmlinux \
		"$x/btfhub-archive/eunomiatest/1.0/$m/$rel.btf" "$BATS_TEST_TMPDIR/nop.o"
	(cd "$x" && tar cf ../empty.tar btfhub-archive package.json)
	EUNOMIA_OS_RELEASE=$BATS_FILE_TMPDIR/os-release \
		run "$NOBTF_ECLI" run -d 1 "$BATS_TEST_TMPDIR/empty.tar"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"eunomiatest/1.0/$m/$rel.btf"* ]]
	[[ "$output" != *"Running"* ]]
}
