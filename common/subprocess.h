/* SPDX-License-Identifier: MIT */
/*
 * Run a program from an argv vector (never through a shell), like git's run-command: fork +
 * execvp, optionally capturing stdout and/or stderr into strbufs. stdin is /dev/null.
 */
#ifndef EUNOMIA_COMMON_SUBPROCESS_H
#define EUNOMIA_COMMON_SUBPROCESS_H

#include <stdbool.h>

#include "common/strbuf.h"

struct subprocess_opts {
	struct strbuf *out; /* NULL: inherit stdout */
	struct strbuf *err; /* NULL: inherit stderr */
	bool out_to_err;    /* with out == NULL: send the child's stdout to our stderr */
	const char *cwd;    /* NULL: current directory */
	int err_fd;	    /* > 0 and err == NULL: the child's stderr is this fd (0: inherit) */
};

/*
 * Runs argv[0] (looked up in PATH) with argv (NULL-terminated) and waits for it.
 * Returns the exit status (0..255) of the child, 128 + signal number if it was killed,
 * -ENOENT / -EACCES / ... if the program could not be executed at all (the errno of execvp,
 * reported back through a close-on-exec pipe), or another -errno if fork/pipe failed.
 */
int subprocess_run(const char *const *argv, const struct subprocess_opts *opts);

/* Formats argv as a shell-quoted line (for -v output) into sb. 0 or -ENOMEM. */
int subprocess_format_argv(const char *const *argv, struct strbuf *sb);

#endif
