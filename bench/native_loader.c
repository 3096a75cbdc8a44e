// SPDX-License-Identifier: MIT
/*
 * Baseline for the start-up and teardown benchmarks: the minimal hand-written libbpf loader.
 * Reads OBJ into memory, bpf_object__open_mem + load + attach every program, says "attached"
 * on stderr, waits for SIGINT/SIGTERM, destroys the links one by one, exits.
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

static void *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*size = (size_t)n;
	}
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	struct bpf_link *links[64];
	struct bpf_program *prog;
	struct bpf_object *obj;
	size_t size = 0, n = 0;
	void *elf;
	int err;

	if (argc != 2) {
		fprintf(stderr, "usage: %s OBJ.bpf.o\n", argv[0]);
		return 2;
	}
	libbpf_set_print(quiet);
	elf = read_file(argv[1], &size);
	if (!elf) {
		fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	obj = bpf_object__open_mem(elf, size, NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "open/load failed\n");
		return 1;
	}
	bpf_object__for_each_program(prog, obj) {
		if (n == sizeof(links) / sizeof(links[0]))
			break;
		links[n] = bpf_program__attach(prog);
		err = libbpf_get_error(links[n]);
		if (err) {
			fprintf(stderr, "attach %s: %s\n", bpf_program__name(prog), strerror(-err));
			return 1;
		}
		n++;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "attached %zu\n", n);
	while (!stop)
		pause();
	while (n > 0)
		bpf_link__destroy(links[--n]);
	bpf_object__close(obj);
	free(elf);
	return 0;
}
