// SPDX-License-Identifier: MIT
#include "common/log.h"

void eun_vlog(const struct eun_logger *lg, enum eunomia_print_level level, const char *fmt,
	      va_list ap)
{
	if (lg && lg->print)
		lg->print(lg->ctx, level, fmt, ap);
}

void eun_log(const struct eun_logger *lg, enum eunomia_print_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	eun_vlog(lg, level, fmt, ap);
	va_end(ap);
}
