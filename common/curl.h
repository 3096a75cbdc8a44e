/* SPDX-License-Identifier: MIT */
/*
 * libcurl, loaded with dlopen on first use (the loader's URL packages, ecli's registry client):
 * libcurl and what it pulls in (TLS, ssh, ldap, kerberos, nghttp2, ...) would otherwise cost
 * every ecli start. <curl/curl.h> is used for types and constants only; calls go through
 * eun_curl.<member>, named short because curl/typecheck-gcc.h makes curl_easy_setopt/getinfo
 * function-like macros.
 */
#ifndef EUNOMIA_COMMON_CURL_H
#define EUNOMIA_COMMON_CURL_H

#include <curl/curl.h>

#define EUN_CURL_SONAME "libcurl.so.4"

#define EUN_CURL_FUNCS(X)                    \
	X(global_init, curl_global_init)     \
	X(easy_strerror, curl_easy_strerror) \
	X(easy_init, curl_easy_init)         \
	X(easy_setopt, curl_easy_setopt)     \
	X(easy_perform, curl_easy_perform)   \
	X(easy_getinfo, curl_easy_getinfo)   \
	X(easy_cleanup, curl_easy_cleanup)   \
	X(easy_escape, curl_easy_escape)     \
	X(free, curl_free)                   \
	X(slist_append, curl_slist_append)   \
	X(slist_free_all, curl_slist_free_all)

struct eun_curl_fns {
#define EUN_CURL_PTR(m, f) __typeof__(&f) m;
	EUN_CURL_FUNCS(EUN_CURL_PTR)
#undef EUN_CURL_PTR
};

/* The table, valid once eun_curl_load() returned NULL (process-wide, as libcurl itself is). */
extern struct eun_curl_fns eun_curl;

/*
 * Load libcurl and run curl_global_init, once per process (thread-safe). NULL when usable;
 * else what is missing ("libcurl.so.4: cannot open ...", a symbol). *init_status: the
 * curl_global_init result (check it for CURLE_OK).
 */
const char *eun_curl_load(CURLcode *init_status);

#endif
