// SPDX-License-Identifier: MIT
/*
 * `ecli push PACKAGE REF`, `ecli pull REF [-o DIR]` and `ecli run REF`: a package as an OCI
 * artifact (an image manifest with our artifactType, the empty config, one layer holding the
 * package's bytes unchanged), its minisign signature as a second artifact whose subject is the
 * package's manifest (the referrers API, else the "sha256-<hex>" tag the OCI spec describes as
 * the fallback), and a content-addressed cache so that a digest that was fetched once runs,
 * and verifies, with no network at all.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/util.h"
#include "ecli/ecli.h"
#include "ecli/oci.h"

#define ACCEPT_MANIFEST OCI_MANIFEST ", " DOCKER_MANIFEST_V2 ", " OCI_INDEX

/* ---- cache ------------------------------------------------------------------------------- */

static int cache_put(const char *kind, const char *digest, const char *suffix, const void *data,
		     size_t len)
{
	char path[4096], *slash;

	if (oci_cache_path(path, sizeof(path), kind, digest, suffix))
		return -1;
	slash = strrchr(path, '/');
	*slash = 0;
	if (eun_mkdir_p(path, 0755))
		return -1;
	*slash = '/';
	return eun_write_file_atomic(path, data, len, 0644) ? -1 : 0;
}

/* The cached blob of digest (verified against it) into sb. 0, or -1 when not cached. */
static int cache_get(const char *kind, const char *digest, const char *suffix, struct strbuf *sb)
{
	char path[4096], d[80];

	sb_free(sb);
	if (oci_cache_path(path, sizeof(path), kind, digest, suffix) ||
	    eun_read_file(path, 0, 0, sb))
		goto miss;
	if (!suffix) {
		oci_sha256_digest(sb->buf ? sb->buf : "", sb->len, d);
		if (strcmp(d, digest))
			goto miss; /* damaged: fetch it again */
	}
	return 0;
miss:
	sb_free(sb);
	return -1;
}

/* ---- blobs and manifests ----------------------------------------------------------------- */

/* Upload data as a blob (skipped when the registry has it): POST, then a monolithic PUT. */
static int push_blob(struct oci_client *c, const void *data, size_t len, const char *digest)
{
	struct oci_resp r = {0};
	char path[1200], url[4096], err[512];
	int rc = -1;

	snprintf(path, sizeof(path), "/v2/%s/blobs/%s", c->ref.repo, digest);
	if (oci_request(c, "HEAD", path, NULL, NULL, NULL, 0, &r))
		goto out;
	if (r.status == 200) {
		rc = 0;
		goto out;
	}
	snprintf(path, sizeof(path), "/v2/%s/blobs/uploads/", c->ref.repo);
	if (oci_request(c, "POST", path, NULL, NULL, NULL, 0, &r))
		goto out;
	if (r.status != 202 || !r.location[0]) {
		oci_resp_error(c, &r, err, sizeof(err));
		fprintf(stderr, "%s: starting an upload to %s: %s\n", c->who, c->ref.repo, err);
		goto out;
	}
	snprintf(url, sizeof(url), "%s%s%sdigest=%s", r.location[0] == '/' ? c->base : "",
		 r.location, strchr(r.location, '?') ? "&" : "?", digest);
	if (oci_request(c, "PUT", url, "application/octet-stream", NULL, data, len, &r))
		goto out;
	if (r.status != 201) {
		oci_resp_error(c, &r, err, sizeof(err));
		fprintf(stderr, "%s: uploading %s: %s\n", c->who, digest, err);
		goto out;
	}
	rc = 0;
out:
	oci_resp_free(&r);
	return rc;
}

static int put_manifest(struct oci_client *c, const char *ref, const char *ctype, const char *text,
			bool *subject)
{
	struct oci_resp r = {0};
	char path[1200], err[512];
	int rc = -1;

	snprintf(path, sizeof(path), "/v2/%s/manifests/%s", c->ref.repo, ref);
	if (oci_request(c, "PUT", path, ctype, NULL, text, strlen(text), &r))
		goto out;
	if (r.status != 201) {
		oci_resp_error(c, &r, err, sizeof(err));
		fprintf(stderr, "%s: pushing the manifest %s:%s: %s\n", c->who, c->ref.repo, ref,
			err);
		goto out;
	}
	if (subject)
		*subject = r.oci_subject;
	rc = 0;
out:
	oci_resp_free(&r);
	return rc;
}

