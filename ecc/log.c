// SPDX-License-Identifier: MIT
#include "ecc/log.h"
#include "common/strbuf.h"

#include <stdarg.h>
#include <stdio.h>

static __attribute__((format(printf, 3, 0))) void stderr_print(void *ctx,
							       enum eunomia_print_level level,
							       const char *fmt, va_list ap)
{
	vfprintf(stderr, fmt, ap);
}

static const struct eun_logger stderr_logger = {.print = stderr_print};
static __thread const struct eun_logger *cur_logger;

void ecc_set_logger(const struct eun_logger *lg)
{
	cur_logger = lg;
}

static __attribute__((format(printf, 3, 0))) void strbuf_print(void *ctx,
							       enum eunomia_print_level level,
							       const char *fmt, va_list ap)
{
	sb_vaddf(ctx, fmt, ap);
}

struct eun_logger ecc_strbuf_logger(struct strbuf *sb)
{
	return (struct eun_logger){.print = strbuf_print, .ctx = sb};
}

void ecc_log(enum eunomia_print_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	eun_vlog(cur_logger ? cur_logger : &stderr_logger, level, fmt, ap);
	va_end(ap);
}
