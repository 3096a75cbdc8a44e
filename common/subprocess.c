// SPDX-License-Identifier: MIT
#include "common/subprocess.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* The child after fork: set up fds, exec, and on failure report errno on errfd. */
static void __attribute__((noreturn))
child_exec(const char *const *argv, const struct subprocess_opts *opts, int out_fd, int err_fd,
	   int errfd)
{
	int devnull, e;

	devnull = open("/dev/null", O_RDONLY);
	if (devnull >= 0) {
		dup2(devnull, STDIN_FILENO);
		close(devnull);
	}
	if (out_fd >= 0)
		dup2(out_fd, STDOUT_FILENO);
	else if (opts && opts->out_to_err)
		dup2(STDERR_FILENO, STDOUT_FILENO);
	if (err_fd >= 0)
		dup2(err_fd, STDERR_FILENO);
	else if (opts && opts->err_fd > 0 && opts->err_fd != STDERR_FILENO)
		dup2(opts->err_fd, STDERR_FILENO);
	if (opts && opts->cwd && chdir(opts->cwd) < 0)
		goto fail;
	signal(SIGPIPE, SIG_DFL);
	execvp(argv[0], (char *const *)argv);
fail:
	e = errno;
	if (write(errfd, &e, sizeof(e)) < 0) {
		/* nothing more we can do */
	}
	_exit(127);
}

/* Read the child's pipes until both reach EOF. */
static int drain(int *out_rd, struct strbuf *out, int *err_rd, struct strbuf *err)
{
	char buf[8192];
	int ret = 0;

	while (*out_rd >= 0 || *err_rd >= 0) {
		struct pollfd pfd[2];
		int *fds[2];
		struct strbuf *sbs[2];
		int n = 0, i;

		if (*out_rd >= 0) {
			pfd[n] = (struct pollfd){.fd = *out_rd, .events = POLLIN};
			fds[n] = out_rd;
			sbs[n++] = out;
		}
		if (*err_rd >= 0) {
			pfd[n] = (struct pollfd){.fd = *err_rd, .events = POLLIN};
			fds[n] = err_rd;
			sbs[n++] = err;
		}
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (i = 0; i < n; i++) {
			ssize_t r;

			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = read(*fds[i], buf, sizeof(buf));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				close_fd(fds[i]);
				continue;
			}
			if (!ret && sb_add(sbs[i], buf, r) < 0)
				ret = -ENOMEM; /* keep draining so the child can finish */
		}
	}
	return ret;
}

int subprocess_run(const char *const *argv, const struct subprocess_opts *opts)
{
	int out_p[2] = {-1, -1}, err_p[2] = {-1, -1}, exec_p[2] = {-1, -1};
	int status, e = 0, ret;
	pid_t pid;
	ssize_t r;

	if (!argv || !argv[0])
		return -EINVAL;
	if ((opts && opts->out && pipe2(out_p, O_CLOEXEC) < 0) ||
	    (opts && opts->err && pipe2(err_p, O_CLOEXEC) < 0) || pipe2(exec_p, O_CLOEXEC) < 0) {
		ret = -errno;
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		goto out;
	}
	if (pid == 0)
		child_exec(argv, opts, out_p[1], err_p[1], exec_p[1]);

	close_fd(&out_p[1]);
	close_fd(&err_p[1]);
	close_fd(&exec_p[1]);
	ret = drain(&out_p[0], opts ? opts->out : NULL, &err_p[0], opts ? opts->err : NULL);

	/* The exec pipe closes on a successful exec; it carries errno when exec failed. */
	do {
		r = read(exec_p[0], &e, sizeof(e));
	} while (r < 0 && errno == EINTR);

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			ret = ret ? ret : -errno;
			goto out;
		}
	}
	if (r == (ssize_t)sizeof(e) && e > 0) {
		ret = -e;
		goto out;
	}
	if (ret)
		goto out;
	if (WIFEXITED(status))
		ret = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		ret = 128 + WTERMSIG(status);
	else
		ret = 255;
out:
	close_fd(&out_p[0]);
	close_fd(&out_p[1]);
	close_fd(&err_p[0]);
	close_fd(&err_p[1]);
	close_fd(&exec_p[0]);
	close_fd(&exec_p[1]);
	return ret;
}

static bool needs_quote(const char *s)
{
	if (!*s)
		return true;
	for (; *s; s++) {
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
			    "-_=+/.,:@%",
			    *s))
			return true;
	}
	return false;
}

int subprocess_format_argv(const char *const *argv, struct strbuf *sb)
{
	int ret = 0;

	for (size_t i = 0; argv[i] && !ret; i++) {
		const char *s = argv[i];

		if (i)
			ret = sb_addc(sb, ' ');
		if (ret)
			break;
		if (!needs_quote(s)) {
			ret = sb_adds(sb, s);
			continue;
		}
		ret = sb_addc(sb, '\'');
		for (; *s && !ret; s++)
			ret = *s == '\'' ? sb_adds(sb, "'\\''") : sb_addc(sb, *s);
		if (!ret)
			ret = sb_addc(sb, '\'');
	}
	return ret;
}