/* GET a manifest (tag or digest): its body into out (an error document when *status is not
 * 200). 0, or -1 after a message when the transfer failed. */
static int get_manifest(struct oci_client *c, const char *ref, const char *accept,
			struct strbuf *out, long *status)
{
	struct oci_resp r = {0};
	char path[1200];

	snprintf(path, sizeof(path), "/v2/%s/manifests/%s", c->ref.repo, ref);
	if (oci_request(c, "GET", path, NULL, accept, NULL, 0, &r)) {
		oci_resp_free(&r);
		return -1;
	}
	*status = r.status;
	sb_free(out);
	*out = r.body;
	r.body = (struct strbuf)STRBUF_INIT;
	oci_resp_free(&r);
	return 0;
}

static int get_blob(struct oci_client *c, const char *digest, struct strbuf *out)
{
	struct oci_resp r = {0};
	char path[1200], err[512], d[80];
	int rc = -1;

	if (!cache_get("blobs", digest, NULL, out))
		return 0;
	snprintf(path, sizeof(path), "/v2/%s/blobs/%s", c->ref.repo, digest);
	if (oci_request(c, "GET", path, NULL, NULL, NULL, 0, &r))
		goto out;
	if (r.status != 200) {
		oci_resp_error(c, &r, err, sizeof(err));
		fprintf(stderr, "%s: fetching the blob %s: %s\n", c->who, digest, err);
		goto out;
	}
	oci_sha256_digest(r.body.buf ? r.body.buf : "", r.body.len, d);
	if (strcmp(d, digest)) {
		fprintf(stderr, "%s: the registry sent a blob whose digest is %s, not %s\n", c->who,
			d, digest);
		goto out;
	}
	cache_put("blobs", digest, NULL, r.body.buf ? r.body.buf : "", r.body.len);
	*out = r.body;
	r.body = (struct strbuf)STRBUF_INIT;
	rc = 0;
out:
	oci_resp_free(&r);
	return rc;
}

/* ---- push -------------------------------------------------------------------------------- */

static const char *layer_type(const char *data, size_t len)
{
	size_t i = 0;

	if (len > 262 && !memcmp(data + 257, "ustar", 5))
		return OCI_LAYER_TAR;
	while (i < len && strchr(" \t\r\n", data[i]))
		i++;
	return i < len && data[i] == '{' ? OCI_LAYER_JSON : OCI_LAYER_YAML;
}

/* Annotations from a JSON package: doc brief/description/version, program and map names. */
static void package_annotations(cJSON *ann, const char *data, size_t len, const char *title)
{
	cJSON *root = cJSON_ParseWithLength(data, len), *skel, *doc, *o, *it;
	struct strbuf names = STRBUF_INIT;

	cJSON_AddStringToObject(ann, "org.opencontainers.image.title", title);
	skel = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "meta"),
						"bpf_skel");
	if (!skel)
		skel = cJSON_GetObjectItemCaseSensitive(root, "bpf_skel");
	doc = cJSON_GetObjectItemCaseSensitive(skel, "doc");
	o = cJSON_GetObjectItemCaseSensitive(doc, "version");
	if (cJSON_IsString(o))
		cJSON_AddStringToObject(ann, "org.opencontainers.image.version", o->valuestring);
	o = cJSON_GetObjectItemCaseSensitive(doc, "brief");
	if (!cJSON_IsString(o))
		o = cJSON_GetObjectItemCaseSensitive(doc, "description");
	if (cJSON_IsString(o))
		cJSON_AddStringToObject(ann, "org.opencontainers.image.description",
					o->valuestring);
	o = cJSON_GetObjectItemCaseSensitive(skel, "obj_name");
	if (cJSON_IsString(o))
		cJSON_AddStringToObject(ann, "io.eunomia.package.object", o->valuestring);
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(skel, "progs")) {
		o = cJSON_GetObjectItemCaseSensitive(it, "name");
		if (cJSON_IsString(o))
			sb_addf(&names, "%s%s", names.len ? "," : "", o->valuestring);
	}
	if (names.len)
		cJSON_AddStringToObject(ann, "io.eunomia.package.programs", sb_str(&names));
	sb_free(&names);
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(skel, "maps")) {
		o = cJSON_GetObjectItemCaseSensitive(it, "name");
		if (cJSON_IsString(o) && !strchr(o->valuestring, '.'))
			sb_addf(&names, "%s%s", names.len ? "," : "", o->valuestring);
	}
	if (names.len)
		cJSON_AddStringToObject(ann, "io.eunomia.package.maps", sb_str(&names));
	sb_free(&names);
	cJSON_Delete(root);
}

