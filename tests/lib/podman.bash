# Building and running the project's Dockerfile with Debian's podman, for tests/e2e/docker.bats.
# Load after tests/lib/common.
#
# There is no Docker engine and no reachable image registry on the project's machines, so:
#  - the base image (debian:bookworm in the Dockerfile) is made locally with mmdebstrap and
#    imported as localhost/eunomia-test-base:<key>; the key is the ISO week (a fresh base, with
#    that week's Debian updates, once a week) and a hash of the recipe. The root file system
#    tar is cached in $EUNOMIA_TEST_CACHE (default /var/cache/eunomia-test), the image in
#    podman's own store;
#  - podman runs with the runc runtime and the cgroupfs manager (crun refuses this machine's
#    cgroup layout) and no default ulimits (raising RLIMIT_NOFILE is not permitted): all three
#    set in $EUNOMIA_TEST_CACHE/containers.conf, passed as CONTAINERS_CONF;
#  - the image is built as $PODMAN_IMAGE (its build stage as $PODMAN_IMAGE_BUILD), so the
#    layers stay cached between runs; the images a rebuild replaces are removed.

: "${EUNOMIA_TEST_CACHE:=/var/cache/eunomia-test}"
PODMAN_IMAGE=localhost/eunomia-bpf-test:latest
PODMAN_IMAGE_BUILD=localhost/eunomia-bpf-test:build-stage
PODMAN_BASE_REPO=localhost/eunomia-test-base
# on the images the tests build, so that only ours are ever pruned
PODMAN_LABEL=org.eunomia-bpf.test=1
PODMAN_MIRROR=${EUNOMIA_TEST_MIRROR:-http://deb.debian.org/debian}
PODMAN_RECIPE="mmdebstrap --variant=minbase bookworm ROOTFS $PODMAN_MIRROR"
PODMAN_CONF_TEXT='[containers]
default_ulimits = []

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
'

# pm ARGS...: podman with the settings above.
pm() {
	CONTAINERS_CONF=$EUNOMIA_TEST_CACHE/containers.conf "${PODMAN:-podman}" "$@"
}

# podman_usable: 0 when podman can start its engine here; else 1 with the reason on stdout.
# This is the only condition under which the image tests skip.
podman_usable() {
	local out
	if ! command -v "${PODMAN:-podman}" >/dev/null 2>&1; then
		echo "podman is not installed (scripts/setup.sh deps installs podman runc mmdebstrap)"
		return 1
	fi
	if [ "$(id -u)" -ne 0 ]; then
		echo "needs root: the image tests run rootful podman (and load eBPF programs)"
		return 1
	fi
	mkdir -p "$EUNOMIA_TEST_CACHE" || {
		echo "cannot create the cache directory $EUNOMIA_TEST_CACHE"
		return 1
	}
	podman_conf
	if ! out=$(pm info 2>&1 >/dev/null); then
		echo "podman cannot run here (podman info failed): $out" | head -c 2000
		return 1
	fi
}

podman_conf() {
	local f=$EUNOMIA_TEST_CACHE/containers.conf
	[ "$(cat "$f" 2>/dev/null)" = "${PODMAN_CONF_TEXT%$'\n'}" ] && return 0
	printf '%s' "$PODMAN_CONF_TEXT" >"$f.$$" && mv "$f.$$" "$f"
}

# mmdebstrap ARGS... with only fds 0-2 open: it hands apt its pipe's fd number for a
# `cat >&N` that dash runs, and dash accepts only N <= 9 (bats and flock hold 3..9 open).
mmdebstrap_closefds() {
	# shellcheck disable=SC2016 # the inner script expands its own variables
	bash -c 'for f in /proc/$$/fd/*; do
		n=${f##*/}
		[ "$n" -gt 2 ] && eval "exec $n>&-"
	done
	exec mmdebstrap "$@"' mmdebstrap "$@"
}

# podman_base: make (or reuse) the base image; sets PODMAN_BASE to its name.
podman_base() {
	local key tar tmp t0 old
	key=bookworm-$(date -u +%G-w%V)-$(printf '%s' "$PODMAN_RECIPE" | sha256sum | cut -c1-8)
	PODMAN_BASE=$PODMAN_BASE_REPO:$key
	pm image exists "$PODMAN_BASE" && return 0
	tar=$EUNOMIA_TEST_CACHE/$key.tar
	tmp=$EUNOMIA_TEST_CACHE/$key.tmp.tar
	if [ ! -s "$tar" ]; then
		t0=$SECONDS
		# the mirror is explicit: else mmdebstrap reads sources from a stdin that is no tty.
		# One retry: a download from the archive can fail on a busy network.
		local log=$EUNOMIA_TEST_CACHE/mmdebstrap.log try
		for try in 1 2; do
			rm -f "$tmp"
			mmdebstrap_closefds --variant=minbase bookworm "$tmp" "$PODMAN_MIRROR" \
				</dev/null >"$log.$try" 2>&1 && break
			if [ "$try" = 2 ]; then
				grep -v '^\(I: \|Get:\)' "$log.1" | tail -n 20 >&2
				grep -v '^\(I: \|Get:\)' "$log.2" | tail -n 20 >&2
				echo "mmdebstrap failed twice (logs above and in $log.1 and $log.2); it" \
					"needs the Debian archive at $PODMAN_MIRROR (EUNOMIA_TEST_MIRROR names" \
					"another)" >&2
				rm -f "$tmp"
				return 1
			fi
		done
		mv "$tmp" "$tar"
		echo "# base: mmdebstrap made $key.tar in $((SECONDS - t0)) s" >&3
	fi
	pm import "$tar" "$PODMAN_BASE" >/dev/null || return 1
	# Older bases of ours (other weeks or recipes): their tars and images.
	for old in "$EUNOMIA_TEST_CACHE"/bookworm-*.tar; do
		[ "$old" = "$tar" ] || rm -f "$old"
	done
	for old in $(pm images --format '{{.Repository}}:{{.Tag}}' "$PODMAN_BASE_REPO"); do
		[ "$old" = "$PODMAN_BASE" ] || pm rmi "$old" >/dev/null 2>&1 || true
	done
}

# podman_build_image: build the Dockerfile of $EUNOMIA_ROOT into $PODMAN_IMAGE, reusing the
# cached base and layers. Prints timings to fd 3 (bats shows them).
podman_build_image() {
	local t0 ids=() id new log=$EUNOMIA_TEST_CACHE/build.log
	local flags
	t0=$SECONDS
	podman_base || return 1
	flags=(--pull=never --network=host --layers --build-arg "BASE=$PODMAN_BASE"
		--label "$PODMAN_LABEL")
	for id in "$PODMAN_IMAGE" "$PODMAN_IMAGE_BUILD"; do
		ids+=("$(pm image inspect --format '{{.Id}}' "$id" 2>/dev/null)")
	done
	# The build stage gets a name too: untagged, it would be a dangling image.
	if ! pm build "${flags[@]}" --target build -t "$PODMAN_IMAGE_BUILD" "$EUNOMIA_ROOT" \
		>"$log" 2>&1 ||
		! pm build "${flags[@]}" -t "$PODMAN_IMAGE" "$EUNOMIA_ROOT" >>"$log" 2>&1; then
		tail -n 60 "$log" >&2
		echo "podman build failed; the whole log: $log" >&2
		return 1
	fi
	echo "# image: built in $((SECONDS - t0)) s ($(grep -c 'Using cache' "$log") cached steps)" >&3
	for id in "${ids[@]}"; do
		[ -n "$id" ] || continue
		new=$(pm images -q --no-trunc --filter "id=$id" --filter dangling=true)
		[ -z "$new" ] || pm rmi "$id" >/dev/null 2>&1 || true
	done
	# and any other dangling image of ours (an interrupted build's)
	pm image prune -f --filter "label=$PODMAN_LABEL" >/dev/null 2>&1 || true
	return 0
}

# podman_prepare: podman_build_image under a lock (one build at a time on the machine).
podman_prepare() {
	(
		flock -w 1200 9 || {
			echo "waited 20 min for $EUNOMIA_TEST_CACHE/lock" >&2
			exit 1
		}
		podman_build_image
	) 9>"$EUNOMIA_TEST_CACHE/lock"
}
