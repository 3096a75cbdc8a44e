/* SPDX-License-Identifier: MIT */
/*
 * `ecli server`: internal interfaces shared by its files.
 *   server.c        command line, listeners, signals, start-up and shutdown
 *   server_http.c   libmicrohttpd handler: authentication, body limits, /v1 routing
 *   server_compat.c the archived eunomia-bpf server's endpoints (/task, /stop, /log, ...)
 *   server_prog.c   program registry: one runner and one polling thread per program, event rings
 *   server_state.c  --state-dir persistence and restore after a restart
 */
#ifndef EUNOMIA_ECLI_SERVER_H
#define EUNOMIA_ECLI_SERVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "ecli/ecli.h"
#include "ecli/sbuf.h"

#define SRV_MAX_LISTEN 8

struct srv_config {
	const char *listen[SRV_MAX_LISTEN];
	int nr_listen;
	const char *token_file;
	char *token; /* first line of token_file */
	const char *group;
	gid_t gid;
	bool have_group;
	const char *state_dir;
	int max_programs;
	size_t max_body;
	size_t max_events;
	const char *tls_cert, *tls_key;
	bool require_signature;	 /* --require-signature: refuse unsigned packages (403) */
	const char *trusted_dir; /* --trusted-dir: its *.pub keys */
};

/* ---- programs (server_prog.c) ---- */
enum prog_state {
	PROG_RUNNING,
	PROG_PAUSED,
	PROG_FAILED, /* poll error: reported on the program, the others go on */
};

struct srv_event {
	uint64_t cursor;
	uint64_t time_ns;
	char *line;
	size_t len;
};

/* What a program was started with: enough to start it again after a restart. */
struct prog_spec {
	char *name;	/* display name (request "name", else the package's) */
	void *pkg_data; /* package bytes (document or .tar) when not a URL */
	size_t pkg_size;
	char *url;   /* or the URL it was fetched from */
	char **argv; /* tool flags; argv[0] is the tool name */
	int argc;
	char *ifname, *uprobe_binary, *uprobe_func, *cgroup, *only, *disable, *btf;
	char *sha256;	 /* pin: the package's SHA-256 */
	char *signature; /* request "signature": the package's .minisig text */
	int pid, freq, ifindex, max_entries;
	bool strict, no_btf_cache;
	bool plain; /* compat: export_json false -> bcc-style text lines */
	bool paused;
};

struct srv_prog {
	uint64_t id;
	struct prog_spec spec;
	struct srv *srv;
	pthread_mutex_t lock; /* everything below */
	pthread_cond_t cond;  /* events appended, state changed, shutdown */
	/* held by a /metrics scrape while it reads r, and by the shutdown that takes r away
	 * (never by the polling thread: a scrape does not hold up events) */
	pthread_mutex_t mx_lock;
	enum prog_state state;
	int refs;
	bool removed; /* out of the registry: readers leave */
	/* ring: events with cursors [next - count, next) */
	struct srv_event *ring;
	size_t cap, count, head; /* head: slot of the oldest */
	uint64_t next;		 /* cursor of the next event; the first is 1 */
	uint64_t dropped;
	char *error; /* FAILED: why */
	int ctl;     /* pending request for the polling thread */
	int ctl_err; /* its result */
	bool ctl_done;
	int attached;
	struct eunomia_package *pkg;
	struct eunomia_runner *r;
	pthread_t thread;
	bool thread_started;
	uint64_t started_at; /* ns since the epoch */
	bool restarted;
	struct sbuf msgs; /* loader messages while starting */
};

struct srv {
	struct srv_config *cfg;
	pthread_mutex_t lock; /* programs, next_id */
	struct srv_prog **progs;
	size_t nr_progs, cap_progs;
	uint64_t next_id;
	volatile int shutting_down;
	uint64_t started_ns;
};

/* Result of starting a program: HTTP status + message. */
struct start_result {
	int status; /* 201, 400, 422, 429, 500, 503 */
	char *error;
	uint64_t id;
};