static cJSON *descriptor(const char *media, const char *digest, size_t size)
{
	cJSON *d = cJSON_CreateObject();

	cJSON_AddStringToObject(d, "mediaType", media);
	cJSON_AddStringToObject(d, "digest", digest);
	cJSON_AddNumberToObject(d, "size", (double)size);
	return d;
}

/* An image manifest: artifactType, the empty config, one layer; subject may be NULL. */
static char *artifact_manifest(const char *artifact_type, cJSON *layer, cJSON *subject,
			       cJSON *annotations)
{
	cJSON *m = cJSON_CreateObject(), *cfg, *layers;
	char *text;

	cJSON_AddNumberToObject(m, "schemaVersion", 2);
	cJSON_AddStringToObject(m, "mediaType", OCI_MANIFEST);
	cJSON_AddStringToObject(m, "artifactType", artifact_type);
	cfg = descriptor(OCI_EMPTY, OCI_EMPTY_DIGEST, 2);
	cJSON_AddStringToObject(cfg, "data", "e30=");
	cJSON_AddItemToObject(m, "config", cfg);
	layers = cJSON_AddArrayToObject(m, "layers");
	cJSON_AddItemToArray(layers, layer);
	if (subject)
		cJSON_AddItemToObject(m, "subject", subject);
	if (annotations)
		cJSON_AddItemToObject(m, "annotations", annotations);
	text = cJSON_PrintUnformatted(m);
	cJSON_Delete(m);
	return text;
}

/* Push the signature sig as an artifact whose subject is the manifest mdigest (msize bytes),
 * and where the registry has no referrers API, list it in the "sha256-<hex>" index tag. */
static int push_signature(struct oci_client *c, const char *sig, const char *mdigest, size_t msize)
{
	char sdigest[80], mdig2[80], tag[80];
	struct strbuf idx = STRBUF_INIT;
	cJSON *layer, *root, *list, *d;
	bool has_referrers = false;
	char *text, *itext;
	long status = 0;
	int rc = -1;

	oci_sha256_digest(sig, strlen(sig), sdigest);
	if (push_blob(c, "{}", 2, OCI_EMPTY_DIGEST) || push_blob(c, sig, strlen(sig), sdigest))
		return -1;
	layer = descriptor(OCI_SIG_TYPE, sdigest, strlen(sig));
	text = artifact_manifest(OCI_SIG_TYPE, layer, descriptor(OCI_MANIFEST, mdigest, msize),
				 NULL);
	if (!text)
		return -1;
	oci_sha256_digest(text, strlen(text), mdig2);
	if (put_manifest(c, mdig2, OCI_MANIFEST, text, &has_referrers))
		goto out;
	if (has_referrers) {
		rc = 0;
		goto out;
	}
	snprintf(tag, sizeof(tag), "sha256-%s", mdigest + 7);
	if (get_manifest(c, tag, OCI_INDEX, &idx, &status))
		goto out;
	root = status == 200 ? cJSON_Parse(sb_str(&idx)) : NULL;
	if (!root) {
		root = cJSON_CreateObject();
		cJSON_AddNumberToObject(root, "schemaVersion", 2);
		cJSON_AddStringToObject(root, "mediaType", OCI_INDEX);
	}
	list = cJSON_GetObjectItemCaseSensitive(root, "manifests");
	if (!cJSON_IsArray(list))
		list = cJSON_AddArrayToObject(root, "manifests");
	d = descriptor(OCI_MANIFEST, mdig2, strlen(text));
	cJSON_AddStringToObject(d, "artifactType", OCI_SIG_TYPE);
	cJSON_AddItemToArray(list, d);
	itext = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	rc = itext ? put_manifest(c, tag, OCI_INDEX, itext, NULL) : -1;
	free(itext);
out:
	sb_free(&idx);
	free(text);
	return rc;
}

static int read_password_stdin(char **pass)
{
	struct strbuf sb = STRBUF_INIT;

	if (eun_read_fd(0, 4096, &sb)) {
		sb_free(&sb);
		return -1;
	}
	while (sb.len && (sb.buf[sb.len - 1] == '\n' || sb.buf[sb.len - 1] == '\r'))
		sb.buf[--sb.len] = 0;
	*pass = sb_detach(&sb);
	return *pass ? 0 : -1;
}

