// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: tool arguments. The input is split at NUL/newline bytes into an argv and
 * parsed against a real runner (the package named by $EUNOMIA_FUZZ_PACKAGE, opened once), then
 * --help is rendered. Typed parsing and range checks must never crash or write out of bounds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eunomia/eunomia.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct eunomia_package *pkg;
static struct eunomia_runner *runner;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *path = getenv("EUNOMIA_FUZZ_PACKAGE");

	if (!path) {
		fprintf(stderr, "fuzz_args: set EUNOMIA_FUZZ_PACKAGE to a package.json\n");
		exit(1);
	}
	pkg = eunomia_package__open(path, NULL);
	runner = pkg ? eunomia_runner__open(pkg, NULL) : NULL;
	if (!runner) {
		fprintf(stderr, "fuzz_args: cannot open %s\n", path);
		exit(1);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *argv[65], *p, *end;
	int argc = 1;
	FILE *null;

	if (size > 4096)
		return 0;
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[0] = "tool";
	for (p = buf, end = buf + size; p <= end && argc < 64;) {
		size_t n = strcspn(p, "\n");

		argv[argc++] = p;
		p[n] = '\0';
		p += n + 1;
		if (p > end)
			break;
	}
	argv[argc] = NULL;
	eunomia_runner__parse_args(runner, argc, argv);
	null = fopen("/dev/null", "w");
	if (null) {
		eunomia_runner__help(runner, null, "tool");
		fclose(null);
	}
	free(buf);
	return 0;
}
