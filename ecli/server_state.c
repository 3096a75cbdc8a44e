// SPDX-License-Identifier: MIT
/*
 * `ecli server` program specs as JSON: the /v1/programs request body, and the same shape in
 * --state-dir/programs/<id>.json, which keeps what runs (package bytes, tool flags, options,
 * paused) so that a restarted server starts it again, marked "restarted": true.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ecli/server.h"

static char *dup_str(cJSON *o, const char *key, const char *what, bool *bad, char **err)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	char *s;

	if (!v || cJSON_IsNull(v))
		return NULL;
	if (!cJSON_IsString(v)) {
		if (!*bad && asprintf(err, "%s: expected a string", what) < 0)
			*err = NULL;
		*bad = true;
		return NULL;
	}
	s = strdup(v->valuestring);
	if (!s)
		*bad = true;
	return s;
}

static int get_int(cJSON *o, const char *key, const char *what, int min, int max, int *out,
		   char **err)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	char *end;
	long x;

	if (!v || cJSON_IsNull(v))
		return 0;
	if (cJSON_IsNumber(v) && v->valuedouble >= min && v->valuedouble <= max &&
	    v->valuedouble == (double)(int)v->valuedouble) {
		*out = (int)v->valuedouble;
		return 0;
	}
	if (cJSON_IsString(v)) {
		errno = 0;
		x = strtol(v->valuestring, &end, 0);
		if (!errno && end != v->valuestring && !*end && x >= min && x <= max) {
			*out = (int)x;
			return 0;
		}
	}
	if (asprintf(err, "%s: expected an integer in [%d, %d]", what, min, max) < 0)
		*err = NULL;
	return -1;
}

/* argv for parse_args: the tool name, then the strings of `args`. */
static int spec_args(cJSON *args, const char *what, struct prog_spec *spec, char **err)
{
	cJSON *a;
	int n = cJSON_IsArray(args) ? cJSON_GetArraySize(args) : 0;

	if (args && !cJSON_IsNull(args) && !cJSON_IsArray(args)) {
		if (asprintf(err, "%s: expected an array of strings", what) < 0)
			*err = NULL;
		return -1;
	}
	spec->argv = calloc((size_t)n + 2, sizeof(*spec->argv));
	if (!spec->argv)
		return -1;
	spec->argv[0] = strdup(spec->name ? spec->name : "tool");
	spec->argc = 1;
	if (!spec->argv[0])
		return -1;
	cJSON_ArrayForEach(a, args) {
		if (!cJSON_IsString(a)) {
			if (asprintf(err, "%s: expected an array of strings", what) < 0)
				*err = NULL;
			return -1;
		}
		if (!(spec->argv[spec->argc] = strdup(a->valuestring)))
			return -1;
		spec->argc++;
	}
	return 0;
}

static const char *const known_opts[] = {
	"ifname", "ifindex",	 "uprobe_binary", "uprobe_func", "pid",
	"cgroup", "freq",	 "only",	  "disable",	 "btf",
	"strict", "max_entries", "no_btf_cache",  "sha256",
};

static int get_bool(cJSON *o, const char *key, bool *out, char **err)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsBool(v)) {
		if (asprintf(err, "options.%s: expected true or false", key) < 0)
			*err = NULL;
		return -1;
	}
	*out = cJSON_IsTrue(v);
	return 0;
}

