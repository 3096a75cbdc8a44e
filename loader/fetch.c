// SPDX-License-Identifier: MIT
/*
 * Packages from http(s):// URLs (libcurl), with an optional "#sha256=<hex>" pin.
 * libcurl (and what it pulls in: TLS, ssh, ldap, kerberos, nghttp2, ...) is loaded with dlopen
 * on the first URL open, so that ecli does not pay for it at every start-up; the header is
 * only used for types and constants.
 */
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/curl.h"
#include "loader/internal.h"
#include "packer/package.h"
#include "packer/format.h"

#define DEFAULT_MAX_SIZE  EUN_PKG_MAX_SIZE
#define DEFAULT_TIMEOUT_S 30

struct fetch_buf {
	char *data;
	size_t len, cap, max;
	bool too_big;
};

static size_t fetch_write(char *ptr, size_t size, size_t nmemb, void *ctx)
{
	struct fetch_buf *b = ctx;
	size_t n = size * nmemb;

	if (n > b->max - b->len) {
		b->too_big = true;
		return 0; /* aborts the transfer */
	}
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 65536;
		char *p;

		while (cap < b->len + n)
			cap *= 2;
		p = realloc(b->data, cap);
		if (!p)
			return 0;
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	return n;
}

/* GET base into b with libcurl (loaded on first use): 0 or a negative error, told to lg. */
static int fetch_body(const char *base, const struct eunomia_package_opts *o,
		      const struct eun_logger *lg, struct fetch_buf *b)
{
	char cerr[CURL_ERROR_SIZE] = "";
	long status = 0;
	CURLcode cc, curl_init_status;
	const char *curl_missing;
	CURL *h = NULL;
	int ret = 0;

	curl_missing = eun_curl_load(&curl_init_status);
	if (curl_missing) {
		eun_warn(lg,
			 "package '%s': cannot load %s, needed for http(s):// packages: install "
			 "libcurl (Debian: libcurl4), or download the package and give its path",
			 base, curl_missing);
		ret = -EUNOMIA_ERR_FETCH;
		goto done;
	}
	if (curl_init_status != CURLE_OK) {
		eun_warn(lg, "package '%s': libcurl failed to initialise: %s", base,
			 eun_curl.easy_strerror(curl_init_status));
		ret = -EUNOMIA_ERR_FETCH;
		goto done;
	}
	h = eun_curl.easy_init();
	if (!h) {
		ret = -ENOMEM;
		goto done;
	}
	b->max = o->max_size;
	eun_curl.easy_setopt(h, CURLOPT_URL, base);
	eun_curl.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	eun_curl.easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	eun_curl.easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	eun_curl.easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
	eun_curl.easy_setopt(
		h, CURLOPT_TIMEOUT,
		(long)(o->fetch_timeout_s > 0 ? o->fetch_timeout_s : DEFAULT_TIMEOUT_S));
	eun_curl.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	eun_curl.easy_setopt(h, CURLOPT_WRITEFUNCTION, fetch_write);
	eun_curl.easy_setopt(h, CURLOPT_WRITEDATA, b);
	eun_curl.easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
	eun_curl.easy_setopt(h, CURLOPT_USERAGENT, "eunomia/" EUNOMIA_VERSION);
	eun_curl.easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	if (o->max_size <= 0x7fffffffffffffffULL)
		eun_curl.easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_size);
	cc = eun_curl.easy_perform(h);
	eun_curl.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (b->too_big || cc == CURLE_FILESIZE_EXCEEDED) {
		eun_warn(lg, "package '%s': download is larger than the limit of %zu bytes", base,
			 o->max_size);
		ret = -EUNOMIA_ERR_SIZE;
		goto done;
	}
	if (cc != CURLE_OK) {
		eun_warn(lg, "package '%s': fetch failed: %s%s%s", base,
			 cerr[0] ? cerr : eun_curl.easy_strerror(cc),
			 cc == CURLE_OPERATION_TIMEDOUT ? " (the server did not answer in time)"
							: "",
			 cc == CURLE_COULDNT_CONNECT ? " (is the server running?)" : "");
		ret = -EUNOMIA_ERR_FETCH;
		goto done;
	}
	if (status >= 400 || (status && status < 200)) {
		eun_warn(lg, "package '%s': fetch failed: the server answered HTTP %ld%s", base,
			 status, status == 404 ? " Not Found (check the URL)" : "");
		ret = -EUNOMIA_ERR_FETCH;
		goto done;
	}
done:
	if (h)
		eun_curl.easy_cleanup(h);
	return ret;
}

struct eunomia_package *eunomia_package__open_url(const char *url,
						  const struct eunomia_package_opts *opts)
{
	struct eunomia_package_opts o;
	struct fetch_buf b = {0};
	struct eunomia_package *pkg = NULL;
	const char *frag;
	char *base = NULL, *pin = NULL;
	struct eun_logger lg;
	int ret = 0;

	memset(&o, 0, sizeof(o));
	if (opts)
		memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	o.sz = sizeof(o);
	if (!o.max_size)
		o.max_size = DEFAULT_MAX_SIZE;
	lg.print = o.print;
	lg.ctx = o.print_ctx;
	if (!url || (strncasecmp(url, "http://", 7) && strncasecmp(url, "https://", 8))) {
		eun_warn(&lg, "package '%s': not an http:// or https:// URL", url ? url : "");
		errno = EINVAL;
		return NULL;
	}
	frag = strchr(url, '#');
	base = frag ? strndup(url, (size_t)(frag - url)) : strdup(url);
	if (!base) {
		errno = ENOMEM;
		return NULL;
	}
	if (frag) {
		frag++;
		if (!strncasecmp(frag, "sha256=", 7)) {
			pin = strdup(frag + 7);
			if (!pin) {
				ret = -ENOMEM;
				goto out;
			}
			if (o.sha256 && strcasecmp(o.sha256, pin) != 0) {
				eun_warn(&lg,
					 "package '%s': two different sha256 pins: %s (option) and "
					 "%s (URL); give only one",
					 base, o.sha256, pin);
				ret = -EUNOMIA_ERR_DIGEST;
				goto out;
			}
			o.sha256 = pin;
		} else if (*frag) {
			eun_warn(&lg,
				 "package '%s': ignoring URL fragment '#%s' (only #sha256=HEX "
				 "is understood)",
				 base, frag);
		}
	}

	ret = fetch_body(base, &o, &lg, &b);
	if (ret)
		goto out;
	pkg = eunomia_package__open_mem(b.data ? b.data : "", b.len, base, &o);
	if (!pkg)
		ret = -errno;
out:
	free(b.data);
	free(base);
	free(pin);
	if (!pkg) {
		if (ret == -ENOMEM)
			eun_warn(&lg, "package '%s': out of memory", url);
		errno = ret ? -ret : EIO;
	}
	return pkg;
}
