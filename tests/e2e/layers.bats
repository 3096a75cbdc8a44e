#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Layering (common <- packer <- loader <- ecli, common <- packer <- ecc): include directions,
# ecc linked without the loader, the public header installable alone, error codes clear of
# libbpf's range.

load ../lib/common

@test "layers: common/ and packer/ include no loader header; shared types agree" {
	run "$EUNOMIA_ROOT/scripts/check-layers.sh"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "layers: check-layers.sh catches a packer file including the public header" {
	tree=$BATS_TEST_TMPDIR/tree
	mkdir -p "$tree/scripts"
	cp -r "$EUNOMIA_ROOT/common" "$EUNOMIA_ROOT/packer" "$EUNOMIA_ROOT/ecc" "$EUNOMIA_ROOT/btfgen" "$tree/"
	mkdir -p "$tree/loader/include/eunomia"
	cp "$EUNOMIA_ROOT/loader/include/eunomia/eunomia.h" "$tree/loader/include/eunomia/"
	cp "$EUNOMIA_ROOT/scripts/check-layers.sh" "$tree/scripts/"
	run "$tree/scripts/check-layers.sh"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	printf '#include "eunomia/eunomia.h"\n' >>"$tree/packer/meta.h"
	run "$tree/scripts/check-layers.sh"
	[ "$status" -eq 1 ]
	[[ "$output" == *"packer/meta.h"*"packer/ must include only"* ]]
	# and a drift between the two copies of the shared types
	cp "$EUNOMIA_ROOT/packer/meta.h" "$tree/packer/meta.h"
	sed -i 's/EUNOMIA_ERR_START = 6000/EUNOMIA_ERR_START = 6100/' "$tree/common/error.h"
	run "$tree/scripts/check-layers.sh"
	[ "$status" -eq 1 ]
	[[ "$output" == *"shared-types blocks"*"differ"* ]]
}

@test "layers: ecc does not link the loader (no eunomia_* symbol, no libeunomia)" {
	[ -x "$ECC" ] || { echo "ecc is not built ($ECC)" >&2; false; }
	need_cmd nm
	run nm "$ECC"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	# the packer is there (the metadata module), the loader's API is not
	[[ "$output" == *" eun_meta__emit"* ]]
	loader_syms=$(grep -E ' [TtDdBbRr] (eunomia_|eun_runner|eun_output)' <<<"$output" || true)
	[ -z "$loader_syms" ] || { echo "ecc holds loader symbols: $loader_syms"; false; }
	run grep -E '^\$\(ECC\):.*LIBSTATIC' "$EUNOMIA_ROOT/Makefile"
	[ "$status" -eq 1 ]
}

@test "layers: the public header compiles alone, and with common/error.h in either order" {
	need_cmd "${CC:-cc}"
	src=$BATS_TEST_TMPDIR/h.c
	printf '#include <eunomia/eunomia.h>\nint main(void) { return EUNOMIA_ERR_PARSE == 6000 ? 0 : 1; }\n' >"$src"
	"${CC:-cc}" -Wall -Werror -I"$EUNOMIA_ROOT/loader/include" "$src" -fsyntax-only
	printf '#include "common/error.h"\n#include <eunomia/eunomia.h>\n' >"$src"
	"${CC:-cc}" -Wall -Werror -I"$EUNOMIA_ROOT" -I"$EUNOMIA_ROOT/loader/include" -fsyntax-only "$src"
	printf '#include <eunomia/eunomia.h>\n#include "common/error.h"\n' >"$src"
	"${CC:-cc}" -Wall -Werror -I"$EUNOMIA_ROOT" -I"$EUNOMIA_ROOT/loader/include" -fsyntax-only "$src"
}

@test "layers: our error codes are clear of libbpf's (4000..) and eunomia_strerror names them" {
	src=$BATS_TEST_TMPDIR/e.c
	cat >"$src" <<'C'
#include <bpf/libbpf.h>
#include <eunomia/eunomia.h>
#include <stdio.h>
#include <string.h>
int main(void)
{
	/* libbpf's codes run from 4000 to __LIBBPF_ERRNO__END; errno values stay below 4096 */
	if ((int)EUNOMIA_ERR_START < (int)__LIBBPF_ERRNO__END || EUNOMIA_ERR_START <= 4095 ||
	    EUNOMIA_ERR_START != 6000)
		return 1;
	printf("%s\n%s\n%s\n", eunomia_strerror(-EUNOMIA_ERR_FIELD),
	       eunomia_strerror(-EUNOMIA_ERR_STATE), eunomia_strerror(-LIBBPF_ERRNO__FORMAT));
	return strstr(eunomia_strerror(EUNOMIA_ERR_END), "Unknown") ? 0 : 2;
}
C
	# a sanitizer build's archive needs the sanitizer runtime linked in too
	local san
	read -r -a san <<<"${EUNOMIA_SANFLAGS:-}"
	"${CC:-cc}" -Wall -Werror "${san[@]}" -I"$EUNOMIA_ROOT/loader/include" "$src" \
		-o "$BATS_TEST_TMPDIR/e" "$EUNOMIA_ROOT/$O/libeunomia.a" \
		$(pkg-config --libs libbpf libelf zlib libcjson yaml-0.1 nettle) -lm -ldl
	run "$BATS_TEST_TMPDIR/e"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "${lines[0]}" = "package field missing or of the wrong type" ]
	[ "${lines[1]}" = "call made in the wrong state" ]
	# libbpf's own codes keep libbpf's wording (they were ours before the move to 6000)
	[ "${lines[2]}" = "BPF object format invalid" ]
}
