#!/usr/bin/env bash
# make check: formatting, static analysis, shell lint. Exits non-zero on any finding.
# scripts/check.sh --format (make format): rewrite the same files clang-format checks.
# (examples/, templates/ and tests/data/ are BPF sources laid out for readers, not checked.)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
rc=0

mapfile -t csrc < <(git ls-files '*.c' '*.h' | grep -v -e '^examples/' -e '^templates/' -e '^tests/data/')
if [ "${1:-}" = --format ]; then
	exec clang-format -i "${csrc[@]}"
fi
echo "check: clang-format (${#csrc[@]} files)"
if ! clang-format --dry-run --Werror "${csrc[@]}" 2>/tmp/eunomia-format.log; then
	head -50 /tmp/eunomia-format.log
	echo "check: run 'make format' to fix formatting" >&2
	rc=1
fi

echo "check: cppcheck"
if ! cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
	--suppress=missingIncludeSystem --suppress=unknownMacro --std=c11 -I. -Iloader/include \
	common packer loader ecli ecc btfgen 2>&1; then
	rc=1
fi

echo "check: layers"
scripts/check-layers.sh || rc=1

echo "check: shellcheck"
mapfile -t shs < <(git ls-files '*.sh' '.ci/run' 'tests/tap-exec')
if [ ${#shs[@]} -gt 0 ] && ! shellcheck -S warning "${shs[@]}"; then
	rc=1
fi
[ $rc -eq 0 ] && echo "check: clean"
exit $rc