struct net_opts {
	bool plain_http;
	const char *user;
	char *pass;
	const char *out_dir;
	const char *sign_key;
};

static int parse_net_opts(int argc, char **argv, const char *who, bool push, struct net_opts *o,
			  void (*help)(FILE *))
{
	static const struct option opts[] = {
		{"plain-http", no_argument, NULL, 'P'},
		{"username", required_argument, NULL, 'u'},
		{"password-stdin", no_argument, NULL, 'S'},
		{"output", required_argument, NULL, 'o'},
		{"sign", required_argument, NULL, 'k'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	bool pw_stdin = false;
	int opt;

	memset(o, 0, sizeof(*o));
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, push ? "u:h" : "u:o:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'P':
			o->plain_http = true;
			break;
		case 'u':
			o->user = optarg;
			break;
		case 'S':
			pw_stdin = true;
			break;
		case 'o':
			if (push)
				goto bad;
			o->out_dir = optarg;
			break;
		case 'k':
			if (!push)
				goto bad;
			o->sign_key = optarg;
			break;
		case 'h':
			help(stdout);
			return 1;
		default:
			goto bad;
		}
	}
	if (pw_stdin && !o->user) {
		fprintf(stderr, "%s: --password-stdin needs -u USER\n", who);
		return -1;
	}
	if (pw_stdin && read_password_stdin(&o->pass)) {
		fprintf(stderr, "%s: cannot read the password from standard input\n", who);
		return -1;
	}
	return 0;
bad:
	fprintf(stderr, "%s: bad option '%s'; see `%s --help`\n", who, argv[optind - 1], who);
	return -1;
}

static void push_help(FILE *f)
{
	fprintf(f,
		"Usage: ecli push [OPTIONS] PACKAGE REF\n"
		"\n"
		"Upload PACKAGE (package.json, .yaml or .tar, bytes unchanged) to an OCI registry as\n"
		"an artifact of type " OCI_ARTIFACT_TYPE ".\n"
		"REF is host[:port]/repository[:tag] (tag default: latest). Prints REF@sha256:...\n"
		"\n"
		"Options:\n"
		"      --sign KEY         also push a minisign signature made with the secret KEY,\n"
		"                         as an artifact referring to the package's manifest\n"
		"  -u, --username USER    registry user (default: ~/.docker/config.json)\n"
		"      --password-stdin   read the password from standard input\n"
		"      --plain-http       http:// even for a registry that is not on loopback\n"
		"  -h, --help             show this help\n");
}