int srv_spec_from_v1(cJSON *body, struct prog_spec *spec, char **err)
{
	cJSON *pkg = cJSON_GetObjectItemCaseSensitive(body, "package");
	cJSON *b64 = cJSON_GetObjectItemCaseSensitive(body, "package_base64");
	cJSON *opts = cJSON_GetObjectItemCaseSensitive(body, "options"), *o;
	bool bad = false;
	size_t i;

	*err = NULL;
	memset(spec, 0, sizeof(*spec));
	spec->name = dup_str(body, "name", "name", &bad, err);
	spec->url = dup_str(body, "url", "url", &bad, err);
	spec->signature = dup_str(body, "signature", "signature", &bad, err);
	if (bad)
		goto fail;
	if (spec->signature && !cJSON_IsString(pkg) && !b64) {
		*err = strdup("signature: send the signed bytes themselves, as \"package\" text or "
			      "\"package_base64\" (a JSON object or a URL is not what was signed)");
		goto fail;
	}
	if (!!spec->url + !!pkg + !!b64 != 1) {
		*err = strdup("give exactly one of \"package\" (the package document), "
			      "\"package_base64\" or \"url\"");
		goto fail;
	}
	if (cJSON_IsObject(pkg)) {
		spec->pkg_data = cJSON_PrintUnformatted(pkg);
		if (!spec->pkg_data)
			goto fail;
		spec->pkg_size = strlen(spec->pkg_data);
	} else if (cJSON_IsString(pkg)) {
		spec->pkg_size = strlen(pkg->valuestring);
		spec->pkg_data = strdup(pkg->valuestring);
		if (!spec->pkg_data)
			goto fail;
	} else if (pkg) {
		*err = strdup("package: expected the package document (a JSON object, or a string "
			      "holding JSON or YAML)");
		goto fail;
	} else if (b64) {
		if (!cJSON_IsString(b64) ||
		    !(spec->pkg_data = srv_b64_decode(b64->valuestring, &spec->pkg_size))) {
			*err = strdup("package_base64: expected base64 text");
			goto fail;
		}
	}
	if (spec_args(cJSON_GetObjectItemCaseSensitive(body, "args"), "args", spec, err))
		goto fail;
	o = cJSON_GetObjectItemCaseSensitive(body, "paused");
	spec->paused = cJSON_IsTrue(o);
	o = cJSON_GetObjectItemCaseSensitive(body, "format");
	spec->plain = cJSON_IsString(o) && !strcmp(o->valuestring, "plain");
	if (opts && !cJSON_IsNull(opts)) {
		if (!cJSON_IsObject(opts)) {
			*err = strdup("options: expected an object");
			goto fail;
		}
		cJSON_ArrayForEach(o, opts) {
			for (i = 0; i < sizeof(known_opts) / sizeof(known_opts[0]); i++)
				if (!strcmp(o->string, known_opts[i]))
					break;
			if (i == sizeof(known_opts) / sizeof(known_opts[0])) {
				if (asprintf(
					    err,
					    "options: unknown option '%s' (known: ifname, ifindex, "
					    "uprobe_binary, uprobe_func, pid, cgroup, freq, only, "
					    "disable, btf, strict, max_entries, no_btf_cache, sha256)",
					    o->string) < 0)
					*err = NULL;
				goto fail;
			}
		}
		spec->ifname = dup_str(opts, "ifname", "options.ifname", &bad, err);
		spec->uprobe_binary =
			dup_str(opts, "uprobe_binary", "options.uprobe_binary", &bad, err);
		spec->uprobe_func = dup_str(opts, "uprobe_func", "options.uprobe_func", &bad, err);
		spec->cgroup = dup_str(opts, "cgroup", "options.cgroup", &bad, err);
		spec->only = dup_str(opts, "only", "options.only", &bad, err);
		spec->disable = dup_str(opts, "disable", "options.disable", &bad, err);
		spec->btf = dup_str(opts, "btf", "options.btf", &bad, err);
		spec->sha256 = dup_str(opts, "sha256", "options.sha256", &bad, err);
		if (bad)
			goto fail;
		if (get_int(opts, "pid", "options.pid", 1, 0x7fffffff, &spec->pid, err) ||
		    get_int(opts, "freq", "options.freq", 1, 1000000, &spec->freq, err) ||
		    get_int(opts, "ifindex", "options.ifindex", 1, 0x7fffffff, &spec->ifindex,
			    err) ||
		    get_int(opts, "max_entries", "options.max_entries", 1, 0x7fffffff,
			    &spec->max_entries, err) ||
		    get_bool(opts, "strict", &spec->strict, err) ||
		    get_bool(opts, "no_btf_cache", &spec->no_btf_cache, err))
			goto fail;
	}
	return 0;
fail:
	prog_spec_free(spec);
	if (!*err)
		*err = strdup("out of memory");
	return -1;
}

/* ---- the state directory ---- */

