/* SPDX-License-Identifier: MIT */
/* Logging through the caller's print callback (the library itself never prints). */
#ifndef EUNOMIA_COMMON_LOG_H
#define EUNOMIA_COMMON_LOG_H

#include "common/error.h"

struct eun_logger {
	eunomia_print_fn_t print; /* NULL: drop */
	void *ctx;
};

void eun_log(const struct eun_logger *lg, enum eunomia_print_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void eun_vlog(const struct eun_logger *lg, enum eunomia_print_level level, const char *fmt,
	      va_list ap) __attribute__((format(printf, 3, 0)));

#define eun_warn(lg, ...)  eun_log(lg, EUNOMIA_WARN, __VA_ARGS__)
#define eun_info(lg, ...)  eun_log(lg, EUNOMIA_INFO, __VA_ARGS__)
#define eun_debug(lg, ...) eun_log(lg, EUNOMIA_DEBUG, __VA_ARGS__)

#endif
