#!/usr/bin/env bats
# Bad inputs never crash ecli and never leave anything loaded: hostile BTF inside a package,
# export types pointing past the record or the BTF, a map declared with absurd sizes, a package
# that claims a 4 GiB object, a zlib bomb, a YAML bomb (aliases), tars with path traversal,
# absolute paths or symlinks in btfhub-archive/. Each one: a clear error, exit 1, no program of
# it loaded. And a read-only or full BTF cache directory never stops a run.
# The variants are made from a valid package by tests/data/e2e/hostile.py.

load ../lib/common
load ../data/e2e/helpers

setup_file() {
	local dir=$BATS_FILE_TMPDIR/hostile
	mkdir -p "$dir"
	"$ECC" "$EUNOMIA_ROOT/tests/data/e2e/hostile.bpf.c" "$EUNOMIA_ROOT/tests/data/e2e/exec.h" \
		-o "$dir/good" >"$dir/ecc.log" 2>&1 || {
		cat "$dir/ecc.log" >&2
		return 1
	}
	python3 "$EUNOMIA_ROOT/tests/data/e2e/hostile.py" "$dir/good/package.json" "$dir" || return 1
	export H=$dir
}

setup() {
	need_root
}

teardown() {
	teardown_ecli
}

# refused CASE PATTERN...: ecli on $H/CASE fails with exit 1 (not a signal, not 2), in 30 s,
# printing every PATTERN; no program of it stays loaded.
refused() {
	local f=$H/$1
	shift
	run timeout 30 "$ECLI" run -d 1 "$f"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" != *"Running"* ]]
	[[ "$output" != *"Sanitizer"* ]]
	local p
	for p in "$@"; do
		[[ "$output" == *"$p"* ]] || {
			echo "missing from the output: $p" >&2
			return 1
		}
	done
	assert_no_prog hostile_prog
}

@test "the unmodified package runs (the variants below differ only in what they break)" {
	run "$ECLI" run -d 0.3 "$H/good/package.json"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Running"* ]]
	assert_no_prog hostile_prog
}

@test "hostile BTF: a header that claims more types and strings than the section holds" {
	refused btf-header-lies.json "cannot open the BPF object"
}

@test "hostile BTF: a type section of 0xff bytes" {
	refused btf-garbage-types.json "cannot open the BPF object"
}

@test "hostile BTF: truncated (the second half zeroed)" {
	refused btf-truncated.json "cannot open the BPF object"
}

@test "export type: a type_id past the end of the BTF" {
	refused export-type-id-past-btf.json "export type does not match the object's BTF"
}

@test "export type: a size of 1 GiB for a small record" {
	refused export-size-huge.json "export type does not match the object's BTF"
}

@test "export type: a member past the end of the record" {
	refused export-member-past-record.json "export type does not match the object's BTF"
}

@test "export type larger than the records the program submits: fields past a record are null" {
	pkg=$(e2e_handbuilt shortrec --export event)
	me=$BASHPID
	ecli_start -j "$pkg" --target_ppid "$me"
	/bin/true
	wait_for "$OUT" '"pid":'
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	cat "$OUT"
	# the 4 bytes of the record decode; nothing is read past them
	json_match "$OUT" "e['pid'] > 0 and e['comm'] is None and e['last'] is None"
	ecli_start "$pkg" --target_ppid "$me"
	/bin/true
	wait_for "$OUT" '\(truncated\)'
	ecli_stop
	[ "$ECLI_STATUS" -eq 0 ]
	assert_no_prog short_prog
}

@test "a map declared with absurd sizes: the map named, exit 1, nothing loaded" {
	pkg=$(e2e_build hugemap)
	run timeout 30 "$ECLI" run -d 1 "$pkg"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"map 'huge_absurd'"* ]]
	assert_no_prog huge_prog
	# the small map created before the absurd one is gone too
	assert_no_line 'name huge_small ' bpftool map show
}

@test "a package that claims a 4 GiB object is refused before anything is allocated" {
	# (the size is checked before inflating: no 4 GiB buffer is ever asked for)
	run timeout 30 "$ECLI" run -d 1 "$H/claims-4gib.json"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"bpf_object_size 4294967296 exceeds the limit"* ]]
	assert_no_prog hostile_prog
}

