// SPDX-License-Identifier: MIT
/*
 * The registry client of `ecli push/pull/run REF`: references, libcurl (dlopen, as the loader
 * does for URLs), the WWW-Authenticate dance (Basic, and Bearer with a token from the realm),
 * credentials from -u/--password-stdin or ~/.docker/config.json, registry error codes, and the
 * content-addressed cache.
 */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/curl.h"
#include "common/fileio.h"
#include "common/util.h"
#include "ecli/oci.h"

#define OCI_TIMEOUT_S 60
#define BODY_MAX      ((size_t)256 << 20)

/* ---- references ------------------------------------------------------------------------- */

static bool is_hostname(const char *s, size_t n)
{
	return memchr(s, '.', n) || memchr(s, ':', n) || (n == 9 && !strncmp(s, "localhost", 9));
}

int oci_ref_parse(const char *s, struct oci_ref *r, char *err, size_t errsz)
{
	const char *slash, *at, *rest, *colon;
	char repo[480];
	size_t n;

	memset(r, 0, sizeof(*r));
	if (!strncmp(s, "oci://", 6))
		s += 6;
	slash = strchr(s, '/');
	if (slash && is_hostname(s, (size_t)(slash - s))) {
		n = (size_t)(slash - s);
		if (n >= sizeof(r->host))
			goto bad;
		memcpy(r->host, s, n);
		rest = slash + 1;
		snprintf(r->cred_key, sizeof(r->cred_key), "%s", r->host);
	} else {
		snprintf(r->host, sizeof(r->host), "registry-1.docker.io");
		snprintf(r->cred_key, sizeof(r->cred_key), "https://index.docker.io/v1/");
		rest = s;
	}
	at = strchr(rest, '@');
	if (at) {
		const char *hex = at + 1 + 7;

		if (strncmp(at + 1, "sha256:", 7) || strlen(hex) != 64 ||
		    strspn(hex, "0123456789abcdef") != 64) {
			eun_seterr(err, errsz,
				   "'%s': a digest is @sha256: and 64 lower-case hex digits", s);
			return -1;
		}
		snprintf(r->digest, sizeof(r->digest), "%s", at + 1);
		n = (size_t)(at - rest);
	} else {
		n = strlen(rest);
	}
	if (!n || n >= sizeof(repo))
		goto bad;
	memcpy(repo, rest, n);
	repo[n] = 0;
	colon = strrchr(repo, ':');
	if (colon && !strchr(colon, '/')) {
		if (strlen(colon + 1) >= sizeof(r->tag) || !colon[1])
			goto bad;
		snprintf(r->tag, sizeof(r->tag), "%s", colon + 1);
		repo[colon - repo] = 0;
	}
	if (!r->tag[0] && !r->digest[0])
		snprintf(r->tag, sizeof(r->tag), "latest");
	for (const char *p = repo; *p; p++)
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) ||
		      strchr("._-/", *p)))
			goto bad;
	for (const char *p = r->tag; *p; p++)
		if (!(isalnum((unsigned char)*p) || strchr("._-", *p)))
			goto bad;
	if (!repo[0] || repo[0] == '/' || repo[strlen(repo) - 1] == '/')
		goto bad;
	if (!strcmp(r->host, "registry-1.docker.io") && !strchr(repo, '/'))
		snprintf(r->repo, sizeof(r->repo), "library/%s", repo);
	else
		snprintf(r->repo, sizeof(r->repo), "%s", repo);
	return 0;
bad:
	eun_seterr(err, errsz,
		   "'%s' is not a registry reference (host[:port]/repository[:tag][@sha256:HEX], "
		   "lower-case repository)",
		   s);
	return -1;
}

bool oci_looks_like_ref(const char *loc)
{
	const char *slash = strchr(loc, '/');
	size_t n = strlen(loc);
	struct stat st;

	if (!strncmp(loc, "oci://", 6))
		return true;
	if (!slash || strstr(loc, "://") || !stat(loc, &st))
		return false;
	if ((n > 5 && !strcmp(loc + n - 5, ".json")) || (n > 5 && !strcmp(loc + n - 5, ".yaml")) ||
	    (n > 4 && !strcmp(loc + n - 4, ".yml")) || (n > 4 && !strcmp(loc + n - 4, ".tar")))
		return false;
	return is_hostname(loc, (size_t)(slash - loc));
}

