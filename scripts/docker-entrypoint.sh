#!/usr/bin/env bash
# Entry point of the eunomia-bpf image (Dockerfile) and of the GitHub action
# (templates/action/action.yml): compile every *.bpf.c of a project into eunomia packages.
#
#   docker run --rm -v "$PWD":/src IMAGE                 # compile everything under /src
#   docker run --rm -v "$PWD":/src IMAGE -y -s           # extra ecc flags for every source
#   docker run --rm -v "$PWD":/src IMAGE ecc init hello /src/hello
#   docker run --rm -it IMAGE bash                       # any other command runs as given
#
# For each SRC = <dir>/<name>.bpf.c (hidden directories skipped), the header <dir>/<name>.h is
# passed too when it exists. Outputs go beside the source; when a directory holds several
# .bpf.c files each one goes to <dir>/<name>/ so their package.json files do not collide.
#
# Environment:
#   EUNOMIA_SRC   project directory (default /src)
#   ECC           the ecc binary (default: ecc in PATH)
#   EUNOMIA_DIST  if set, also copy every result into this directory under unique names:
#                 <name>.json / <name>.yaml (package), <name>.skel.json, <name>.tar (--btfgen),
#                 <name> (--standalone) — ready to upload as artifacts or release assets
# Exit status: 0 when every source compiled, 1 when one failed or none was found, 2 usage.
set -uo pipefail

if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
	# A command (ecc, ecli, bash, ...): run it as given.
	exec "$@"
fi

src=${EUNOMIA_SRC:-/src}
ecc=${ECC:-ecc}
dist=${EUNOMIA_DIST:-}

if [ ! -d "$src" ]; then
	echo "eunomia: source directory '$src' does not exist; mount your project:" \
		"docker run -v \"\$PWD\":/src IMAGE (or set EUNOMIA_SRC)" >&2
	exit 2
fi
if ! command -v "$ecc" >/dev/null 2>&1; then
	echo "eunomia: ecc not found ('$ecc'); set ECC=/path/to/ecc" >&2
	exit 2
fi

mapfile -t sources < <(find "$src" -name '.*' -prune -o -type f -name '*.bpf.c' -print | sort)
if [ ${#sources[@]} -eq 0 ]; then
	echo "eunomia: no *.bpf.c files under $src; mount your project with" \
		"docker run -v \"\$PWD\":/src IMAGE" >&2
	exit 1
fi
if [ -n "$dist" ] && ! mkdir -p "$dist"; then
	echo "eunomia: cannot create EUNOMIA_DIST directory '$dist'" >&2
	exit 1
fi

# Give results back to the owner of the mounted directory (the container runs as root).
owner=$(stat -c '%u:%g' "$src")

built=0
failed=0
for s in "${sources[@]}"; do
	dir=$(dirname "$s")
	base=$(basename "$s")
	name=${base%%.*}
	args=("$s")
	[ -f "$dir/$name.h" ] && args+=("$dir/$name.h")
	out=$dir
	nsrc=$(find "$dir" -maxdepth 1 -type f -name '*.bpf.c' | wc -l)
	[ "$nsrc" -gt 1 ] && out=$dir/$name
	mkdir -p "$out"
	echo "eunomia: $ecc ${args[*]} -o $out $*" >&2
	if ! "$ecc" "${args[@]}" -o "$out" "$@"; then
		echo "eunomia: FAILED: $s" >&2
		failed=$((failed + 1))
		continue
	fi
	built=$((built + 1))
	if [ "$(id -u)" -eq 0 ]; then
		chown "$owner" "$out/$name".* "$out"/package.* "$out/$name" 2>/dev/null
		[ "$out" != "$dir" ] && chown "$owner" "$out" 2>/dev/null
	fi
	if [ -n "$dist" ]; then
		for f in package.json package.yaml; do
			[ -f "$out/$f" ] && cp "$out/$f" "$dist/$name.${f#package.}"
		done
		for f in "$name.skel.json" "$name.skel.yaml" "$name.tar"; do
			[ -f "$out/$f" ] && cp "$out/$f" "$dist/$f"
		done
		[ -f "$out/$name" ] && [ -x "$out/$name" ] && cp "$out/$name" "$dist/$name"
	fi
done

echo "eunomia: built $built package(s), $failed failed" >&2
[ "$failed" -eq 0 ]
