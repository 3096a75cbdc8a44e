/* SPDX-License-Identifier: MIT */
/* Whole-file reads, atomic writes and PATH lookup, shared by ecc, packer and loader. */
#ifndef EUNOMIA_COMMON_FILEIO_H
#define EUNOMIA_COMMON_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

struct strbuf;

/*
 * Append everything fd yields (to end of file) to out. max: the most bytes to accept, 0 for no
 * limit; more is -EFBIG. Retries on EINTR. 0, -EFBIG, -ENOMEM or -errno of read(2); out keeps
 * what was read before a failure (the caller frees it either way).
 */
int eun_read_fd(int fd, size_t max, struct strbuf *out);

/* eun_read_fd() on the file at path, opened O_RDONLY | O_CLOEXEC | extra_flags (such as
 * O_NOFOLLOW). -errno of open(2) when it cannot be opened. */
int eun_read_file(const char *path, int extra_flags, size_t max, struct strbuf *out);

/* write(2) all of data[0..len) to fd, retrying on EINTR and short writes. 0 or -errno. */
int eun_write_all(int fd, const void *data, size_t len);

/*
 * Replace path with data[0..len) atomically: written to a temporary "<path>.tmp.XXXXXX" in the
 * same directory with mode, then renamed over path, so a reader sees the old file or the new
 * one, never a part. The temporary is removed on failure. 0 or -errno.
 */
int eun_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode);

/*
 * The file execvp(3) would run for prog: prog itself when it holds a '/', else the first
 * executable regular file <dir>/prog for dir in $PATH (an empty entry is the current directory;
 * unset or empty PATH: /usr/local/bin:/usr/bin:/bin). Its path into out[size]. 0, -ENOENT or
 * -ENAMETOOLONG.
 */
int eun_find_program(const char *prog, char *out, size_t size);

#endif
