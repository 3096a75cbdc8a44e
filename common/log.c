// SPDX-License-Identifier: MIT
#include "common/log.h"

#include <stdio.h>
#include <string.h>

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

void eun_stderr_print(void *ctx, enum eunomia_print_level level, const char *fmt, va_list ap)
{
	int max = ctx ? *(const int *)ctx : EUNOMIA_INFO;
	size_t n = strlen(fmt);

	if ((int)level > max)
		return;
	vfprintf(stderr, fmt, ap);
	if (n == 0 || fmt[n - 1] != '\n')
		fputc('\n', stderr);
}
