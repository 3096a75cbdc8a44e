// SPDX-License-Identifier: MIT
/*
 * `ecli server` program registry. Each program is one libeunomia runner, loaded and attached
 * by the request that starts it (so that its errors go back in the response), then polled by a
 * thread of its own. Its events go to a bounded ring: every event gets the next cursor, the
 * oldest is dropped (and counted) when the ring is full, and readers never remove anything, so
 * any number of them follow one program, each with its own cursor.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ecli/options.h"
#include "ecli/server.h"

enum { CTL_NONE, CTL_PAUSE, CTL_RESUME, CTL_STOP };

#define PROG_MSGS_MAX (64 * 1024)

uint64_t srv_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void srv_json_u64(cJSON *o, const char *key, uint64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	cJSON_AddRawToObject(o, key, num);
}

const char *srv_prog_state_name(enum prog_state st)
{
	switch (st) {
	case PROG_RUNNING:
		return "running";
	case PROG_PAUSED:
		return "paused";
	default:
		return "failed";
	}
}

void prog_spec_free(struct prog_spec *spec)
{
	int i;

	free(spec->name);
	free(spec->pkg_data);
	free(spec->url);
	for (i = 0; i < spec->argc; i++)
		free(spec->argv[i]);
	free(spec->argv);
	free(spec->ifname);
	free(spec->uprobe_binary);
	free(spec->uprobe_func);
	free(spec->cgroup);
	free(spec->only);
	free(spec->disable);
	free(spec->btf);
	free(spec->sha256);
	free(spec->signature);
	memset(spec, 0, sizeof(*spec));
}

/* Loader diagnostics: warnings are kept on the program (the start error, later problems). */
static void prog_print(void *ctx, enum eunomia_print_level level, const char *fmt, va_list ap)
{
	struct srv_prog *p = ctx;
	char line[4096];
	size_t n;

	if (level != EUNOMIA_WARN)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = '\0';
	pthread_mutex_lock(&p->lock);
	if (p->msgs.len + n < PROG_MSGS_MAX) {
		if (p->msgs.len)
			sbuf_adds(&p->msgs, "\n");
		sbuf_add(&p->msgs, line, n);
	}
	pthread_mutex_unlock(&p->lock);
}