int do_push(int argc, char **argv)
{
	struct strbuf data = STRBUF_INIT;
	struct oci_client c;
	struct net_opts o;
	char ldigest[80], mdigest[80], *text = NULL, *sig = NULL, *title;
	const char *pkg, *ref;
	cJSON *layer, *ann;
	int r, rc = ECLI_EXIT_FAIL;

	r = parse_net_opts(argc, argv, "ecli push", true, &o, push_help);
	if (r)
		return r > 0 ? ECLI_EXIT_OK : ECLI_EXIT_USAGE;
	if (argc - optind != 2) {
		fprintf(stderr, "ecli push: expects PACKAGE REF\n");
		push_help(stderr);
		free(o.pass);
		return ECLI_EXIT_USAGE;
	}
	pkg = argv[optind];
	ref = argv[optind + 1];
	if (oci_client_init(&c, "ecli push", ref, o.plain_http, o.user, o.pass, true)) {
		free(o.pass);
		return ECLI_EXIT_USAGE;
	}
	if (c.ref.digest[0]) {
		fprintf(stderr, "ecli push: push to a tag, not a digest ('%s')\n", ref);
		rc = ECLI_EXIT_USAGE;
		goto out;
	}
	r = eun_read_file(pkg, 0, 0, &data);
	if (r) {
		fprintf(stderr, "ecli push: cannot read '%s': %s\n", pkg, strerror(-r));
		goto out;
	}
	if (o.sign_key &&
	    ecli_sign_bytes(o.sign_key, data.buf ? data.buf : "", data.len, pkg, NULL, &sig))
		goto out;
	oci_sha256_digest(data.buf ? data.buf : "", data.len, ldigest);
	if (push_blob(&c, "{}", 2, OCI_EMPTY_DIGEST) ||
	    push_blob(&c, data.buf ? data.buf : "", data.len, ldigest))
		goto out;
	title = strrchr(pkg, '/') ? strrchr(pkg, '/') + 1 : (char *)pkg;
	layer = descriptor(layer_type(data.buf ? data.buf : "", data.len), ldigest, data.len);
	ann = cJSON_CreateObject();
	cJSON_AddStringToObject(ann, "org.opencontainers.image.title", title);
	cJSON_AddItemToObject(layer, "annotations", ann);
	ann = cJSON_CreateObject();
	package_annotations(ann, data.buf ? data.buf : "", data.len, title);
	text = artifact_manifest(OCI_ARTIFACT_TYPE, layer, NULL, ann);
	if (!text)
		goto out;
	oci_sha256_digest(text, strlen(text), mdigest);
	if (put_manifest(&c, c.ref.tag, OCI_MANIFEST, text, NULL))
		goto out;
	cache_put("blobs", mdigest, NULL, text, strlen(text));
	cache_put("blobs", ldigest, NULL, data.buf ? data.buf : "", data.len);
	if (sig) {
		if (push_signature(&c, sig, mdigest, strlen(text)))
			goto out;
		cache_put("signatures", mdigest, ".minisig", sig, strlen(sig));
	}
	printf("%s/%s:%s@%s\n", c.ref.host, c.ref.repo, c.ref.tag, mdigest);
	rc = ECLI_EXIT_OK;
out:
	free(sig);
	free(text);
	sb_free(&data);
	oci_client_free(&c);
	if (o.pass)
		free(o.pass);
	return rc;
}

/* ---- pull -------------------------------------------------------------------------------- */

struct pulled {
	char mdigest[80];
	char media[160];
	char title[256];
	struct strbuf data;
	struct strbuf sig; /* empty: none found */
};

static void pulled_free(struct pulled *p)
{
	sb_free(&p->data);
	sb_free(&p->sig);
}

/* The signature artifact of mdigest: referrers API, else the sha256-<hex> tag. */
static int fetch_signature(struct oci_client *c, const char *mdigest, struct strbuf *sig)
{
	struct strbuf idx = STRBUF_INIT, man = STRBUF_INIT;
	struct oci_resp r = {0};
	char path[1200], tag[80];
	cJSON *root = NULL, *it;
	long status = 0;
	int rc = -1;

	if (!cache_get("signatures", mdigest, ".minisig", sig))
		return 0;
	snprintf(path, sizeof(path), "/v2/%s/referrers/%s?artifactType=%s", c->ref.repo, mdigest,
		 OCI_SIG_TYPE);
	if (oci_request(c, "GET", path, NULL, OCI_INDEX, NULL, 0, &r))
		goto out;
	if (r.status == 200 && strstr(r.content_type, "index"))
		root = cJSON_Parse(sb_str(&r.body));
	if (!root) {
		snprintf(tag, sizeof(tag), "sha256-%s", mdigest + 7);
		if (get_manifest(c, tag, OCI_INDEX, &idx, &status))
			goto out;
		if (status == 200)
			root = cJSON_Parse(sb_str(&idx));
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(root, "manifests")) {
		const cJSON *at = cJSON_GetObjectItemCaseSensitive(it, "artifactType");
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(it, "digest");
		cJSON *m, *layer;
		const cJSON *ld;
		char got[80];

		if (!cJSON_IsString(at) || strcmp(at->valuestring, OCI_SIG_TYPE) ||
		    !cJSON_IsString(d))
			continue;
		if (get_manifest(c, d->valuestring, OCI_MANIFEST, &man, &status) || status != 200)
			continue;
		oci_sha256_digest(man.buf ? man.buf : "", man.len, got);
		if (strcmp(got, d->valuestring))
			continue;
		m = cJSON_Parse(sb_str(&man));
		layer = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(m, "layers"), 0);
		ld = cJSON_GetObjectItemCaseSensitive(layer, "digest");
		if (cJSON_IsString(ld) && !get_blob(c, ld->valuestring, sig)) {
			cache_put("signatures", mdigest, ".minisig", sig->buf ? sig->buf : "",
				  sig->len);
			cJSON_Delete(m);
			break;
		}
		cJSON_Delete(m);
	}
	rc = 0;