uint64_t srv_now_ns(void);
/* Add an exact integer (cJSON numbers are doubles: ns timestamps would lose digits). */
void srv_json_u64(cJSON *o, const char *key, uint64_t v);
/* Start a program from spec (taken over, also on failure). id 0: allocate one. */
int srv_prog_start(struct srv *s, struct prog_spec *spec, uint64_t id, bool restarted,
		   struct start_result *res);
/* Find by id with a reference (srv_prog_put() it), or NULL. */
struct srv_prog *srv_prog_get(struct srv *s, uint64_t id);
void srv_prog_put(struct srv_prog *p);
/* Pause/resume: 0, or -errno/-EUNOMIA_ERR_* (message in *msg, malloc'd). */
int srv_prog_pause(struct srv_prog *p, bool pause, char **msg);
/* Remove from the registry, detach everything, forget its state file. 0 or -ENOENT. */
int srv_prog_stop(struct srv *s, uint64_t id);
/* Detach everything (shutdown); state files stay. */
void srv_prog_stop_all(struct srv *s);
/* Wake every waiting reader (shutdown). */
void srv_prog_wake_all(struct srv *s);
/* Snapshot of ids. Caller frees. */
uint64_t *srv_prog_ids(struct srv *s, size_t *n);
/* JSON summary (detail: plus arguments, options, error). Takes p->lock. */
cJSON *srv_prog_json(struct srv_prog *p, bool detail);
const char *srv_prog_state_name(enum prog_state st);
void prog_spec_free(struct prog_spec *spec);

/*
 * Events after `after` (cursor > after), at most limit; waits up to wait_ms for the first one.
 * Calls emit() for each under p->lock; returns the cursor of the last emitted (or `after` when
 * none; the first retained - 1 when `after` was dropped). *gone: the program went away.
 */
typedef void (*srv_emit_fn)(void *ctx, const struct srv_event *ev);
uint64_t srv_prog_read(struct srv_prog *p, uint64_t after, size_t limit, int wait_ms,
		       srv_emit_fn emit, void *ctx, bool *gone);

/* ---- state dir (server_state.c) ---- */
int srv_state_init(struct srv *s, char *err, size_t errsz);
int srv_state_save(struct srv *s, struct srv_prog *p);
void srv_state_forget(struct srv *s, uint64_t id);
/* Start every saved program again (restarted: true). */
void srv_state_restore(struct srv *s);
/* base64 (RFC 4648), padding optional when decoding. */
char *srv_b64_encode(const void *data, size_t len);
void *srv_b64_decode(const char *s, size_t *len);

/* ---- HTTP (server_http.c) ---- */
struct srv_listener {
	struct srv *srv;
	bool is_unix;
	struct MHD_Daemon *d;
	int fd;
	char *desc;
	char *unix_path;
	char *tls_cert, *tls_key; /* PEM text */
};
int srv_http_start(struct srv_listener *l, char *err, size_t errsz);

/* Request helpers shared with server_compat.c. */
struct MHD_Connection;
int srv_reply_json(struct MHD_Connection *c, unsigned int status, cJSON *body);
int srv_reply_error(struct MHD_Connection *c, unsigned int status, const char *key, const char *fmt,
		    ...) __attribute__((format(printf, 4, 5)));
/* Parse a /v1/programs body or a compat /task body into a spec (400 text in *err). */
int srv_spec_from_v1(cJSON *body, struct prog_spec *spec, char **err);
/* GET /metrics: every running program's maps, labelled program="NAME",id="ID"
 * (metrics_http.c). An MHD result. */
int srv_metrics_reply(struct srv *s, struct MHD_Connection *c);
/* Compat endpoints: returns an MHD result, or -1 when the path is not one of them. */
int srv_compat_route(struct srv *s, struct MHD_Connection *c, const char *method, const char *url,
		     const char *body, size_t body_len);

#endif
