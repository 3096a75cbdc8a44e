/* SPDX-License-Identifier: MIT */
/* `ecli client`: the HTTP side (client_http.c) used by the commands (client.c). */
#ifndef EUNOMIA_ECLI_CLIENT_H
#define EUNOMIA_ECLI_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "ecli/ecli.h"
#include "ecli/sbuf.h"

struct client {
	bool is_unix, tls, json;
	char *path;	   /* unix socket */
	char *host, *port; /* http(s) */
	char *token;
	const char *cacert;
	const char *desc; /* the endpoint as given */
};

struct http_reply {
	int status;
	struct sbuf body;
};

/* Parse unix:PATH, http://HOST:PORT or https://HOST:PORT. 0 or -1 (message printed). */
int client_endpoint(struct client *cl, const char *endpoint);
/* Read the bearer token (first line). 0 or -1 (message printed). */
int client_token(struct client *cl, const char *path);
/* One request, one connection; 0 with the reply, or -1 (message printed). */
int client_http(struct client *cl, const char *method, const char *path, const char *body,
		size_t len, struct http_reply *rep);
/* Read a package file into the request: "package" (text) or "package_base64" (binary). */
int client_add_package(cJSON *req, const char *path);
void client_free(struct client *cl);

#endif