out:
	cJSON_Delete(root);
	sb_free(&idx);
	sb_free(&man);
	oci_resp_free(&r);
	return rc;
}

/* Resolve c->ref to its manifest and layer (from the cache when by digest and cached). */
static int oci_fetch(struct oci_client *c, bool want_sig, struct pulled *p)
{
	struct strbuf man = STRBUF_INIT;
	cJSON *m = NULL, *layer;
	const cJSON *mt, *ld, *t;
	char err[512];
	long status = 0;
	int rc = -1;

	memset(p, 0, sizeof(*p));
	if (c->ref.digest[0] && !cache_get("blobs", c->ref.digest, NULL, &man)) {
		snprintf(p->mdigest, sizeof(p->mdigest), "%s", c->ref.digest);
	} else {
		const char *ref = c->ref.digest[0] ? c->ref.digest : c->ref.tag;

		if (get_manifest(c, ref, ACCEPT_MANIFEST, &man, &status))
			goto out;
		if (status != 200) {
			struct oci_resp r = {.status = status, .body = man};

			oci_resp_error(c, &r, err, sizeof(err));
			fprintf(stderr, "%s: %s/%s%s%s: %s\n", c->who, c->ref.host, c->ref.repo,
				c->ref.digest[0] ? "@" : ":", ref, err);
			goto out;
		}
		oci_sha256_digest(man.buf ? man.buf : "", man.len, p->mdigest);
		if (c->ref.digest[0] && strcmp(p->mdigest, c->ref.digest)) {
			fprintf(stderr,
				"%s: the registry sent a manifest whose digest is %s, not %s\n",
				c->who, p->mdigest, c->ref.digest);
			goto out;
		}
		cache_put("blobs", p->mdigest, NULL, man.buf, man.len);
	}
	m = cJSON_Parse(sb_str(&man));
	mt = cJSON_GetObjectItemCaseSensitive(m, "mediaType");
	if (cJSON_IsString(mt) && strstr(mt->valuestring, "index")) {
		fprintf(stderr, "%s: %s is an image index, not a package\n", c->who, p->mdigest);
		goto out;
	}
	layer = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(m, "layers"), 0);
	mt = cJSON_GetObjectItemCaseSensitive(layer, "mediaType");
	ld = cJSON_GetObjectItemCaseSensitive(layer, "digest");
	if (!cJSON_IsString(mt) || !cJSON_IsString(ld) ||
	    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(m, "layers")) != 1) {
		fprintf(stderr, "%s: %s is not an eunomia package (not one layer)\n", c->who,
			p->mdigest);
		goto out;
	}
	if (strncmp(mt->valuestring, "application/vnd.eunomia.package.layer.", 38) &&
	    strcmp(mt->valuestring, OCI_WASM_LAYER)) {
		fprintf(stderr, "%s: %s is not an eunomia package (its layer is %s)\n", c->who,
			p->mdigest, mt->valuestring);
		goto out;
	}
	snprintf(p->media, sizeof(p->media), "%s", mt->valuestring);
	t = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(layer, "annotations"),
					     "org.opencontainers.image.title");
	if (cJSON_IsString(t) && t->valuestring[0] && !strchr(t->valuestring, '/') &&
	    strcmp(t->valuestring, "..") && strcmp(t->valuestring, "."))
		snprintf(p->title, sizeof(p->title), "%s", t->valuestring);
	else
		snprintf(p->title, sizeof(p->title), "%s",
			 !strcmp(p->media, OCI_WASM_LAYER)   ? "module.wasm"
			 : !strcmp(p->media, OCI_LAYER_TAR)  ? "package.tar"
			 : !strcmp(p->media, OCI_LAYER_YAML) ? "package.yaml"
							     : "package.json");
	if (get_blob(c, ld->valuestring, &p->data))
		goto out;
	if (want_sig && fetch_signature(c, p->mdigest, &p->sig))
		goto out;
	rc = 0;
out:
	cJSON_Delete(m);
	sb_free(&man);
	if (rc)
		pulled_free(p);
	return rc;
}

