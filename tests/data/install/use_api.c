// SPDX-License-Identifier: MIT
/* A program built only against the installed <eunomia/eunomia.h> and eunomia.pc: open a package,
 * open a runner on it, list its tool arguments, print the object name. */
#include <eunomia/eunomia.h>
#include <errno.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	struct eunomia_package *pkg;
	struct eunomia_runner *r;
	size_t i;

	if (argc != 2)
		return 2;
	pkg = eunomia_package__open_file(argv[1], NULL);
	if (!pkg) {
		fprintf(stderr, "open: %s\n", eunomia_strerror(errno));
		return 1;
	}
	r = eunomia_runner__open(pkg, NULL);
	if (!r) {
		fprintf(stderr, "runner: %s\n", eunomia_strerror(errno));
		eunomia_package__free(pkg);
		return 1;
	}
	printf("obj %s version %s\n", eunomia_package__obj_name(pkg), eunomia_version());
	for (i = 0; i < eunomia_runner__arg_count(r); i++)
		printf("arg %s\n", eunomia_runner__arg(r, i)->name);
	eunomia_runner__free(r);
	eunomia_package__free(pkg);
	return 0;
}