/* ---- credentials -------------------------------------------------------------------------- */

static bool loopback(const char *host)
{
	return !strncmp(host, "127.", 4) || !strncmp(host, "localhost", 9) ||
	       !strncmp(host, "[::1]", 5);
}

/* ~/.docker/config.json (or $DOCKER_CONFIG/config.json) auths[key].auth = base64(user:pass). */
static void docker_config_creds(struct oci_client *c)
{
	struct strbuf sb = STRBUF_INIT;
	const char *dir = getenv("DOCKER_CONFIG"), *home = getenv("HOME");
	char path[4096];
	cJSON *root, *auths, *e;

	if (dir && *dir)
		snprintf(path, sizeof(path), "%s/config.json", dir);
	else if (home && *home)
		snprintf(path, sizeof(path), "%s/.docker/config.json", home);
	else
		return;
	if (eun_read_file(path, 0, 1 << 20, &sb)) {
		sb_free(&sb);
		return;
	}
	root = cJSON_Parse(sb_str(&sb));
	sb_free(&sb);
	auths = cJSON_GetObjectItemCaseSensitive(root, "auths");
	cJSON_ArrayForEach(e, auths) {
		const char *k = e->string, *h = k;
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(e, "auth");
		unsigned char dec[1024];
		size_t dl = 0;
		char *colon;

		if (!strncmp(h, "https://", 8))
			h += 8;
		else if (!strncmp(h, "http://", 7))
			h += 7;
		if (strcmp(k, c->ref.cred_key) && strncmp(h, c->ref.host, strlen(c->ref.host)))
			continue;
		if (strcmp(k, c->ref.cred_key) && h[strlen(c->ref.host)] &&
		    h[strlen(c->ref.host)] != '/')
			continue;
		if (!cJSON_IsString(a) ||
		    sodium_base642bin(dec, sizeof(dec) - 1, a->valuestring, strlen(a->valuestring),
				      NULL, &dl, NULL, sodium_base64_VARIANT_ORIGINAL))
			continue;
		dec[dl] = 0;
		colon = strchr((char *)dec, ':');
		if (!colon)
			continue;
		*colon = 0;
		c->user = strdup((char *)dec);
		c->pass = strdup(colon + 1);
		sodium_memzero(dec, sizeof(dec));
		break;
	}
	cJSON_Delete(root);
}

int oci_client_init(struct oci_client *c, const char *who, const char *ref, bool plain_http,
		    const char *user, const char *pass, bool push)
{
	char err[512];

	memset(c, 0, sizeof(*c));
	c->who = who;
	c->actions = push ? "pull,push" : "pull";
	c->plain_http = plain_http;
	if (oci_ref_parse(ref, &c->ref, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", who, err);
		return -1;
	}
	snprintf(c->base, sizeof(c->base), "%s://%s",
		 plain_http || loopback(c->ref.host) ? "http" : "https", c->ref.host);
	if (user) {
		c->user = strdup(user);
		c->pass = strdup(pass ? pass : "");
	} else {
		docker_config_creds(c);
	}
	return 0;
}

void oci_client_free(struct oci_client *c)
{
	if (c->pass)
		sodium_memzero(c->pass, strlen(c->pass));
	free(c->user);
	free(c->pass);
	free(c->authz);
	c->user = c->pass = c->authz = NULL;
}

/* ---- requests ----------------------------------------------------------------------------- */

void oci_resp_free(struct oci_resp *r)
{
	sb_free(&r->body);
	memset(r, 0, sizeof(*r));
}

struct xfer {
	struct oci_resp *r;
	char www_auth[1024];
	bool too_big;
};

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ctx)
{
	struct xfer *x = ctx;
	size_t n = size * nmemb;

	if (x->r->body.len + n > BODY_MAX) {
		x->too_big = true;
		return 0;
	}
	return sb_add(&x->r->body, ptr, n) ? 0 : n;
}

