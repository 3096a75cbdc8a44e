#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# make install honours PREFIX and DESTDIR, and the installed library, header and pkg-config file
# are enough to build a program against the public API (shared and static).

load ../lib/common

setup() {
	DEST=$BATS_TEST_TMPDIR/dest
	PFX=/opt/eunomia-test
}

@test "make install: binaries, library, header, pkg-config, templates under DESTDIR/PREFIX" {
	run make -C "$EUNOMIA_ROOT" O="$O" install DESTDIR="$DEST" PREFIX="$PFX"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	for f in bin/ecc bin/ecli lib/libeunomia.a lib/libeunomia.so.0 lib/libeunomia.so \
		include/eunomia/eunomia.h lib/pkgconfig/eunomia.pc share/eunomia/templates/starter; do
		[ -e "$DEST$PFX/$f" ] || { echo "missing $PFX/$f" >&2; false; }
	done
	grep -qx "prefix=$PFX" "$DEST$PFX/lib/pkgconfig/eunomia.pc"
	# only the public API is exported from the shared library
	run bash -c "nm -D --defined-only '$DEST$PFX/lib/libeunomia.so.0' | awk '{print \$3}' | grep -v '^eunomia_' | grep -v '^EUNOMIA_'"
	[ -z "$output" ] || { echo "non-API symbols exported: $output" >&2; false; }
}

@test "installed header + pkg-config build a program that opens a package (shared and static)" {
	need_cmd cc
	make -C "$EUNOMIA_ROOT" O="$O" install DESTDIR="$DEST" PREFIX="$PFX" >/dev/null
	# the .pc names $PFX; point it at the staged tree as a packager would
	sed -i "s|^prefix=.*|prefix=$DEST$PFX|" "$DEST$PFX/lib/pkgconfig/eunomia.pc"
	export PKG_CONFIG_PATH=$DEST$PFX/lib/pkgconfig
	ecc_build "$EUNOMIA_ROOT/tests/data/packages/minimal.bpf.c"
	read -r -a flags <<<"$(pkg-config --cflags --libs eunomia)"
	# a sanitizer build's library needs its runtime in the program too (make SAN=... test)
	read -r -a san <<<"${EUNOMIA_SANFLAGS:-}"
	flags+=("${san[@]}")
	cc -Wall -Werror -o "$BATS_TEST_TMPDIR/use_shared" "$EUNOMIA_ROOT/tests/data/install/use_api.c" "${flags[@]}"
	run env LD_LIBRARY_PATH="$DEST$PFX/lib" "$BATS_TEST_TMPDIR/use_shared" "$PKG"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"obj minimal_bpf version "* ]]
	read -r -a sflags <<<"$(pkg-config --static --cflags --libs eunomia)"
	sflags+=("${san[@]}")
	# the archive is named explicitly: drop -leunomia so that nothing can pick the .so
	for i in "${!sflags[@]}"; do
		[ "${sflags[$i]}" = -leunomia ] && unset "sflags[$i]"
	done
	cc -Wall -Werror -o "$BATS_TEST_TMPDIR/use_static" "$EUNOMIA_ROOT/tests/data/install/use_api.c" \
		"$DEST$PFX/lib/libeunomia.a" "${sflags[@]}"
	run readelf -d "$BATS_TEST_TMPDIR/use_static"
	[[ "$output" != *libeunomia* ]] || { echo "$output"; false; }
	run "$BATS_TEST_TMPDIR/use_static" "$PKG"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"obj minimal_bpf version "* ]]
}

@test "installed static and shared library define only eunomia_* global symbols" {
	need_cmd nm
	make -C "$EUNOMIA_ROOT" O="$O" install DESTDIR="$DEST" PREFIX="$PFX" >/dev/null
	lib=$DEST$PFX/lib
	# the check itself must see the API, or an empty listing would pass
	run bash -c "nm -g --defined-only '$lib/libeunomia.a' | awk 'NF == 3 {print \$3}'"
	[ "$status" -eq 0 ]
	[[ "$output" == *eunomia_runner__open* ]] || { echo "$output"; false; }
	[[ "$output" == *eunomia_runner__fill_btf_cache* ]]
	bad=$(grep -v '^eunomia_' <<<"$output" || true)
	[ -z "$bad" ] || { echo "non-API globals in libeunomia.a: $bad" >&2; false; }
	run bash -c "nm -D --defined-only '$lib/libeunomia.so.0' | awk 'NF == 3 {print \$3}'"
	[ "$status" -eq 0 ]
	[[ "$output" == *eunomia_package__open* ]] || { echo "$output"; false; }
	bad=$(grep -v '^eunomia_' <<<"$output" | grep -v '^EUNOMIA_' || true)
	[ -z "$bad" ] || { echo "non-API symbols exported by libeunomia.so: $bad" >&2; false; }
}