@test "a zlib bomb (64 MiB of zeros) is refused as not a BPF object" {
	refused zlib-bomb-64mib.json "cannot open the BPF object"
}

@test "a YAML bomb (nine levels of nine aliases) is refused at once" {
	refused yaml-bomb.yaml "aliases (*name) are not supported"
}

@test "tar: a member escaping with ../ is refused; nothing is written" {
	rm -f /tmp/eunomia-hostile-escape
	refused tar-traversal.tar "unsafe or empty path"
	[ ! -e /tmp/eunomia-hostile-escape ]
}

@test "tar: an absolute member path is refused" {
	rm -f /tmp/eunomia-hostile-escape
	refused tar-absolute.tar "unsafe or empty path"
	[ ! -e /tmp/eunomia-hostile-escape ]
}

@test "tar: symlinks in btfhub-archive/ are never followed (ignored); the package runs" {
	run timeout 30 "$ECLI" run -d 0.3 "$H/tar-symlink.tar"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Running"* ]]
	[[ "$output" != *"shadow"* ]]
	assert_no_prog hostile_prog
}

# CACHE_RUN (bash script; $1 the cache directory, $2 the package, $3 a scratch directory): a
# run with EUNOMIA_BTF_CACHE_DIR=$1 must attach (the "Running" line), see the exec of
# /bin/true by this shell (tag 7) and exit 0 on SIGINT. Run inside `unshare -m`.
CACHE_RUN='
	me=$BASHPID # (not inside the & command: that expands in the forked child)
	EUNOMIA_BTF_CACHE_DIR=$1 "$ECLI" run -j "$2" --target_ppid "$me" --tag 7 >"$3/out" 2>"$3/err" &
	p=$!
	for _ in $(seq 1 200); do grep -q Running "$3/err" && break; kill -0 $p || break; sleep 0.1; done
	grep -q Running "$3/err" || { cat "$3/err"; exit 4; }
	/bin/true
	for _ in $(seq 1 100); do grep -q "\"tag\": \?7," "$3/out" && break; sleep 0.1; done
	kill -INT $p
	wait $p
	st=$?
	cat "$3/out" "$3/err"
	exit $st'

@test "a read-only BTF cache directory never stops a run" {
	need_cmd unshare
	local d=$BATS_TEST_TMPDIR/ro
	mkdir -p "$d/mnt"
	# a read-only tmpfs in a private mount namespace (root ignores permission bits)
	run unshare -m --propagation private bash -c \
		'mount -t tmpfs -o ro tmpfs "$(dirname "$1")" || exit 3; '"$CACHE_RUN" \
		_ "$d/mnt/cache" "$H/good/package.json" "$d"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q '"tag": \?7,' <<<"$output"
	assert_no_prog hostile_prog
}

@test "a full BTF cache file system never stops a run, nor leaves a partial entry" {
	need_cmd unshare
	local d=$BATS_TEST_TMPDIR/full
	mkdir -p "$d/mnt"
	run unshare -m --propagation private bash -c '
		mount -t tmpfs -o size=16k tmpfs "$(dirname "$1")" || exit 3
		mkdir "$1"
		dd if=/dev/zero of="$1/../fill" bs=1k count=64 2>/dev/null
		(
			'"$CACHE_RUN"'
		) || exit
		# the entry is stored by a detached process after the load: wait until no
		# bpftool of it runs any more, then look for partial files
		for _ in $(seq 1 50); do pgrep -f "min_core_btf.*$1" >/dev/null || break; sleep 0.1; done
		find "$1" -type f -size 0 | sed "s/^/empty: /"
		find "$1" -name ".*" -type f | sed "s/^/temporary: /"' \
		_ "$d/mnt/cache" "$H/good/package.json" "$d"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q '"tag": \?7,' <<<"$output"
	[[ "$output" != *"empty: "* ]]
	[[ "$output" != *"temporary: "* ]]
	assert_no_prog hostile_prog
}