static void pull_help(FILE *f)
{
	fprintf(f, "Usage: ecli pull [OPTIONS] REF\n"
		   "\n"
		   "Download the package REF (host[:port]/repository[:tag|@sha256:HEX]) into DIR,\n"
		   "byte-identical to what was pushed, under the name it was pushed with; its\n"
		   "signature too when it has one (NAME.minisig). Wasm modules of eunomia-bpf\n"
		   "(" OCI_WASM_LAYER ") are stored but cannot be run yet.\n"
		   "\n"
		   "Options:\n"
		   "  -o, --output DIR       where the files go (default: .)\n"
		   "  -u, --username USER    registry user (default: ~/.docker/config.json)\n"
		   "      --password-stdin   read the password from standard input\n"
		   "      --plain-http       http:// even for a registry that is not on loopback\n"
		   "  -h, --help             show this help\n");
}

static int write_out(const char *dir, const char *name, const char *suffix, const void *data,
		     size_t len, char *path, size_t size)
{
	if (eun_pathf(path, size, "%s/%s%s", dir, name, suffix) || eun_mkdir_p(dir, 0755) ||
	    eun_write_file_atomic(path, data, len, 0644)) {
		fprintf(stderr, "ecli pull: cannot write '%s/%s%s': %s\n", dir, name, suffix,
			strerror(errno));
		return -1;
	}
	return 0;
}

int do_pull(int argc, char **argv)
{
	struct oci_client c;
	struct net_opts o;
	struct pulled p;
	char path[4096];
	int r, rc = ECLI_EXIT_FAIL;

	r = parse_net_opts(argc, argv, "ecli pull", false, &o, pull_help);
	if (r)
		return r > 0 ? ECLI_EXIT_OK : ECLI_EXIT_USAGE;
	if (argc - optind != 1) {
		fprintf(stderr, "ecli pull: expects one REF\n");
		pull_help(stderr);
		free(o.pass);
		return ECLI_EXIT_USAGE;
	}
	if (oci_client_init(&c, "ecli pull", argv[optind], o.plain_http, o.user, o.pass, false)) {
		free(o.pass);
		return ECLI_EXIT_USAGE;
	}
	if (oci_fetch(&c, true, &p))
		goto out;
	if (write_out(o.out_dir ? o.out_dir : ".", p.title, "", p.data.buf ? p.data.buf : "",
		      p.data.len, path, sizeof(path)))
		goto pout;
	printf("%s\n", path);
	if (p.sig.len) {
		if (write_out(o.out_dir ? o.out_dir : ".", p.title, ".minisig", p.sig.buf,
			      p.sig.len, path, sizeof(path)))
			goto pout;
		printf("%s\n", path);
	}
	if (!strcmp(p.media, OCI_WASM_LAYER))
		fprintf(stderr,
			"ecli pull: stored a Wasm module (%s); ecli cannot run Wasm packages yet\n",
			OCI_WASM_LAYER);
	rc = ECLI_EXIT_OK;
pout:
	pulled_free(&p);
out:
	oci_client_free(&c);
	free(o.pass);
	return rc;
}

/* ---- ecli run REF ------------------------------------------------------------------------ */

struct eunomia_package *ecli_oci_open(const char *loc, const struct run_config *cfg,
				      const struct eunomia_package_opts *po, const char *who)
{
	struct eunomia_package *pkg = NULL;
	bool want_sig = ecli_wants_signature(cfg);
	struct oci_client c;
	struct pulled p;
	char name[1024], where[200];

	if (oci_client_init(&c, who, loc, false, NULL, NULL, false)) {
		errno = EINVAL;
		return NULL;
	}
	if (oci_fetch(&c, want_sig, &p)) {
		oci_client_free(&c);
		errno = ENOENT;
		return NULL;
	}
	snprintf(name, sizeof(name), "%s/%s@%s", c.ref.host, c.ref.repo, p.mdigest);
	if (!strcmp(p.media, OCI_WASM_LAYER)) {
		fprintf(stderr, "%s: %s is a Wasm module (%s); ecli cannot run Wasm packages yet\n",
			who, loc, OCI_WASM_LAYER);
		errno = ENOTSUP;
		goto out;
	}
	snprintf(where, sizeof(where), "signature artifact referring to %s", p.mdigest);
	if (want_sig && ecli_verify_bytes(cfg, who, name, p.data.buf ? p.data.buf : "", p.data.len,
					  p.sig.len ? p.sig.buf : NULL, p.sig.len, where)) {
		errno = EACCES;
		goto out;
	}
	pkg = eunomia_package__open_mem(p.data.buf ? p.data.buf : "", p.data.len, name, po);
out:
	pulled_free(&p);
	oci_client_free(&c);
	return pkg;
}
