/* SPDX-License-Identifier: MIT */
/*
 * Address to symbol: kernel addresses through /proc/kallsyms (read once per process, sorted,
 * binary search), user addresses through elfutils' libdwfl (dlopened on first use), one Dwfl
 * per process read from /proc/PID/maps and kept in a small cache.
 */
#ifndef EUNOMIA_LOADER_SYMBOLIZE_H
#define EUNOMIA_LOADER_SYMBOLIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One resolved frame. Strings stay valid until the next lookup on the same table. */
struct eun_frame {
	uint64_t addr;
	const char *sym;    /* NULL: unknown */
	uint64_t offset;    /* addr - symbol start */
	const char *module; /* "kernel", a kernel module, or the ELF file path; may be NULL */
	const char *file;   /* source file (user frames with debug info) or NULL */
	int line;	    /* 0: unknown */
};

struct eun_ksyms;

/* Read a kallsyms file (NULL: /proc/kallsyms). NULL with *err (-errno) on failure. When every
 * address reads as zero (kptr_restrict, not root), *hidden is set and the table is empty. */
struct eun_ksyms *eun_ksyms__load(const char *path, bool *hidden, int *err);
/* The process-wide table of /proc/kallsyms, loaded on the first call (NULL: unreadable). */
const struct eun_ksyms *eun_ksyms__get(bool *hidden);
size_t eun_ksyms__count(const struct eun_ksyms *k);
/* Fill f for addr; false when no symbol covers it (f->sym NULL). */
bool eun_ksyms__lookup(const struct eun_ksyms *k, uint64_t addr, struct eun_frame *f);
void eun_ksyms__free(struct eun_ksyms *k);

struct eun_usyms;

/* A cache of per-process symbol tables. NULL when libdw cannot be loaded: why in buf. */
struct eun_usyms *eun_usyms__new(char *buf, size_t size);
/* A new stack begins: each process is checked (once) for having exited or been replaced
 * under its pid before its next lookup; lookups in between trust the cached table. */
void eun_usyms__begin(struct eun_usyms *u);
/* Fill f for addr in process pid; false (f->sym NULL) when unknown (e.g. the process exited). */
bool eun_usyms__lookup(struct eun_usyms *u, int pid, uint64_t addr, struct eun_frame *f);
/* Forget pid's table (its mappings changed). */
void eun_usyms__forget(struct eun_usyms *u, int pid);
void eun_usyms__free(struct eun_usyms *u);

#endif
