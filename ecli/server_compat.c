// SPDX-License-Identifier: MIT
/*
 * The endpoints of the public eunomia-bpf project's archived ecli server (its OpenAPI
 * description: /task, /stop, /log, /pause, /resume), so that its clients keep working. They
 * map onto the same registry as /v1; docs/server.md lists the differences.
 */
#include <errno.h>
#include "ecli/lazy.h"
#include <stdlib.h>
#include <string.h>

#include "ecli/server.h"

static int compat_error(struct MHD_Connection *c, unsigned int status, const char *msg)
{
	return srv_reply_error(c, status, "message", "%s", msg);
}

static const char *task_status(struct srv_prog *p)
{
	enum prog_state st;

	pthread_mutex_lock(&p->lock);
	st = p->state;
	pthread_mutex_unlock(&p->lock);
	return srv_prog_state_name(st);
}

static cJSON *task_list(struct srv *s)
{
	cJSON *o = cJSON_CreateObject(), *a = cJSON_AddArrayToObject(o, "tasks"), *t;
	uint64_t *ids;
	size_t n, i;

	ids = srv_prog_ids(s, &n);
	for (i = 0; ids && a && i < n; i++) {
		struct srv_prog *p = srv_prog_get(s, ids[i]);

		if (!p)
			continue;
		t = cJSON_CreateObject();
		srv_json_u64(t, "id", p->id);
		cJSON_AddStringToObject(t, "name", p->spec.name ? p->spec.name : "");
		cJSON_AddStringToObject(t, "status", task_status(p));
		cJSON_AddItemToArray(a, t);
		srv_prog_put(p);
	}
	free(ids);
	return o;
}

/* A uint64 field that must be present: 0 and its value, or -1. */
static int get_id(cJSON *body, const char *key, uint64_t *out)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(body, key);

	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 9007199254740992.0 ||
	    v->valuedouble != (double)(uint64_t)v->valuedouble)
		return -1;
	*out = (uint64_t)v->valuedouble;
	return 0;
}

static int compat_start(struct srv *s, struct MHD_Connection *c, cJSON *body)
{
	cJSON *buf = cJSON_GetObjectItemCaseSensitive(body, "program_data_buf");
	cJSON *type = cJSON_GetObjectItemCaseSensitive(body, "program_type");
	cJSON *name = cJSON_GetObjectItemCaseSensitive(body, "program_name");
	cJSON *args = cJSON_GetObjectItemCaseSensitive(body, "extra_args");
	cJSON *json = cJSON_GetObjectItemCaseSensitive(body, "export_json"), *o, *a;
	struct prog_spec spec = {0};
	struct start_result res;
	int ret;

	if (!cJSON_IsString(buf) || !cJSON_IsString(type))
		return compat_error(c, 400,
				    "program_data_buf and program_type (json or tar) are required");
	if (strcmp(type->valuestring, "json") && strcmp(type->valuestring, "tar"))
		return compat_error(c, 400,
				    "program_type: only json and tar programs run here (no wasm)");
	/* the v1 parser does the rest: the same checks, the same messages */
	o = cJSON_CreateObject();
	if (!o)
		return compat_error(c, 500, "out of memory");
	cJSON_AddStringToObject(o, "package_base64", buf->valuestring);
	if (cJSON_IsString(name) && *name->valuestring)
		cJSON_AddStringToObject(o, "name", name->valuestring);
	a = args ? cJSON_Duplicate(args, true) : NULL;
	if (a)
		cJSON_AddItemToObject(o, "args", a);
	if (json && !cJSON_IsTrue(json))
		cJSON_AddStringToObject(o, "format", "plain");
	{
		char *err = NULL;

		if (srv_spec_from_v1(o, &spec, &err)) {
			cJSON_Delete(o);
			ret = compat_error(c, 400, err ? err : "out of memory");
			free(err);
			return ret;
		}
	}
	cJSON_Delete(o);
	if (srv_prog_start(s, &spec, 0, false, &res)) {
		ret = compat_error(c, res.status == 422 || res.status == 429 ? 400 : res.status,
				   res.error ? res.error : "");
		free(res.error);
		return ret;
	}
	o = cJSON_CreateObject();
	srv_json_u64(o, "id", res.id);
	cJSON_AddItemToObject(o, "task_list", task_list(s));
	return srv_reply_json(c, 200, o);
}

