// SPDX-License-Identifier: MIT
#include "common/fileio.h"
#include "common/strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int eun_read_fd(int fd, size_t max, struct strbuf *out)
{
	size_t start = out->len;
	ssize_t n;

	if (!max)
		max = SIZE_MAX;
	for (;;) {
		if (sb_grow(out, 65536))
			return -ENOMEM;
		n = read(fd, out->buf + out->len, out->cap - out->len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return 0;
		out->len += (size_t)n;
		out->buf[out->len] = '\0';
		if (out->len - start > max)
			return -EFBIG;
	}
}

int eun_read_file(const char *path, int extra_flags, size_t max, struct strbuf *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | extra_flags), err;

	if (fd < 0)
		return -errno;
	err = eun_read_fd(fd, max, out);
	close(fd);
	return err;
}

int eun_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int eun_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	char tmp[PATH_MAX];
	int fd, err;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = fchmod(fd, mode) ? -errno : 0;
	if (!err)
		err = eun_write_all(fd, data, len);
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

int eun_find_program(const char *prog, char *out, size_t size)
{
	const char *p = getenv("PATH"), *colon;
	struct stat st;
	int n;

	if (strchr(prog, '/')) {
		if (snprintf(out, size, "%s", prog) >= (int)size)
			return -ENAMETOOLONG;
		return stat(out, &st) ? -errno : 0;
	}
	for (p = p && *p ? p : "/usr/local/bin:/usr/bin:/bin"; *p; p = *colon ? colon + 1 : colon) {
		colon = strchrnul(p, ':');
		if (colon == p) /* an empty entry is the current directory */
			n = snprintf(out, size, "./%s", prog);
		else
			n = snprintf(out, size, "%.*s/%s", (int)(colon - p), p, prog);
		if (n < 0 || n >= (int)size)
			continue;
		if (!access(out, X_OK) && !stat(out, &st) && S_ISREG(st.st_mode))
			return 0;
	}
	return -ENOENT;
}