static void header_value(const char *line, size_t n, const char *name, char *out, size_t outsz)
{
	size_t nl = strlen(name), vl;

	if (n <= nl || strncasecmp(line, name, nl) || line[nl] != ':')
		return;
	line += nl + 1;
	n -= nl + 1;
	while (n && (*line == ' ' || *line == '\t'))
		line++, n--;
	while (n && (line[n - 1] == '\r' || line[n - 1] == '\n' || line[n - 1] == ' '))
		n--;
	vl = n < outsz - 1 ? n : outsz - 1;
	memcpy(out, line, vl);
	out[vl] = 0;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *ctx)
{
	struct xfer *x = ctx;
	size_t n = size * nmemb;

	if (n > 5 && !strncmp(ptr, "HTTP/", 5)) { /* a new response (after a redirect) */
		x->www_auth[0] = 0;
		x->r->location[0] = x->r->content_type[0] = x->r->docker_digest[0] = 0;
		x->r->oci_subject = false;
	}
	header_value(ptr, n, "WWW-Authenticate", x->www_auth, sizeof(x->www_auth));
	header_value(ptr, n, "Location", x->r->location, sizeof(x->r->location));
	header_value(ptr, n, "Content-Type", x->r->content_type, sizeof(x->r->content_type));
	header_value(ptr, n, "Docker-Content-Digest", x->r->docker_digest,
		     sizeof(x->r->docker_digest));
	if (n > 12 && !strncasecmp(ptr, "OCI-Subject:", 12))
		x->r->oci_subject = true;
	return n;
}

/* One transfer. 0, or -1 after a message. */
static int perform(struct oci_client *c, const char *method, const char *url, const char *ctype,
		   const char *accept, const void *body, size_t len, const char *userpwd,
		   struct xfer *x)
{
	char cerr[CURL_ERROR_SIZE] = "", hdr[4096];
	struct curl_slist *h = NULL;
	CURLcode cc, curl_init_status;
	const char *curl_missing;
	CURL *e;

	curl_missing = eun_curl_load(&curl_init_status);
	if (curl_missing) {
		fprintf(stderr, "%s: cannot load %s, needed for registries: install libcurl4\n",
			c->who, curl_missing);
		return -1;
	}
	if (curl_init_status != CURLE_OK || !(e = eun_curl.easy_init())) {
		fprintf(stderr, "%s: libcurl failed to initialise\n", c->who);
		return -1;
	}
	sb_free(&x->r->body);
	x->r->status = 0;
	eun_curl.easy_setopt(e, CURLOPT_URL, url);
	eun_curl.easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	eun_curl.easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	eun_curl.easy_setopt(e, CURLOPT_FOLLOWLOCATION, strcmp(method, "GET") ? 0L : 1L);
	eun_curl.easy_setopt(e, CURLOPT_MAXREDIRS, 10L);
	eun_curl.easy_setopt(e, CURLOPT_TIMEOUT, (long)OCI_TIMEOUT_S);
	eun_curl.easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	eun_curl.easy_setopt(e, CURLOPT_ERRORBUFFER, cerr);
	eun_curl.easy_setopt(e, CURLOPT_USERAGENT, "eunomia/" EUNOMIA_VERSION);
	eun_curl.easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	eun_curl.easy_setopt(e, CURLOPT_WRITEDATA, x);
	eun_curl.easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	eun_curl.easy_setopt(e, CURLOPT_HEADERDATA, x);
	if (!strcmp(method, "HEAD")) {
		eun_curl.easy_setopt(e, CURLOPT_NOBODY, 1L);
	} else if (strcmp(method, "GET")) {
		eun_curl.easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
		eun_curl.easy_setopt(e, CURLOPT_POSTFIELDS, body ? body : "");
		eun_curl.easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	}
	if (userpwd) {
		eun_curl.easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		eun_curl.easy_setopt(e, CURLOPT_USERPWD, userpwd);
	}
	if (ctype) {
		snprintf(hdr, sizeof(hdr), "Content-Type: %s", ctype);
		h = eun_curl.slist_append(h, hdr);
	}
	if (accept) {
		snprintf(hdr, sizeof(hdr), "Accept: %s", accept);
		h = eun_curl.slist_append(h, hdr);
	}
	if (c->authz && !userpwd)
		h = eun_curl.slist_append(h, c->authz);
	h = eun_curl.slist_append(h, "Expect:");
	eun_curl.easy_setopt(e, CURLOPT_HTTPHEADER, h);
	cc = eun_curl.easy_perform(e);
	eun_curl.easy_getinfo(e, CURLINFO_RESPONSE_CODE, &x->r->status);
	eun_curl.easy_cleanup(e);
	eun_curl.slist_free_all(h);
	if (x->too_big) {
		fprintf(stderr, "%s: %s: the answer is larger than %zu MiB\n", c->who, url,
			BODY_MAX >> 20);
		return -1;
	}
	if (cc != CURLE_OK) {
		fprintf(stderr, "%s: %s: %s%s\n", c->who, url,
			cerr[0] ? cerr : eun_curl.easy_strerror(cc),
			cc == CURLE_COULDNT_CONNECT ? " (is the registry running?)" : "");
		return -1;
	}
	return 0;
}