static void emit_log(void *ctx, const struct srv_event *ev)
{
	cJSON *a = ctx, *e = cJSON_CreateObject(), *l;

	if (!e)
		return;
	srv_json_u64(e, "cursor", ev->cursor);
	l = cJSON_AddObjectToObject(e, "log");
	if (l) {
		cJSON_AddStringToObject(l, "log", ev->line);
		srv_json_u64(l, "timestamp", ev->time_ns);
		cJSON_AddStringToObject(l, "log_type", "plain");
	}
	cJSON_AddItemToArray(a, e);
}

static int compat_log(struct srv *s, struct MHD_Connection *c, cJSON *body)
{
	cJSON *mc = cJSON_GetObjectItemCaseSensitive(body, "maximum_count"), *a;
	uint64_t id, cursor = 0, max = 1000;
	struct srv_prog *p;
	bool gone;

	if (get_id(body, "id", &id))
		return compat_error(c, 400, "id: expected a task id");
	if (cJSON_GetObjectItemCaseSensitive(body, "log_cursor") &&
	    get_id(body, "log_cursor", &cursor))
		return compat_error(c, 400, "log_cursor: expected a cursor");
	if (mc && (get_id(body, "maximum_count", &max) || !max))
		return compat_error(c, 400, "maximum_count: expected a positive count");
	p = srv_prog_get(s, id);
	if (!p)
		return compat_error(c, 404, "Invalid handle");
	a = cJSON_CreateArray();
	if (a) /* log_cursor is inclusive there; cursors start at 1 here */
		srv_prog_read(p, cursor ? cursor - 1 : 0, (size_t)max, 0, emit_log, a, &gone);
	srv_prog_put(p);
	return srv_reply_json(c, 200, a);
}

int srv_compat_route(struct srv *s, struct MHD_Connection *c, const char *method, const char *url,
		     const char *body, size_t body_len)
{
	bool is_post = !strcmp(method, "POST");
	struct srv_prog *p;
	cJSON *doc;
	uint64_t id;
	char *msg = NULL;
	int ret, err;

	if (!strcmp(url, "/task") && !strcmp(method, "GET"))
		return srv_reply_json(c, 200, task_list(s));
	if (strcmp(url, "/task") && strcmp(url, "/stop") && strcmp(url, "/log") &&
	    strcmp(url, "/pause") && strcmp(url, "/resume"))
		return -1;
	if (!is_post)
		return compat_error(c, 405, "use POST");
	doc = cJSON_ParseWithLength(body, body_len);
	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		return compat_error(c, 400, "the request body is not a JSON object");
	}
	if (!strcmp(url, "/task")) {
		ret = compat_start(s, c, doc);
	} else if (!strcmp(url, "/log")) {
		ret = compat_log(s, c, doc);
	} else if (get_id(doc, "id", &id)) {
		ret = compat_error(c, 400, "id: expected a task id");
	} else if (!strcmp(url, "/stop")) {
		ret = srv_prog_stop(s, id) ? compat_error(c, 404, "Invalid handle")
					   : srv_reply_json(c, 200, cJSON_CreateObject());
	} else if (!(p = srv_prog_get(s, id))) {
		ret = compat_error(c, 404, "Invalid handle");
	} else {
		err = srv_prog_pause(p, !strcmp(url, "/pause"), &msg);
		if (err)
			ret = compat_error(c, 400, msg ? msg : eunomia_strerror(err));
		else
			ret = srv_reply_json(c, 200, cJSON_CreateString(task_status(p)));
		free(msg);
		srv_prog_put(p);
	}
	cJSON_Delete(doc);
	return ret;
}
