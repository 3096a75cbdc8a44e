#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Meta-test of examples/bpftools/: every tool directory has its kernel source, a README and an
# end-to-end test, and the top-level README names it (examples/bpftools/common/ holds shared
# headers, not a tool).

load ../lib/common

@test "every example has <tool>.bpf.c, README.md and test.bats, and the README lists it" {
	local d tool n=0 list
	# the README's paragraph that lists the examples (from "Examples (" to the blank line),
	# not the whole README, where option help text names tc, xdp, cgroup, usdt ...
	list=$(awk '/^Examples \(/ { p = 1 } p && /^$/ { exit } p' "$EUNOMIA_ROOT/README.md")
	[ -n "$list" ] || { echo "the README has no 'Examples (...)' paragraph" >&2; false; }
	for d in "$EUNOMIA_ROOT"/examples/bpftools/*/; do
		tool=$(basename "$d")
		[ "$tool" = common ] && continue
		n=$((n + 1))
		[ -f "$d/$tool.bpf.c" ] || { echo "$tool: no $tool.bpf.c" >&2; false; }
		[ -f "$d/README.md" ] || { echo "$tool: no README.md" >&2; false; }
		[ -f "$d/test.bats" ] || { echo "$tool: no test.bats" >&2; false; }
		grep -q '^```' "$d/README.md" || { echo "$tool: README shows no output" >&2; false; }
		grep -qw -- "$tool" <<<"$list" ||
			{ echo "$tool: not in the top-level README's list of examples" >&2; false; }
	done
	[ "$n" -ge 12 ]
}

@test "examples/bpftools/common holds only headers the examples include" {
	local h
	for h in "$EUNOMIA_ROOT"/examples/bpftools/common/*; do
		[[ "$h" == *.h ]] || { echo "not a header: $h" >&2; false; }
		grep -rqF "../common/$(basename "$h")" "$EUNOMIA_ROOT"/examples/bpftools/*/*.bpf.c ||
			{ echo "no example includes $h" >&2; false; }
	done
}
