// SPDX-License-Identifier: MIT
/*
 * `ecc init NAME [DIR]`: copy the starter project (templates/starter/) into DIR (default ./NAME),
 * naming it NAME. The template is itself a working project named "starter": every occurrence of
 * "starter" in file names and contents becomes NAME, and "STARTER" becomes NAME in upper case.
 *
 * The templates are looked up, in order, in $EUNOMIA_TEMPLATES, <ecc dir>/../../templates (a
 * build tree: build/bin/ecc), <ecc dir>/../share/eunomia/templates (make install), and
 * /usr/share/eunomia/templates.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/strbuf.h"
#include "ecc/ecc.h"

#define TEMPLATE_NAME	   "starter"
#define TEMPLATE_NAME_UP   "STARTER"
#define MAX_NAME_LEN	   64
#define MAX_TEMPLATE_FILE  (1u << 20)
#define MAX_TEMPLATE_DEPTH 8

static void init_usage(FILE *f)
{
	fprintf(f,
		"Usage: ecc init NAME [DIR]\n"
		"Create a starter eBPF project NAME in DIR (default: ./NAME):\n"
		"  NAME.bpf.c, NAME.h, README.md and a GitHub workflow that builds it.\n"
		"NAME must be a C identifier (letters, digits, '_'; not starting with a digit).\n"
		"Templates come from $EUNOMIA_TEMPLATES, or the templates/ directory installed\n"
		"with ecc.\n");
}

static bool valid_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > MAX_NAME_LEN || isdigit((unsigned char)name[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '_')
			return false;
	return true;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Returns the malloc'ed templates directory (one that holds starter/), or NULL. */
static char *find_templates(struct strbuf *tried)
{
	const char *env = getenv("EUNOMIA_TEMPLATES");
	const char *rel[] = {"/../../templates", "/../share/eunomia/templates"};
	char self[PATH_MAX], *dir;
	struct strbuf cand = STRBUF_INIT;
	ssize_t n;

	if (env && *env) {
		sb_addf(&cand, "%s/" TEMPLATE_NAME, env);
		if (cand.buf && is_dir(cand.buf)) {
			sb_free(&cand);
			return strdup(env);
		}
		sb_addf(tried, " %s", env);
		sb_free(&cand);
		return NULL; /* an explicit choice that does not work is an error, not a hint */
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		dir = dirname(self);
		for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
			sb_reset(&cand);
			if (sb_addf(&cand, "%s%s/" TEMPLATE_NAME, dir, rel[i]))
				break;
			if (is_dir(cand.buf)) {
				char *res;

				cand.buf[cand.len - strlen("/" TEMPLATE_NAME)] = '\0';
				res = realpath(cand.buf, NULL);
				sb_free(&cand);
				return res;
			}
			sb_addf(tried, " %s%s", dir, rel[i]);
		}
	}
	sb_free(&cand);
	if (is_dir("/usr/share/eunomia/templates/" TEMPLATE_NAME))
		return strdup("/usr/share/eunomia/templates");
	sb_adds(tried, " /usr/share/eunomia/templates");
	return NULL;
}

/* Replace every "starter"/"STARTER" in s with name/NAME. */
static int substitute(const char *s, size_t len, const char *name, const char *upper,
		      struct strbuf *out)
{
	size_t tl = strlen(TEMPLATE_NAME);

	for (size_t i = 0; i < len;) {
		if (len - i >= tl && !memcmp(s + i, TEMPLATE_NAME, tl)) {
			if (sb_adds(out, name))
				return -ENOMEM;
			i += tl;
		} else if (len - i >= tl && !memcmp(s + i, TEMPLATE_NAME_UP, tl)) {
			if (sb_adds(out, upper))
				return -ENOMEM;
			i += tl;
		} else {
			if (sb_addc(out, s[i]))
				return -ENOMEM;
			i++;
		}
	}
	return 0;
}

static int copy_file(const char *src, const char *dst, mode_t mode, const char *name,
		     const char *upper)
{
	struct strbuf in = STRBUF_INIT, out = STRBUF_INIT;
	int fd, err;

	err = eun_read_file(src, 0, MAX_TEMPLATE_FILE, &in);
	if (!err)
		err = substitute(in.buf ? in.buf : "", in.len, name, upper, &out);
	if (!err) {
		/* O_EXCL: never overwrite a user's file. */
		fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 0777);
		if (fd < 0) {
			err = -errno;
		} else {
			if (out.len && write(fd, out.buf, out.len) != (ssize_t)out.len)
				err = -EIO;
			if (close(fd) && !err)
				err = -errno;
		}
	}
	if (err)
		fprintf(stderr, "ecc init: cannot create '%s': %s\n", dst, strerror(-err));
	else
		printf("  %s\n", dst);
	sb_free(&in);
	sb_free(&out);
	return err;
}

