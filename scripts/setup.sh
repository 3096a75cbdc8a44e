#!/usr/bin/env bash
# Idempotent machine set-up for building and testing eunomia-bpf.
#   scripts/setup.sh deps     install the Debian packages the build and tests need
#   scripts/setup.sh mounts   mount bpffs, tracefs, debugfs, securityfs (once; never twice)
#   scripts/setup.sh check    exit 1 naming what is missing (tests/run.sh runs it first)
#   scripts/setup.sh          both
set -euo pipefail

PACKAGES=(
	make gcc clang llvm pkg-config curl openssl
	libbpf-dev bpftool libelf-dev libdw-dev zlib1g-dev libcjson-dev libyaml-dev libclang-dev
	libcurl4-openssl-dev libarchive-dev nettle-dev libmicrohttpd-dev libgnutls28-dev
	libclang-rt-14-dev libcmocka-dev bats perl iproute2 systemtap-sdt-dev python3 python3-yaml xz-utils
	clang-format cppcheck shellcheck valgrind util-linux procps libcap2-bin
	podman runc mmdebstrap
	prometheus python3-prometheus-client
	libsodium-dev minisign docker-registry skopeo apache2-utils
)

deps() {
	local missing=()
	for p in "${PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		return 0
	fi
	echo "setup: installing ${missing[*]}" >&2
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup: need root to apt-get install (run with sudo)" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
	# docker-registry's package enables a system service on :5000; the tests start their own
	if command -v systemctl >/dev/null && systemctl is-enabled docker-registry >/dev/null 2>&1; then
		systemctl disable --now docker-registry >&2 || true
	fi
}

# check: what a test run needs, without installing anything; names what is missing and the
# command that installs it. Exit 1 when something is missing.
check() {
	local missing=() p multi
	if command -v dpkg-query >/dev/null; then
		for p in "${PACKAGES[@]}"; do
			dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
				missing+=("$p")
		done
	fi
	if [ ${#missing[@]} -gt 0 ]; then
		echo "setup: missing packages: ${missing[*]}; install them with: sudo scripts/setup.sh deps" >&2
		return 1
	fi
	# <linux/bpf.h> for -target bpf needs <asm/types.h> from the multiarch directory
	multi=$(gcc -dumpmachine 2>/dev/null)
	if [ ! -f "/usr/include/$multi/asm/types.h" ]; then
		echo "setup: /usr/include/$multi/asm/types.h is missing (linux-libc-dev); run: sudo scripts/setup.sh deps" >&2
		return 1
	fi
}

mnt() {
	mountpoint -q "$3" && return 0
	mkdir -p "$3"
	mount -t "$1" "$2" "$3" || echo "setup: could not mount $1 on $3" >&2
}

mounts() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup: not root; skipping mounts (eBPF tests need root)" >&2
		return 0
	fi
	mnt bpf bpf /sys/fs/bpf
	mnt tracefs tracefs /sys/kernel/tracing
	mnt debugfs debugfs /sys/kernel/debug
	# /sys/kernel/security/lsm tells whether BPF LSM is active
	mnt securityfs securityfs /sys/kernel/security
}

case "${1:-all}" in
deps) deps ;;
mounts) mounts ;;
check) check ;;
all) deps && mounts ;;
*)
	echo "usage: $0 [deps|mounts|check|all]" >&2
	exit 2
	;;
esac
