/* SPDX-License-Identifier: MIT */
/* ecc --btfgen, ecc --standalone: distribution helpers called by ecc/main.c. */
#ifndef EUNOMIA_BTFGEN_BTFGEN_H
#define EUNOMIA_BTFGEN_BTFGEN_H

struct btfgen_opts {
	const char *bpf_obj;	  /* the compiled <name>.bpf.o */
	const char *package_path; /* package.json to put in the tar */
	const char *archive_dir;  /* btfhub-style tree */
	const char *out_tar;	  /* <dir>/<name>.tar */
	int jobs;		  /* 0: number of online CPUs */
	int verbose;
};

/* Trim every BTF of the archive to what bpf_obj needs and write out_tar. 0 or -errno. */
int btfgen_pack(const struct btfgen_opts *opts);

#endif