/* key="value" from a challenge's parameters into out. */
static void challenge_param(const char *ch, const char *key, char *out, size_t outsz)
{
	size_t kl = strlen(key);
	const char *p = ch;

	out[0] = 0;
	while ((p = strcasestr(p, key))) {
		if ((p == ch || p[-1] == ' ' || p[-1] == ',') && p[kl] == '=') {
			const char *v = p + kl + 1, *end;

			if (*v == '"')
				end = strchr(++v, '"');
			else
				end = v + strcspn(v, ",");
			if (!end)
				end = v + strlen(v);
			snprintf(out, outsz, "%.*s", (int)(end - v), v);
			return;
		}
		p += kl;
	}
}

static char *basic_header(const char *user, const char *pass)
{
	char raw[1024], b64[sodium_base64_ENCODED_LEN(1024, sodium_base64_VARIANT_ORIGINAL)],
		*out = NULL;
	int n = snprintf(raw, sizeof(raw), "%s:%s", user, pass);

	if (n < 0 || (size_t)n >= sizeof(raw))
		return NULL;
	sodium_bin2base64(b64, sizeof(b64), (unsigned char *)raw, (size_t)n,
			  sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(raw, sizeof(raw));
	if (asprintf(&out, "Authorization: Basic %s", b64) < 0)
		return NULL;
	return out;
}

/* Answer a 401's challenge: set c->authz. 0, or -1 after a message. */
static int authenticate(struct oci_client *c, const char *challenge, const struct oci_resp *r0)
{
	char realm[1024], service[256], scope[700], url[4096], userpwd[1024], err[512];
	struct oci_resp tr = {0};
	struct xfer x = {.r = &tr};
	cJSON *j, *t;
	char *es, *esc;

	if (!strncasecmp(challenge, "Basic", 5)) {
		if (!c->user) {
			oci_resp_error(c, r0, err, sizeof(err));
			fprintf(stderr,
				"%s: %s; give credentials with -u USER --password-stdin or `docker "
				"login %s`\n",
				c->who, err, c->ref.host);
			return -1;
		}
		free(c->authz);
		c->authz = basic_header(c->user, c->pass);
		return c->authz ? 0 : -1;
	}
	if (strncasecmp(challenge, "Bearer", 6)) {
		fprintf(stderr, "%s: %s asks for an authentication scheme ecli does not know: %s\n",
			c->who, c->ref.host, challenge);
		return -1;
	}
	challenge_param(challenge + 6, "realm", realm, sizeof(realm));
	challenge_param(challenge + 6, "service", service, sizeof(service));
	if (!realm[0]) {
		fprintf(stderr, "%s: %s's bearer challenge names no realm\n", c->who, c->ref.host);
		return -1;
	}
	snprintf(scope, sizeof(scope), "repository:%s:%s", c->ref.repo, c->actions);
	if (eun_curl_load(NULL))
		return perform(c, "GET", realm, NULL, NULL, NULL, 0, NULL, &x);
	es = eun_curl.easy_escape(NULL, service, 0);
	esc = eun_curl.easy_escape(NULL, scope, 0);
	snprintf(url, sizeof(url), "%s%sservice=%s&scope=%s", realm, strchr(realm, '?') ? "&" : "?",
		 es ? es : "", esc ? esc : "");
	eun_curl.free(es);
	eun_curl.free(esc);
	if (c->user)
		snprintf(userpwd, sizeof(userpwd), "%s:%s", c->user, c->pass);
	free(c->authz);
	c->authz = NULL;
	if (perform(c, "GET", url, NULL, "application/json", NULL, 0, c->user ? userpwd : NULL,
		    &x)) {
		sodium_memzero(userpwd, sizeof(userpwd));
		oci_resp_free(&tr);
		return -1;
	}
	sodium_memzero(userpwd, sizeof(userpwd));
	if (tr.status != 200) {
		oci_resp_error(c, &tr, err, sizeof(err));
		fprintf(stderr, "%s: the token service %s refused: %s\n", c->who, realm, err);
		oci_resp_free(&tr);
		return -1;
	}
	j = cJSON_Parse(sb_str(&tr.body));
	t = cJSON_GetObjectItemCaseSensitive(j, "token");
	if (!cJSON_IsString(t))
		t = cJSON_GetObjectItemCaseSensitive(j, "access_token");
	if (cJSON_IsString(t) &&
	    asprintf(&c->authz, "Authorization: Bearer %s", t->valuestring) < 0)
		c->authz = NULL;
	cJSON_Delete(j);
	oci_resp_free(&tr);
	if (!c->authz) {
		fprintf(stderr, "%s: the token service %s gave no token\n", c->who, realm);
		return -1;
	}
	return 0;
}

int oci_request(struct oci_client *c, const char *method, const char *path, const char *ctype,
		const char *accept, const void *body, size_t len, struct oci_resp *r)
{
	char url[4096];
	struct xfer x = {.r = r};

	if (strstr(path, "://"))
		snprintf(url, sizeof(url), "%s", path);
	else
		snprintf(url, sizeof(url), "%s%s", c->base, path);
	if (perform(c, method, url, ctype, accept, body, len, NULL, &x))
		return -1;
	if (r->status != 401 || !x.www_auth[0])
		return 0;
	if (authenticate(c, x.www_auth, r))
		return -1;
	x = (struct xfer){.r = r};
	return perform(c, method, url, ctype, accept, body, len, NULL, &x);
}

void oci_resp_error(const struct oci_client *c, const struct oci_resp *r, char *err, size_t errsz)
{
	cJSON *j = r->body.len ? cJSON_Parse(sb_str(&r->body)) : NULL;
	cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "errors"), 0);
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "code");
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(e, "message");

	if (cJSON_IsString(code))
		eun_seterr(err, errsz, "%s answered %ld %s: %s", c->ref.host, r->status,
			   code->valuestring, cJSON_IsString(msg) ? msg->valuestring : "");
	else
		eun_seterr(err, errsz, "%s answered %ld %s", c->ref.host, r->status,
			   r->status == 401   ? "UNAUTHORIZED: authentication required"
			   : r->status == 403 ? "DENIED: access denied"
			   : r->status == 404 ? "NOT_FOUND"
					      : "(HTTP status)");
	cJSON_Delete(j);
}