static int state_path(struct srv *s, char *buf, size_t size, uint64_t id, const char *suffix)
{
	int n = snprintf(buf, size, "%s/programs/%llu.json%s", s->cfg->state_dir,
			 (unsigned long long)id, suffix);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int srv_state_init(struct srv *s, char *err, size_t errsz)
{
	char path[4096];

	if (!s->cfg->state_dir)
		return 0;
	snprintf(path, sizeof(path), "%s/programs", s->cfg->state_dir);
	if ((mkdir(s->cfg->state_dir, 0700) && errno != EEXIST) ||
	    (mkdir(path, 0700) && errno != EEXIST)) {
		snprintf(err, errsz, "cannot create the state directory '%s': %s", path,
			 strerror(errno));
		return -1;
	}
	if (access(path, W_OK)) {
		snprintf(err, errsz, "the state directory '%s' is not writable: %s", path,
			 strerror(errno));
		return -1;
	}
	return 0;
}

static cJSON *spec_to_json(struct srv_prog *p)
{
	struct prog_spec *sp = &p->spec;
	cJSON *o = cJSON_CreateObject(), *a, *opts;
	char *b64;
	int i;

	if (!o)
		return NULL;
	srv_json_u64(o, "id", p->id);
	cJSON_AddStringToObject(o, "name", sp->name ? sp->name : "");
	if (sp->url) {
		cJSON_AddStringToObject(o, "url", sp->url);
	} else {
		b64 = srv_b64_encode(sp->pkg_data, sp->pkg_size);
		if (!b64) {
			cJSON_Delete(o);
			return NULL;
		}
		cJSON_AddStringToObject(o, "package_base64", b64);
		free(b64);
	}
	a = cJSON_AddArrayToObject(o, "args");
	for (i = 1; a && i < sp->argc; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(sp->argv[i]));
	opts = cJSON_AddObjectToObject(o, "options");
	if (opts) {
		const char *keys[] = {"ifname", "uprobe_binary", "uprobe_func", "cgroup",
				      "only",	"disable",	 "btf",		"sha256"};
		const char *vals[] = {sp->ifname, sp->uprobe_binary, sp->uprobe_func, sp->cgroup,
				      sp->only,	  sp->disable,	     sp->btf,	      sp->sha256};

		for (i = 0; i < (int)(sizeof(keys) / sizeof(keys[0])); i++)
			if (vals[i])
				cJSON_AddStringToObject(opts, keys[i], vals[i]);
		if (sp->pid)
			cJSON_AddNumberToObject(opts, "pid", sp->pid);
		if (sp->freq)
			cJSON_AddNumberToObject(opts, "freq", sp->freq);
		if (sp->ifindex)
			cJSON_AddNumberToObject(opts, "ifindex", sp->ifindex);
		if (sp->max_entries)
			cJSON_AddNumberToObject(opts, "max_entries", sp->max_entries);
		if (sp->strict)
			cJSON_AddBoolToObject(opts, "strict", true);
		if (sp->no_btf_cache)
			cJSON_AddBoolToObject(opts, "no_btf_cache", true);
	}
	cJSON_AddBoolToObject(o, "paused", sp->paused);
	if (sp->plain)
		cJSON_AddStringToObject(o, "format", "plain");
	return o;
}

/* Written to a temporary file, synced, renamed: a crash leaves the old or the new state. */
int srv_state_save(struct srv *s, struct srv_prog *p)
{
	char path[4096], tmp[4200];
	cJSON *o;
	char *text;
	size_t len;
	int fd, err = 0;

	if (!s->cfg->state_dir)
		return 0;
	if (state_path(s, path, sizeof(path), p->id, "") ||
	    state_path(s, tmp, sizeof(tmp), p->id, ".tmp"))
		return -ENAMETOOLONG;
	pthread_mutex_lock(&p->lock);
	o = spec_to_json(p);
	pthread_mutex_unlock(&p->lock);
	text = o ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	if (!text)
		return -ENOMEM;
	len = strlen(text);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		free(text);
		return -errno;
	}
	if (write(fd, text, len) != (ssize_t)len || fsync(fd))
		err = errno ? -errno : -EIO;
	close(fd);
	free(text);
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

void srv_state_forget(struct srv *s, uint64_t id)
{
	char path[4096];

	if (s->cfg->state_dir && !state_path(s, path, sizeof(path), id, ""))
		unlink(path);
}

static void restore_one(struct srv *s, const char *path, uint64_t id)
{
	struct prog_spec spec;
	struct start_result res;
	FILE *f = fopen(path, "re");
	struct sbuf b = {0};
	char buf[65536], *err = NULL;
	size_t n;
	cJSON *doc;

	if (id >= s->next_id) /* never reused, even when it does not start again */
		s->next_id = id + 1;
	if (!f)
		return;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sbuf_add(&b, buf, n);
	fclose(f);
	doc = b.buf ? cJSON_ParseWithLength(b.buf, b.len) : NULL;
	sbuf_free(&b);
	if (!doc || srv_spec_from_v1(doc, &spec, &err)) {
		fprintf(stderr, "ecli server: %s: cannot restore: %s\n", path,
			err ? err : "not a JSON state file");
		free(err);
		cJSON_Delete(doc);
		return;
	}
	cJSON_Delete(doc);
	if (srv_prog_start(s, &spec, id, true, &res)) {
		/* kept on disk: a later restart (a fixed kernel, a present interface) may work */
		fprintf(stderr, "ecli server: program %llu (from %s) did not start again:\n%s\n",
			(unsigned long long)id, path, res.error ? res.error : "");
		free(res.error);
		return;
	}
	fprintf(stderr, "ecli server: program %llu restarted\n", (unsigned long long)id);
}

void srv_state_restore(struct srv *s)
{
	char dir[4096], path[4400];
	struct dirent *de;
	unsigned long long id;
	char tail[8];
	DIR *d;

	if (!s->cfg->state_dir)
		return;
	snprintf(dir, sizeof(dir), "%s/programs", s->cfg->state_dir);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (sscanf(de->d_name, "%llu.%7s", &id, tail) != 2 || strcmp(tail, "json") || !id)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		restore_one(s, path, id);
	}
	closedir(d);
}
