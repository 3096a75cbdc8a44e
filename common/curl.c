// SPDX-License-Identifier: MIT
/* libcurl through dlopen (common/curl.h). */
#include <pthread.h>

#include "common/curl.h"
#include "common/dl.h"

struct eun_curl_fns eun_curl;

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static const char *curl_missing; /* NULL once loaded, else what failed */
static CURLcode curl_init_status;

static void curl_load(void)
{
#define EUN_CURL_SYM(m, f) {#f, (void **)&eun_curl.m},
	static const struct eun_dl_sym syms[] = {EUN_CURL_FUNCS(EUN_CURL_SYM)};
#undef EUN_CURL_SYM
	static char missing[128];

	curl_missing = eun_dl_load(EUN_CURL_SONAME, syms, sizeof(syms) / sizeof(syms[0]), missing,
				   sizeof(missing));
	if (!curl_missing)
		curl_init_status = eun_curl.global_init(CURL_GLOBAL_DEFAULT);
}

const char *eun_curl_load(CURLcode *init_status)
{
	pthread_once(&curl_once, curl_load);
	if (init_status)
		*init_status = curl_init_status;
	return curl_missing;
}
