#!/usr/bin/env bash
# Layers point one way: common <- packer <- loader <- ecli, and common <- packer <- ecc.
# Fails (naming the file and line) when a file under common/ or packer/ includes a header of
# a layer above it, or when the shared-types block of common/error.h and the public header
# loader/include/eunomia/eunomia.h differ. Run by scripts/check.sh and tests/e2e/layers.bats.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
rc=0

# common/ may include common/ only; packer/ common/ and packer/.
if grep -nE '^\s*#\s*include\s+"(loader|ecli|ecc|btfgen|eunomia|packer)/' common/*.[ch]; then
	echo "check-layers: common/ must include only common/ headers (lines above)" >&2
	rc=1
fi
if grep -nE '^\s*#\s*include\s+"(loader|ecli|ecc|btfgen|eunomia)/' packer/*.[ch]; then
	echo "check-layers: packer/ must include only common/ and packer/ headers (lines above)" >&2
	rc=1
fi
if grep -nE '^\s*#\s*include\s+"(loader|ecli)/|eunomia/eunomia\.h' ecc/*.[ch] btfgen/*.[ch]; then
	echo "check-layers: ecc/ and btfgen/ must not include loader or ecli headers" >&2
	rc=1
fi

block() { sed -n '/BEGIN shared types/,/END shared types/p' "$1"; }
if ! diff -u <(block common/error.h) <(block loader/include/eunomia/eunomia.h); then
	echo "check-layers: the shared-types blocks of common/error.h and eunomia.h differ" >&2
	rc=1
fi
if [ -z "$(block common/error.h)" ]; then
	echo "check-layers: common/error.h has no shared-types block" >&2
	rc=1
fi
exit $rc
