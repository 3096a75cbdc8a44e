# eunomia-bpf image: compiles every *.bpf.c of a mounted project into packages, and runs
# packages (ecli run) or the package server (ecli server) on the host's kernel.
#
#   docker build -t eunomia-bpf .
#   docker run --rm -v "$PWD":/src eunomia-bpf            # -> package.json beside each source
#   docker run --rm -v "$PWD":/src eunomia-bpf -s         # also standalone executables
#   docker run --rm -v "$PWD":/src eunomia-bpf ecc init hello /src/hello
#   docker run --rm --privileged -v "$PWD":/src eunomia-bpf ecli run /src/package.json
#   docker run --rm --privileged --network=host -v "$PWD":/cfg eunomia-bpf ecli server --listen tcp:127.0.0.1:8080 --token-file /cfg/token
#
# Packages and standalone executables made here also run on the host (Debian 12 libraries).
# ecc generates vmlinux.h from the BTF of the kernel the container runs on
# (/sys/kernel/btf/vmlinux, visible in containers); `--btf FILE` picks another one.
# Loading programs (ecli run, ecli server) needs --privileged.
#
# With podman instead of docker the commands are the same. On a machine without an image
# registry, make the base yourself and pass it (BASE defaults to debian:bookworm):
#   mmdebstrap --variant=minbase bookworm rootfs.tar && podman import rootfs.tar bookworm-local
#   podman build --build-arg BASE=localhost/bookworm-local -t eunomia-bpf .
# tests/e2e/docker.bats builds this file with podman and runs every command above as written
# (tests/lib/podman.bash: the runtime settings some kernels need).

ARG BASE=debian:bookworm
FROM ${BASE} AS build
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
	make gcc clang llvm pkg-config libbpf-dev bpftool libelf-dev libdw-dev zlib1g-dev libcjson-dev \
	libyaml-dev libclang-dev libcurl4-openssl-dev libarchive-dev nettle-dev libmicrohttpd-dev libsodium-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /eunomia
COPY . .
RUN make clean && make -j"$(nproc)" all \
 && make install PREFIX=/usr/local DESTDIR=/stage \
 && install -m 755 scripts/docker-entrypoint.sh /stage/usr/local/bin/docker-entrypoint.sh

# ecc runs clang and needs the libbpf headers at compile time, so the runtime image keeps
# clang and libbpf-dev; the other libraries are runtime packages only.
FROM ${BASE}
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
	clang libbpf-dev bpftool libelf1 libdw1 zlib1g libcjson1 libyaml-0-2 libclang1-14 \
	libcurl4 libarchive13 libnettle8 libmicrohttpd12 libsodium23 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /stage/ /
ENV EUNOMIA_SRC=/src \
    XDG_DATA_HOME=/var/cache
WORKDIR /src
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