/* Runner output: one decoded event (or sampled-map line) per call, from the polling thread. */
static int prog_output(void *ctx, const char *line, size_t len)
{
	struct srv_prog *p = ctx;
	struct srv_event *ev;
	char *copy = malloc(len + 1);

	if (!copy)
		return 0; /* counted as nothing: the next event may fit */
	memcpy(copy, line, len);
	copy[len] = '\0';
	pthread_mutex_lock(&p->lock);
	if (p->count == p->cap) {
		free(p->ring[p->head].line);
		p->head = (p->head + 1) % p->cap;
		p->count--;
		p->dropped++;
	}
	ev = &p->ring[(p->head + p->count) % p->cap];
	ev->cursor = p->next++;
	ev->time_ns = srv_now_ns();
	ev->line = copy;
	ev->len = len;
	p->count++;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

static void *prog_thread(void *arg)
{
	struct srv_prog *p = arg;
	int err;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		if (p->ctl == CTL_STOP)
			break;
		if (p->ctl == CTL_PAUSE || p->ctl == CTL_RESUME) {
			int want = p->ctl;
			bool there = p->state == (want == CTL_PAUSE ? PROG_PAUSED : PROG_RUNNING);

			/* two requests raced: the second finds it done */
			pthread_mutex_unlock(&p->lock);
			if (there)
				err = want == CTL_PAUSE ? 0 : p->attached;
			else if (want == CTL_PAUSE)
				err = eunomia_runner__detach(p->r);
			else
				err = eunomia_runner__attach(p->r);
			pthread_mutex_lock(&p->lock);
			p->ctl = CTL_NONE;
			p->ctl_err = err < 0 ? err : 0;
			if (err >= 0) {
				p->state = want == CTL_PAUSE ? PROG_PAUSED : PROG_RUNNING;
				if (want == CTL_RESUME)
					p->attached = err;
			}
			p->ctl_done = true;
			pthread_cond_broadcast(&p->cond);
			continue;
		}
		if (p->state != PROG_RUNNING) {
			pthread_cond_wait(&p->cond, &p->lock);
			continue;
		}
		pthread_mutex_unlock(&p->lock);
		err = eunomia_runner__poll(p->r, 100);
		pthread_mutex_lock(&p->lock);
		if (err < 0 && err != -EINTR && p->ctl == CTL_NONE) {
			/* this program stops; the server and the others go on */
			free(p->error);
			if (asprintf(&p->error, "%s: stopped on error: %s", p->spec.name,
				     eunomia_strerror(err)) < 0)
				p->error = NULL;
			p->state = PROG_FAILED;
			pthread_cond_broadcast(&p->cond);
			/* unlocked: the loader may print (prog_print takes the lock) */
			pthread_mutex_unlock(&p->lock);
			eunomia_runner__detach(p->r);
			pthread_mutex_lock(&p->lock);
		}
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static void prog_free(struct srv_prog *p)
{
	size_t i;

	if (!p)
		return;
	eunomia_runner__free(p->r);
	eunomia_package__free(p->pkg);
	for (i = 0; i < p->count; i++)
		free(p->ring[(p->head + i) % p->cap].line);
	free(p->ring);
	free(p->error);
	sbuf_free(&p->msgs);
	prog_spec_free(&p->spec);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	pthread_mutex_destroy(&p->mx_lock);
	free(p);
}

static struct srv_prog *prog_new(struct srv *s, struct prog_spec *spec)
{
	struct srv_prog *p = calloc(1, sizeof(*p));
	pthread_condattr_t ca;

	if (!p)
		return NULL;
	p->srv = s;
	p->spec = *spec;
	memset(spec, 0, sizeof(*spec));
	pthread_mutex_init(&p->lock, NULL);
	pthread_mutex_init(&p->mx_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cond, &ca);
	pthread_condattr_destroy(&ca);
	p->cap = s->cfg->max_events;
	p->ring = calloc(p->cap, sizeof(*p->ring));
	p->next = 1;
	p->refs = 1;
	if (!p->ring) {
		prog_free(p);
		return NULL;
	}
	return p;
}

/* The start error as `ecli run` words it: the loader's warnings when it gave a reason (the
 * verifier's tail, the package field, the unknown flag), else ecli's own line. */
static char *start_error(struct srv_prog *p, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;

	pthread_mutex_lock(&p->lock);
	if (p->msgs.len && !p->msgs.oom)
		msg = strdup(p->msgs.buf);
	pthread_mutex_unlock(&p->lock);
	if (msg)
		return run_options_flag_names(msg); /* option names as ecli's flags, as ecli says */
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	return msg ? msg : strdup("out of memory");
}

static int prog_open(struct srv_prog *p, struct start_result *res)
{
	EUNOMIA_OPTS(package, po, .print = prog_print, .print_ctx = p, .sha256 = p->spec.sha256);
	struct prog_spec *sp = &p->spec;
	const char *loc = sp->url ? sp->url : sp->name ? sp->name : "package";
	const char *name;
	int err;

	/* --require-signature; what a restarted server starts again was verified before */
	if (p->srv->cfg->require_signature && !p->restarted) {
		char why[2048];

		if (sp->url) {
			res->status = 403;
			res->error =
				strdup("the server requires signed packages: send the package's "
				       "bytes and their \"signature\" instead of a \"url\"");
			return -1;
		}
		if (ecli_verify_policy(p->srv->cfg->trusted_dir, loc, sp->pkg_data, sp->pkg_size,
				       sp->signature, why, sizeof(why))) {
			res->status = 403;
			res->error = strdup(why);
			return -1;
		}
	}
	if (sp->url)
		p->pkg = eunomia_package__open_url(sp->url, &po);
	else
		p->pkg = eunomia_package__open_mem(sp->pkg_data, sp->pkg_size, loc, &po);
	if (!p->pkg) {
		res->status = 400;
		res->error = start_error(p, "cannot open package '%s': %s", loc,
					 eunomia_strerror(errno));
		return -1;
	}
	name = eunomia_package__name(p->pkg);
	if (!sp->name && !(sp->name = strdup(name)))
		return res->status = 500, -1;
	{
		EUNOMIA_OPTS(
			runner, ro, .print = prog_print, .print_ctx = p,
			.format = sp->plain ? EUNOMIA_FMT_PLAIN : EUNOMIA_FMT_JSON,
			.output = prog_output, .output_ctx = p, .btf_path = sp->btf,
			.ifname = sp->ifname, .uprobe_binary = sp->uprobe_binary,
			.uprobe_func = sp->uprobe_func, .pid = sp->pid, .cgroup_path = sp->cgroup,
			.perf_freq = sp->freq, .only_progs = sp->only, .disable_progs = sp->disable,
			.ifindex = sp->ifindex, .default_max_entries = (uint32_t)sp->max_entries,
			.strict = sp->strict, .no_btf_cache = sp->no_btf_cache,
			/* the server's policy, as ecli run's: a missing tracefs is mounted */
			.mount_tracefs = true);

		p->r = eunomia_runner__open(p->pkg, &ro);
	}
	if (!p->r) {
		res->status = 400;
		res->error = start_error(p, "%s: cannot open the BPF object: %s", name,
					 eunomia_strerror(errno));
		return -1;
	}
	err = eunomia_runner__parse_args(p->r, sp->argc, sp->argv);
	if (err == EUNOMIA_ARGS_HELP || err == EUNOMIA_ARGS_VERSION) {
		res->status = 400;
		res->error = start_error(p,
					 "%s: --help and --version are not run by the server; "
					 "`ecli run PACKAGE --help` lists the tool's flags",
					 name);
		return -1;
	}
	if (err < 0) {
		res->status = 400;
		res->error = start_error(p, "%s: bad tool arguments (see `%s --help`)", name, name);
		return -1;
	}
	err = eunomia_runner__load(p->r);
	if (err) {
		res->status = err == -ENOMEM ? 500 : 422;
		res->error = start_error(p, "%s: load failed: %s", name, eunomia_strerror(err));
		return -1;
	}
	err = eunomia_runner__attach(p->r);
	if (err < 0) {
		res->status = 422;
		res->error = start_error(p, "%s: attach failed: %s", name, eunomia_strerror(err));
		return -1;
	}
	p->attached = err;
	p->state = PROG_RUNNING;
	if (sp->paused) {
		eunomia_runner__detach(p->r);
		p->state = PROG_PAUSED;
	}
	return 0;
}

int srv_prog_start(struct srv *s, struct prog_spec *spec, uint64_t id, bool restarted,
		   struct start_result *res)
{
	struct srv_prog *p, **np;
	size_t i;

	memset(res, 0, sizeof(*res));
	p = prog_new(s, spec);
	if (!p) {
		prog_spec_free(spec);
		res->status = 500;
		res->error = strdup("out of memory");
		return -1;
	}
	pthread_mutex_lock(&s->lock);
	if (s->nr_progs >= (size_t)s->cfg->max_programs) {
		pthread_mutex_unlock(&s->lock);
		res->status = 429;
		if (asprintf(&res->error,
			     "%zu programs are running, the server's limit (--max-programs %d); "
			     "stop one first",
			     s->nr_progs, s->cfg->max_programs) < 0)
			res->error = NULL;
		prog_free(p);
		return -1;
	}
	pthread_mutex_unlock(&s->lock);
	p->restarted = restarted;
	if (prog_open(p, res)) {
		if (!res->status)
			res->status = 500;
		prog_free(p);
		return -1;
	}
	p->started_at = srv_now_ns();
	pthread_mutex_lock(&p->lock);
	sbuf_free(&p->msgs); /* start-up notes are not errors */
	pthread_mutex_unlock(&p->lock);

	pthread_mutex_lock(&s->lock);
	if (s->shutting_down || s->nr_progs >= (size_t)s->cfg->max_programs) {
		res->status = s->shutting_down ? 503 : 429;
		pthread_mutex_unlock(&s->lock);
		res->error = strdup(res->status == 503 ? "the server is shutting down"
						       : "too many programs (--max-programs)");
		prog_free(p);
		return -1;
	}
	if (s->nr_progs == s->cap_progs) {
		size_t cap = s->cap_progs ? s->cap_progs * 2 : 16;

		np = realloc(s->progs, cap * sizeof(*np));
		if (!np) {
			pthread_mutex_unlock(&s->lock);
			res->status = 500;
			res->error = strdup("out of memory");
			prog_free(p);
			return -1;
		}
		s->progs = np;
		s->cap_progs = cap;
	}
	if (!id)
		id = s->next_id;
	for (i = 0; i < s->nr_progs; i++)
		if (s->progs[i]->id == id)
			id = s->next_id;
	if (id >= s->next_id)
		s->next_id = id + 1;
	p->id = id;
	if (pthread_create(&p->thread, NULL, prog_thread, p)) {
		pthread_mutex_unlock(&s->lock);
		res->status = 500;
		res->error = strdup("cannot create the program's thread");
		prog_free(p);
		return -1;
	}
	p->thread_started = true;
	s->progs[s->nr_progs++] = p;
	pthread_mutex_unlock(&s->lock);
	srv_state_save(s, p);
	res->status = 201;
	res->id = id;
	return 0;
}

struct srv_prog *srv_prog_get(struct srv *s, uint64_t id)
{
	struct srv_prog *p = NULL;
	size_t i;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < s->nr_progs; i++) {
		if (s->progs[i]->id == id) {
			p = s->progs[i];
			p->refs++;
			break;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return p;
}

void srv_prog_put(struct srv_prog *p)
{
	struct srv *s;
	bool last;

	if (!p)
		return;
	s = p->srv;
	pthread_mutex_lock(&s->lock);
	last = --p->refs == 0;
	pthread_mutex_unlock(&s->lock);
	if (last)
		prog_free(p);
}

/* Ask the polling thread to do something and wait until it has (runners are single-threaded). */
static int prog_ctl(struct srv_prog *p, int ctl)
{
	int err;

	pthread_mutex_lock(&p->lock);
	while (p->ctl != CTL_NONE)
		pthread_cond_wait(&p->cond, &p->lock);
	p->ctl = ctl;
	p->ctl_done = false;
	pthread_cond_broadcast(&p->cond);
	while (!p->ctl_done)
		pthread_cond_wait(&p->cond, &p->lock);
	err = p->ctl_err;
	pthread_mutex_unlock(&p->lock);
	return err;
}

int srv_prog_pause(struct srv_prog *p, bool pause, char **msg)
{
	enum prog_state st;
	int err;

	*msg = NULL;
	pthread_mutex_lock(&p->lock);
	st = p->state;
	pthread_mutex_unlock(&p->lock);
	if (st == PROG_FAILED) {
		if (asprintf(msg, "program %llu failed; stop it and start it again",
			     (unsigned long long)p->id) < 0)
			*msg = NULL;
		return -EUNOMIA_ERR_STATE;
	}
	if ((pause && st == PROG_PAUSED) || (!pause && st == PROG_RUNNING))
		return 0; /* already there */
	pthread_mutex_lock(&p->lock);
	sbuf_free(&p->msgs);
	pthread_mutex_unlock(&p->lock);
	err = prog_ctl(p, pause ? CTL_PAUSE : CTL_RESUME);
	if (err) {
		*msg = start_error(p, "%s: %s failed: %s", p->spec.name, pause ? "pause" : "resume",
				   eunomia_strerror(err));
		return err;
	}
	pthread_mutex_lock(&p->lock);
	p->spec.paused = pause;
	pthread_mutex_unlock(&p->lock);
	srv_state_save(p->srv, p);
	return 0;
}

/* Out of the registry (caller holds s->lock): readers are woken and leave. */
static void prog_unlink(struct srv *s, size_t i)
{
	struct srv_prog *p = s->progs[i];

	s->progs[i] = s->progs[--s->nr_progs];
	pthread_mutex_lock(&p->lock);
	p->removed = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

/* Stop the polling thread, then detach and free the runner (the last reader frees the rest). */
static void prog_shutdown(struct srv_prog *p)
{
	struct eunomia_package *pkg;
	struct eunomia_runner *r;

	if (p->thread_started) {
		pthread_mutex_lock(&p->lock);
		while (p->ctl != CTL_NONE)
			pthread_cond_wait(&p->cond, &p->lock);
		p->ctl = CTL_STOP;
		pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->lock);
		eunomia_runner__stop(p->r);
		pthread_join(p->thread, NULL);
		p->thread_started = false;
	}
	pthread_mutex_lock(&p->mx_lock);
	pthread_mutex_lock(&p->lock);
	r = p->r;
	pkg = p->pkg;
	p->r = NULL;
	p->pkg = NULL;
	pthread_mutex_unlock(&p->lock);
	pthread_mutex_unlock(&p->mx_lock);
	eunomia_runner__free(r); /* detaches everything */
	eunomia_package__free(pkg);
}

int srv_prog_stop(struct srv *s, uint64_t id)
{
	struct srv_prog *p = NULL;
	size_t i;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < s->nr_progs; i++) {
		if (s->progs[i]->id == id) {
			p = s->progs[i];
			prog_unlink(s, i);
			break;
		}
	}
	pthread_mutex_unlock(&s->lock);
	if (!p)
		return -ENOENT;
	srv_state_forget(s, id);
	prog_shutdown(p);
	srv_prog_put(p);
	return 0;
}

void srv_prog_stop_all(struct srv *s)
{
	struct srv_prog *p;

	for (;;) {
		pthread_mutex_lock(&s->lock);
		if (!s->nr_progs) {
			pthread_mutex_unlock(&s->lock);
			break;
		}
		p = s->progs[s->nr_progs - 1];
		prog_unlink(s, s->nr_progs - 1);
		pthread_mutex_unlock(&s->lock);
		prog_shutdown(p);
		srv_prog_put(p);
	}
}

void srv_prog_wake_all(struct srv *s)
{
	size_t i;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < s->nr_progs; i++) {
		pthread_mutex_lock(&s->progs[i]->lock);
		pthread_cond_broadcast(&s->progs[i]->cond);
		pthread_mutex_unlock(&s->progs[i]->lock);
	}
	pthread_mutex_unlock(&s->lock);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

uint64_t *srv_prog_ids(struct srv *s, size_t *n)
{
	uint64_t *ids;
	size_t i;

	pthread_mutex_lock(&s->lock);
	ids = calloc(s->nr_progs + 1, sizeof(*ids));
	*n = 0;
	if (ids) {
		for (i = 0; i < s->nr_progs; i++)
			ids[i] = s->progs[i]->id;
		*n = s->nr_progs;
	}
	pthread_mutex_unlock(&s->lock);
	if (ids)
		qsort(ids, *n, sizeof(*ids), cmp_u64);
	return ids;
}

static void add_opt_str(cJSON *o, const char *key, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, key, v);
}

cJSON *srv_prog_json(struct srv_prog *p, bool detail)
{
	cJSON *o = cJSON_CreateObject(), *a, *opts;
	struct bpf_program *prog;
	int i;

	if (!o)
		return NULL;
	pthread_mutex_lock(&p->lock);
	srv_json_u64(o, "id", p->id);
	cJSON_AddStringToObject(o, "name", p->spec.name ? p->spec.name : "");
	cJSON_AddStringToObject(o, "state", srv_prog_state_name(p->state));
	srv_json_u64(o, "started_at", p->started_at);
	srv_json_u64(o, "events", (p->next - 1));
	srv_json_u64(o, "dropped", p->dropped);
	srv_json_u64(o, "lost", eunomia_runner__lost_events(p->r));
	cJSON_AddBoolToObject(o, "restarted", p->restarted);
	if (p->error)
		cJSON_AddStringToObject(o, "error", p->error);
	if (detail) {
		a = cJSON_AddArrayToObject(o, "args");
		for (i = 1; a && i < p->spec.argc; i++)
			cJSON_AddItemToArray(a, cJSON_CreateString(p->spec.argv[i]));
		opts = cJSON_AddObjectToObject(o, "options");
		if (opts) {
			add_opt_str(opts, "ifname", p->spec.ifname);
			add_opt_str(opts, "uprobe_binary", p->spec.uprobe_binary);
			add_opt_str(opts, "uprobe_func", p->spec.uprobe_func);
			add_opt_str(opts, "cgroup", p->spec.cgroup);
			add_opt_str(opts, "only", p->spec.only);
			add_opt_str(opts, "disable", p->spec.disable);
			add_opt_str(opts, "btf", p->spec.btf);
			if (p->spec.pid)
				cJSON_AddNumberToObject(opts, "pid", p->spec.pid);
			if (p->spec.freq)
				cJSON_AddNumberToObject(opts, "freq", p->spec.freq);
			if (p->spec.ifindex)
				cJSON_AddNumberToObject(opts, "ifindex", p->spec.ifindex);
			if (p->spec.max_entries)
				cJSON_AddNumberToObject(opts, "max_entries", p->spec.max_entries);
			if (p->spec.strict)
				cJSON_AddBoolToObject(opts, "strict", true);
			if (p->spec.no_btf_cache)
				cJSON_AddBoolToObject(opts, "no_btf_cache", true);
			add_opt_str(opts, "sha256", p->spec.sha256);
		}
		if (p->spec.url)
			cJSON_AddStringToObject(o, "url", p->spec.url);
		if (p->pkg)
			cJSON_AddStringToObject(o, "sha256", eunomia_package__sha256(p->pkg));
		cJSON_AddNumberToObject(o, "attached", p->state == PROG_RUNNING ? p->attached : 0);
		a = cJSON_AddArrayToObject(o, "programs");
		if (a && p->r) {
			bpf_object__for_each_program(prog, eunomia_runner__bpf_object(p->r)) {
				struct bpf_prog_info info = {0};
				__u32 len = sizeof(info);
				cJSON *e;

				if (bpf_program__fd(prog) < 0)
					continue;
				e = cJSON_CreateObject();
				cJSON_AddStringToObject(e, "name", bpf_program__name(prog));
				if (!bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
					srv_json_u64(e, "prog_id", info.id);
				cJSON_AddItemToArray(a, e);
			}
		}
		srv_json_u64(o, "buffer", p->cap);
		if (p->msgs.len)
			cJSON_AddStringToObject(o, "messages", p->msgs.buf);
	}
	pthread_mutex_unlock(&p->lock);
	return o;
}

uint64_t srv_prog_read(struct srv_prog *p, uint64_t after, size_t limit, int wait_ms,
		       srv_emit_fn emit, void *ctx, bool *gone)
{
	struct timespec deadline;
	uint64_t first, c, last;
	size_t n = 0;

	*gone = false;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += wait_ms / 1000;
	deadline.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&p->lock);
	for (;;) {
		if (p->removed || p->srv->shutting_down) {
			*gone = true;
			break;
		}
		if (p->next - 1 > after || wait_ms <= 0)
			break;
		if (pthread_cond_timedwait(&p->cond, &p->lock, &deadline) == ETIMEDOUT)
			break;
	}
	first = p->next - p->count;
	last = after;
	if (after + 1 < first)
		last = first - 1;
	for (c = last + 1; c < p->next && n < limit; c++, n++) {
		emit(ctx, &p->ring[(p->head + (c - first)) % p->cap]);
		last = c;
	}
	pthread_mutex_unlock(&p->lock);
	return last;
}
