// SPDX-License-Identifier: MIT
/*
 * The host's system include directories for the BPF compile (what clang -v lists), cached per
 * clang binary and environment so that a compile does not pay a clang run to ask.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/strbuf.h"
#include "common/subprocess.h"
#include "ecc/build.h"

/*
 * What clang's search list depends on: the clang binary, the environment variables it reads
 * and the directories whose entries it probes. One line; -errno when clang is not found.
 */
static int sys_includes_stamp(const char *clang, struct strbuf *sb)
{
	static const char *const envs[] = {"CPATH", "C_INCLUDE_PATH", "COMPILER_PATH"};
	static const char *const dirs[] = {"/usr/include", "/usr/local", "/usr/local/include",
					   "/usr/lib/gcc"};
	char found[PATH_MAX], real[PATH_MAX];
	struct stat st;
	int err;

	err = eun_find_program(clang, found, sizeof(found));
	if (err)
		return err;
	if (!realpath(found, real) || stat(real, &st) < 0)
		return -errno;
	err = sb_addf(sb, "clang=%s %llu %lld %lld.%09ld", real, (unsigned long long)st.st_ino,
		      (long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	for (size_t i = 0; i < sizeof(envs) / sizeof(envs[0]) && !err; i++) {
		const char *v = getenv(envs[i]);

		err = sb_addf(sb, " %s=%s", envs[i], v ? v : "-");
	}
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]) && !err; i++) {
		long long m = stat(dirs[i], &st) < 0 ? -1 : (long long)st.st_mtim.tv_sec;

		err = sb_addf(sb, " %s@%lld", dirs[i], m);
	}
	if (!err && strchr(sb_str(sb), '\n'))
		err = -EINVAL;
	return err;
}

/* Read the cached list (stamp line, then one dir per line) when its stamp matches and every
 * dir still exists. 0 with dirs filled, else -ENOENT. */
static int sys_includes_cached(const char *cache, const char *stamp, struct argv_list *dirs)
{
	struct strbuf text = STRBUF_INIT;
	char *line, *save = NULL;
	int err = -ENOENT;

	if (eun_read_file(cache, 0, 1 << 20, &text)) {
		sb_free(&text);
		return -ENOENT;
	}
	line = strtok_r(text.buf ? text.buf : (char *)"", "\n", &save);
	if (!line || strcmp(line, stamp))
		goto out;
	while ((line = strtok_r(NULL, "\n", &save))) {
		struct stat st;

		if (stat(line, &st) < 0 || !S_ISDIR(st.st_mode) || av_add(dirs, line))
			goto out;
	}
	err = dirs->n ? 0 : -ENOENT;
out:
	if (err)
		av_free(dirs);
	sb_free(&text);
	return err;
}

static void sys_includes_save(const char *cache, const char *stamp, const struct argv_list *dirs)
{
	struct strbuf text = STRBUF_INIT;
	int err;

	err = sb_addf(&text, "%s\n", stamp);
	for (size_t i = 0; i < dirs->n && !err; i++)
		err = sb_addf(&text, "%s\n", dirs->v[i]);
	if (!err) /* a cache: when it cannot be written, the next run asks clang again */
		eun_write_file_atomic(cache, text.buf, text.len, 0644);
	sb_free(&text);
}

/*
 * The host's system include dirs, as libbpf-tools' build does: ask clang (host target) for its
 * search list and add each with -idirafter, so <asm/types.h> resolves from
 * /usr/include/<multiarch> while vmlinux.h and libbpf come first. Asking costs a clang run, so
 * the list is kept in cache_dir (when not NULL) and reused while clang, its environment and
 * the directories it probes are unchanged.
 */
int ecc_sys_includes(const char *clang, const char *cache_dir, struct argv_list *out)
{
	const char *const argv[] = {
		clang, "-v", "-E", "-x", "c", "/dev/null", "-o", "/dev/null", NULL,
	};
	struct strbuf err = STRBUF_INIT, stamp = STRBUF_INIT;
	struct subprocess_opts so = {.err = &err};
	struct argv_list dirs = {0};
	char cache[PATH_MAX] = "";
	bool in_list = false;
	char *line, *save = NULL;
	int ret;

	if (cache_dir && !sys_includes_stamp(clang, &stamp) &&
	    snprintf(cache, sizeof(cache), "%s/clang-include-dirs", cache_dir) <
		    (int)sizeof(cache) &&
	    !sys_includes_cached(cache, sb_str(&stamp), &dirs))
		goto add;
	ret = subprocess_run(argv, &so);
	if (ret < 0) {
		ecc_report_exec_error(clang, ret);
		goto out;
	}
	for (line = strtok_r(err.buf ? err.buf : (char *)"", "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strstr(line, "#include <...> search starts here:")) {
			in_list = true;
			continue;
		}
		if (strstr(line, "End of search list."))
			break;
		if (!in_list || line[0] != ' ')
			continue;
		line += strspn(line, " ");
		if (strstr(line, " (framework directory)"))
			continue;
		if ((ret = av_add(&dirs, line)))
			goto out;
	}
	if (dirs.n && cache[0] && stamp.len)
		sys_includes_save(cache, sb_str(&stamp), &dirs);
	if (!dirs.n) {
		/* Fall back to the Debian layout. */
		char multi[PATH_MAX];
		struct utsname u;

		if (uname(&u) < 0)
			snprintf(u.machine, sizeof(u.machine), "x86_64");
		snprintf(multi, sizeof(multi), "/usr/include/%s-linux-gnu", u.machine);
		if ((ret = av_add(&dirs, multi)) || (ret = av_add(&dirs, "/usr/include")))
			goto out;
	}
add:
	ret = 0;
	for (size_t i = 0; i < dirs.n && !ret; i++)
		if ((ret = av_add(out, "-idirafter")) == 0)
			ret = av_add(out, dirs.v[i]);
out:
	av_free(&dirs);
	sb_free(&stamp);
	sb_free(&err);
	return ret;
}
