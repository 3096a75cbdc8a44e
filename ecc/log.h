/* SPDX-License-Identifier: MIT */
/*
 * ecc's messages. The compile pipeline (compile.c, frontend, objinfo.c, vmlinux.c, btfgen) does
 * not write to stderr itself: it logs through the logger of the calling thread, which is
 * stderr until ecc_set_logger() names another. A thread of its own, such as
 * the front end running beside clang, sets its own logger and so keeps its messages apart.
 * Formats are whole lines ("ecc: ...\n"), written as they are.
 */
#ifndef EUNOMIA_ECC_LOG_H
#define EUNOMIA_ECC_LOG_H

#include "common/log.h"

struct strbuf;

/* Use lg (NULL: back to stderr) for this thread's messages; lg must outlive its use. */
void ecc_set_logger(const struct eun_logger *lg);
/* A logger appending every message to sb (for a thread whose messages are shown later). */
struct eun_logger ecc_strbuf_logger(struct strbuf *sb);

void ecc_log(enum eunomia_print_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define ecc_warn(...) ecc_log(EUNOMIA_WARN, __VA_ARGS__)
#define ecc_info(...) ecc_log(EUNOMIA_INFO, __VA_ARGS__)

#endif