static int copy_tree(const char *src, const char *dst, int depth, const char *name,
		     const char *upper)
{
	struct strbuf s = STRBUF_INIT, d = STRBUF_INIT, fname = STRBUF_INIT;
	struct dirent **ents = NULL;
	int n, err = 0;

	if (depth > MAX_TEMPLATE_DEPTH)
		return -ELOOP;
	if (mkdir(dst, 0755) && errno != EEXIST) {
		err = -errno;
		fprintf(stderr, "ecc init: cannot create directory '%s': %s\n", dst,
			strerror(errno));
		return err;
	}
	n = scandir(src, &ents, NULL, alphasort);
	if (n < 0) {
		err = -errno;
		fprintf(stderr, "ecc init: cannot read template directory '%s': %s\n", src,
			strerror(errno));
		return err;
	}
	for (int i = 0; i < n; i++) {
		const char *e = ents[i]->d_name;
		struct stat st;

		if (err || !strcmp(e, ".") || !strcmp(e, ".."))
			continue;
		sb_reset(&s);
		sb_reset(&d);
		sb_reset(&fname);
		if (substitute(e, strlen(e), name, upper, &fname) || sb_addf(&s, "%s/%s", src, e) ||
		    sb_addf(&d, "%s/%s", dst, fname.buf)) {
			err = -ENOMEM;
			continue;
		}
		if (stat(s.buf, &st))
			continue;
		if (S_ISDIR(st.st_mode))
			err = copy_tree(s.buf, d.buf, depth + 1, name, upper);
		else if (S_ISREG(st.st_mode))
			err = copy_file(s.buf, d.buf, st.st_mode, name, upper);
	}
	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	sb_free(&s);
	sb_free(&d);
	sb_free(&fname);
	return err;
}

static bool dir_is_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	bool empty = true;

	if (!d)
		return false;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			empty = false;
			break;
		}
	closedir(d);
	return empty;
}

int ecc_init_project(int argc, char **argv)
{
	struct strbuf tried = STRBUF_INIT, src = STRBUF_INIT;
	char upper[MAX_NAME_LEN + 1];
	const char *name, *dir;
	char *templates;
	int err;

	/* Accept both ("init", NAME, [DIR]) and (NAME, [DIR]). */
	if (argc > 0 && !strcmp(argv[0], "init")) {
		argc--;
		argv++;
	}
	if (argc > 0 && (!strcmp(argv[0], "-h") || !strcmp(argv[0], "--help"))) {
		init_usage(stdout);
		return 0;
	}
	if (argc < 1 || argc > 2) {
		fprintf(stderr, "ecc init: expected NAME and an optional DIR\n");
		init_usage(stderr);
		return -EINVAL;
	}
	name = argv[0];
	dir = argc == 2 ? argv[1] : name;
	if (!valid_name(name)) {
		fprintf(stderr,
			"ecc init: '%s' is not a valid project name: use a C identifier of at most "
			"%d characters (letters, digits, '_'), e.g. 'my_tool'\n",
			name, MAX_NAME_LEN);
		return -EINVAL;
	}
	for (size_t i = 0; i <= strlen(name); i++)
		upper[i] = (char)toupper((unsigned char)name[i]);
	if (access(dir, F_OK) == 0 && (!is_dir(dir) || !dir_is_empty(dir))) {
		fprintf(stderr,
			"ecc init: '%s' already exists and is not an empty directory; choose another "
			"DIR (ecc init %s DIR)\n",
			dir, name);
		return -EEXIST;
	}
	templates = find_templates(&tried);
	if (!templates) {
		fprintf(stderr,
			"ecc init: cannot find the project templates (looked in:%s); set "
			"EUNOMIA_TEMPLATES to the templates/ directory of eunomia-bpf\n",
			tried.buf ? tried.buf : "");
		sb_free(&tried);
		return -ENOENT;
	}
	if (sb_addf(&src, "%s/" TEMPLATE_NAME, templates)) {
		err = -ENOMEM;
		goto out;
	}
	printf("ecc init: creating project '%s' in %s/\n", name, dir);
	err = copy_tree(src.buf, dir, 0, name, upper);
	if (!err)
		printf("Next steps (compile into package.json, then load it and print events):\n"
		       "  cd %s\n"
		       "  ecc %s.bpf.c %s.h\n"
		       "  sudo ecli run package.json\n",
		       dir, name, name);
out:
	fflush(stdout);
	free(templates);
	sb_free(&tried);
	sb_free(&src);
	return err;
}
