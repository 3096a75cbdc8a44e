/* SPDX-License-Identifier: MIT */
/* ecli: bpftool-style command table; one file per command. Uses only <eunomia/eunomia.h>. */
#ifndef EUNOMIA_ECLI_ECLI_H
#define EUNOMIA_ECLI_ECLI_H

#include <eunomia/eunomia.h>

#include "ecli/options.h"

/* Exit codes. */
#define ECLI_EXIT_OK	0
#define ECLI_EXIT_FAIL	1
#define ECLI_EXIT_USAGE 2

/* main.c: set by the global -v/--verbose flag (ecli -v run ...). */
extern int ecli_verbose;

/* run.c: `ecli run [ecli-flags] <package> [tool-flags]`; returns an exit code. */
int do_run(int argc, char **argv);

/* Who is running a package, for messages. */
struct ecli_run_ctx {
	const char *who;      /* prefix of every message: "ecli", or a standalone tool's name */
	const char *help_cmd; /* the command hints name: "ecli run PKG" or "./tool" */
	const char *package;  /* PKG as given to ecli run (NULL: standalone) */
	bool standalone;      /* a standalone tool (ecc -s): its --help lists the ecli options */
};

/* run.c: print callback for the library; ctx is a struct ecli_log. */
struct ecli_log {
	const char *who;
	bool verbose;
	unsigned int warnings; /* EUNOMIA_WARN messages so far */
	FILE *held;	       /* while non-NULL, messages go here (ecli_log_hold) */
	char *held_buf;
	size_t held_len;
};
void ecli_print(void *ctx, enum eunomia_print_level level, const char *fmt, va_list ap);

/* run.c: run an opened package with the tool flags argv (argv[0] is the tool name shown in
 * its --help) and the ecli options cfg. Returns an exit code. Takes ownership of pkg. */
int ecli_run_package(struct eunomia_package *pkg, const struct run_config *cfg,
		     const struct ecli_run_ctx *ctx, int argc, char **argv);

/* run.c: the flag of the package's tool that ARG is: 0 none, 1 a switch (or -h, --help,
 * --version), 2 a flag whose value is the next argument. Mirrors the library's parser:
 * '-' and '_' interchangeable in long names, --no-NAME for switches, -xyz clusters. */
int ecli_tool_flag(const struct eunomia_runner *r, const char *arg);

/* metrics_http.c: GET /metrics for a runner on HOST:PORT, on libmicrohttpd's own thread.
 * NULL after saying why on stderr. Stop it before the runner is freed. */
struct ecli_metrics;
struct ecli_metrics *ecli_metrics_start(const char *who, const char *addr,
					struct eunomia_runner *r);
void ecli_metrics_stop(struct ecli_metrics *m);

/* server.c: `ecli server` (HTTP API, many packages in one process). */
int do_server(int argc, char **argv);

/* client.c: `ecli client` (talks to `ecli server`). */
int do_client(int argc, char **argv);

/* sign.c: `ecli keygen`, `ecli sign`. */
int do_keygen(int argc, char **argv);
int do_sign(int argc, char **argv);
/* sign.c: whether cfg asks for a verified signature. */
bool ecli_wants_signature(const struct run_config *cfg);
/* sign.c: verify data[len] (shown as name) against the keys cfg names, with sig[siglen]
 * (NULL: unsigned; sig_where says where it was looked for). 0, or -1 after a message that
 * names the key ID and the package's SHA-256. */
int ecli_verify_bytes(const struct run_config *cfg, const char *who, const char *name,
		      const void *data, size_t len, const char *sig, size_t siglen,
		      const char *sig_where);
/* sign.c: the server's policy: data verified against the *.pub keys of trusted_dir (NULL: the
 * default) with the .minisig text sig (NULL: none). 0 (msg: the key) or -1 (msg: why). */
int ecli_verify_policy(const char *trusted_dir, const char *name, const void *data, size_t len,
		       const char *sig, char *msg, size_t msgsz);
/* sign.c: read loc (file or "-"), verify it as above, then open it from memory. NULL after a
 * message. */
struct eunomia_package *ecli_open_verified(const char *loc, const struct run_config *cfg,
					   const struct eunomia_package_opts *po, const char *who);
/* sign.c: sign data with the secret key file key_path; the .minisig text into sig_path (may
 * be NULL) and *sig_text (malloc'ed; may be NULL). 0 or -1 after a message. */
int ecli_sign_bytes(const char *key_path, const void *data, size_t len, const char *name,
		    const char *sig_path, char **sig_text);

/* oci.c: `ecli push`, `ecli pull`; `ecli run REF` opens through ecli_oci_open (pulls into the
 * cache, verifies when cfg asks, then opens from memory). NULL after a message. */
int do_push(int argc, char **argv);
int do_pull(int argc, char **argv);
struct eunomia_package *ecli_oci_open(const char *loc, const struct run_config *cfg,
				      const struct eunomia_package_opts *po, const char *who);

/* standalone.c: if this executable carries an embedded package (ecc -s), run it with the
 * process's arguments and return an exit code; return -1 when there is none. */
int ecli_standalone_main(int argc, char **argv);

#endif
