// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: any bytes through eunomia_package__open_mem (JSON, YAML, tar detection,
 * base64, zlib, size checks, metadata). Hostile input must never crash or leak.
 */
#include <stddef.h>
#include <stdint.h>

#include "eunomia/eunomia.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a small cap keeps inflate bombs cheap */
	EUNOMIA_OPTS(package, o, .max_size = 4u << 20);
	struct eunomia_package *pkg;

	pkg = eunomia_package__open_mem(data, size, "fuzz", &o);
	if (pkg) {
		size_t n;

		(void)eunomia_package__elf(pkg, &n);
		(void)eunomia_package__name(pkg);
		(void)eunomia_package__has_btf_archive(pkg);
	}
	eunomia_package__free(pkg);
	return 0;
}
