/* SPDX-License-Identifier: MIT */
/*
 * Packages in OCI registries (the OCI distribution spec, over libcurl loaded with dlopen):
 * references, the registry client with basic and bearer auth, and the content-addressed cache.
 * See docs/package-format.md, "Packages in OCI registries".
 */
#ifndef EUNOMIA_ECLI_OCI_H
#define EUNOMIA_ECLI_OCI_H

#include <stdbool.h>
#include <stddef.h>

#include "common/strbuf.h"

#define OCI_ARTIFACT_TYPE  "application/vnd.eunomia.package.v1+json"
#define OCI_LAYER_JSON	   "application/vnd.eunomia.package.layer.v1+json"
#define OCI_LAYER_YAML	   "application/vnd.eunomia.package.layer.v1+yaml"
#define OCI_LAYER_TAR	   "application/vnd.eunomia.package.layer.v1.tar"
#define OCI_SIG_TYPE	   "application/vnd.eunomia.package.signature.v1+minisig"
#define OCI_WASM_LAYER	   "application/vnd.wasm.content.layer.v1+wasm"
#define OCI_MANIFEST	   "application/vnd.oci.image.manifest.v1+json"
#define OCI_INDEX	   "application/vnd.oci.image.index.v1+json"
#define OCI_EMPTY	   "application/vnd.oci.empty.v1+json"
#define OCI_EMPTY_DIGEST   "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
#define DOCKER_MANIFEST_V2 "application/vnd.docker.distribution.manifest.v2+json"

struct oci_ref {
	char host[256];	    /* registry host[:port] as addressed */
	char repo[512];	    /* repository path */
	char tag[129];	    /* "" when only a digest is given */
	char digest[80];    /* "sha256:<hex>" or "" */
	char cred_key[300]; /* the ~/.docker/config.json auths key */
};

/* Parse host[:port]/repo[:tag][@sha256:hex], Docker Hub short names (name, user/name), and an
 * optional "oci://" prefix. 0, or -1 with the reason in err. */
int oci_ref_parse(const char *s, struct oci_ref *r, char *err, size_t errsz);

/* Whether `ecli run LOC` means a registry reference: "oci://..." always; otherwise LOC is not
 * an existing file nor a URL, does not end in .json/.yaml/.yml/.tar, and its first component
 * names a host (has a '.' or a ':', or is "localhost"). */
bool oci_looks_like_ref(const char *loc);

struct oci_client {
	struct oci_ref ref;
	const char *who;     /* message prefix */
	char base[300];	     /* scheme://host */
	char *user, *pass;   /* credentials (NULL: none) */
	char *authz;	     /* the Authorization header in use (malloc'ed) */
	const char *actions; /* bearer scope: "pull" or "pull,push" */
	bool plain_http;     /* --plain-http */
};

/* Set up a client for ref: scheme (https, http for loopback hosts or plain_http), credentials
 * from user/pass if given, else ~/.docker/config.json. 0 or -1 after a message. */
int oci_client_init(struct oci_client *c, const char *who, const char *ref, bool plain_http,
		    const char *user, const char *pass, bool push);
void oci_client_free(struct oci_client *c);

struct oci_resp {
	long status;
	struct strbuf body;
	char location[2048];
	char content_type[160];
	char docker_digest[80];
	bool oci_subject; /* the registry answered with an OCI-Subject header */
};
void oci_resp_free(struct oci_resp *r);

/* One request to path (under base, or a full URL), with the auth dance on a 401. 0 when the
 * transfer happened (r->status says how it went), -1 after a message when it did not. */
int oci_request(struct oci_client *c, const char *method, const char *path, const char *ctype,
		const char *accept, const void *body, size_t len, struct oci_resp *r);

/* A plain GET of url (redirects followed) into out; *status the HTTP status. 0, or -1 after a
 * message when the transfer failed. */
int oci_http_get(const char *who, const char *url, struct strbuf *out, long *status);

/* "REGISTRY answered STATUS CODE: message" into err from a failed response. */
void oci_resp_error(const struct oci_client *c, const struct oci_resp *r, char *err, size_t errsz);

/* The cache: <dir>/blobs/sha256/<hex>, <dir>/signatures/sha256/<manifest hex>.minisig.
 * EUNOMIA_OCI_CACHE, else $XDG_CACHE_HOME/eunomia/oci, else ~/.cache/eunomia/oci. */
int oci_cache_path(char *out, size_t size, const char *kind, const char *digest,
		   const char *suffix);

void oci_sha256_digest(const void *data, size_t len, char out[80]);

#endif
