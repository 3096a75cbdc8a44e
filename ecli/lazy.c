// SPDX-License-Identifier: MIT
/* dlopen() of libmicrohttpd and GnuTLS for `ecli server` / `ecli client` (see lazy.h). */
#define ECLI_LAZY_IMPL
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>

#include "ecli/lazy.h"

#define ECLI_LAZY_DEF(f) __typeof__(f) *ecli_##f;
ECLI_MHD_FUNCS(ECLI_LAZY_DEF)
ECLI_TLS_FUNCS(ECLI_LAZY_DEF)
#undef ECLI_LAZY_DEF

static int load(const char *lib, const char *pkg, void *handle_slot[1], char *err, size_t errsz)
{
	if (handle_slot[0])
		return 0;
	handle_slot[0] = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	if (!handle_slot[0]) {
		snprintf(err, errsz, "cannot load %s: %s (install the Debian package %s)", lib,
			 dlerror(), pkg);
		return -1;
	}
	return 0;
}

#define ECLI_LAZY_SYM(f)                                                 \
	if (!(ecli_##f = (__typeof__(f) *)dlsym(h[0], #f))) {            \
		snprintf(err, errsz, "%s has no %s: too old?", lib, #f); \
		return -1;                                               \
	}

int ecli_lazy_load_mhd(char *err, size_t errsz)
{
	static void *h[1];
	static const char lib[] = "libmicrohttpd.so.12";

	if (load(lib, "libmicrohttpd12", h, err, errsz))
		return -1;
	ECLI_MHD_FUNCS(ECLI_LAZY_SYM)
	return 0;
}

int ecli_lazy_load_gnutls(char *err, size_t errsz)
{
	static void *h[1];
	static const char lib[] = "libgnutls.so.30";

	if (load(lib, "libgnutls30", h, err, errsz))
		return -1;
	ECLI_TLS_FUNCS(ECLI_LAZY_SYM)
	return 0;
}

struct MHD_Daemon *ecli_mhd_start_daemon(unsigned int flags, uint16_t port,
					 MHD_AcceptPolicyCallback apc, void *apc_cls,
					 MHD_AccessHandlerCallback dh, void *dh_cls, ...)
{
	struct MHD_Daemon *d;
	va_list ap;

	va_start(ap, dh_cls);
	d = ecli_MHD_start_daemon_va(flags, port, apc, apc_cls, dh, dh_cls, ap);
	va_end(ap);
	return d;
}