int oci_http_get(const char *who, const char *url, struct strbuf *out, long *status)
{
	struct oci_client c = {.who = who};
	struct oci_resp r = {0};
	struct xfer x = {.r = &r};
	int rc = perform(&c, "GET", url, NULL, NULL, NULL, 0, NULL, &x);

	*status = r.status;
	sb_free(out);
	*out = r.body;
	return rc;
}

/* ---- cache ------------------------------------------------------------------------------- */

int oci_cache_path(char *out, size_t size, const char *kind, const char *digest, const char *suffix)
{
	const char *env = getenv("EUNOMIA_OCI_CACHE"), *xdg = getenv("XDG_CACHE_HOME"),
		   *home = getenv("HOME"), *hex = strchr(digest, ':');
	char dir[4096];

	if (env && *env)
		snprintf(dir, sizeof(dir), "%s", env);
	else if (xdg && *xdg)
		snprintf(dir, sizeof(dir), "%s/eunomia/oci", xdg);
	else if (home && *home)
		snprintf(dir, sizeof(dir), "%s/.cache/eunomia/oci", home);
	else
		return -ENOENT;
	return eun_pathf(out, size, "%s/%s/sha256/%s%s", dir, kind, hex ? hex + 1 : digest,
			 suffix ? suffix : "");
}

void oci_sha256_digest(const void *data, size_t len, char out[80])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, data, len);
	memcpy(out, "sha256:", 7);
	eun_hex_encode(out + 7, h, sizeof(h));
}
