// SPDX-License-Identifier: MIT
/*
 * Kernel symbols from /proc/kallsyms and user symbols through libdwfl (symbolize.h).
 *
 * kallsyms is read once per process (a pthread_once table shared by every runner: it is
 * read-only once built) and only when a package decodes stacks. libdw is dlopened on first use
 * like libcurl (common/dl.h), so a package without stacks pays nothing for it.
 */
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/dl.h"
#include "loader/symbolize.h"

/* ---- kernel: /proc/kallsyms ---- */

struct eun_ksym {
	uint64_t addr;
	uint32_t name; /* offsets into names */
	uint32_t module;
};

struct eun_ksyms {
	struct eun_ksym *syms;
	size_t nr;
	char *names;
	size_t names_len, names_cap;
};

static int add_name(struct eun_ksyms *k, const char *s, size_t len, uint32_t *off)
{
	if (k->names_len + len + 1 > k->names_cap) {
		size_t cap = k->names_cap ? k->names_cap * 2 : 1 << 20;
		char *p;

		while (cap < k->names_len + len + 1)
			cap *= 2;
		p = realloc(k->names, cap);
		if (!p)
			return -ENOMEM;
		k->names = p;
		k->names_cap = cap;
	}
	memcpy(k->names + k->names_len, s, len);
	k->names[k->names_len + len] = '\0';
	*off = (uint32_t)k->names_len;
	k->names_len += len + 1;
	return 0;
}

static int ksym_cmp(const void *a, const void *b)
{
	const struct eun_ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

struct eun_ksyms *eun_ksyms__load(const char *path, bool *hidden, int *err)
{
	struct eun_ksyms *k = calloc(1, sizeof(*k));
	char line[512], mod_prev[64] = "";
	uint32_t kernel_off = 0, mod_off = 0;
	size_t cap = 0, nonzero = 0;
	FILE *f;

	*hidden = false;
	*err = 0;
	if (!k) {
		*err = -ENOMEM;
		return NULL;
	}
	f = fopen(path ? path : "/proc/kallsyms", "re");
	if (!f) {
		*err = -errno;
		free(k);
		return NULL;
	}
	if (add_name(k, "kernel", 6, &kernel_off))
		goto nomem;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long addr;
		char type, name[256], module[64];
		int n;

		module[0] = '\0';
		n = sscanf(line, "%llx %c %255s [%63[^]]]", &addr, &type, name, module);
		if (n < 3)
			continue;
		if (addr)
			nonzero++;
		/* code only: text symbols (t, T) and weak ones (w, W) */
		if (type != 't' && type != 'T' && type != 'w' && type != 'W')
			continue;
		if (!addr)
			continue;
		if (k->nr == cap) {
			struct eun_ksym *p;

			cap = cap ? cap * 2 : 65536;
			p = realloc(k->syms, cap * sizeof(*p));
			if (!p)
				goto nomem;
			k->syms = p;
		}
		if (add_name(k, name, strlen(name), &k->syms[k->nr].name))
			goto nomem;
		if (!module[0]) {
			k->syms[k->nr].module = kernel_off;
		} else {
			if (strcmp(module, mod_prev) != 0) {
				if (add_name(k, module, strlen(module), &mod_off))
					goto nomem;
				snprintf(mod_prev, sizeof(mod_prev), "%s", module);
			}
			k->syms[k->nr].module = mod_off;
		}
		k->syms[k->nr++].addr = addr;
	}
	fclose(f);
	if (!nonzero)
		*hidden = true;
	qsort(k->syms, k->nr, sizeof(*k->syms), ksym_cmp);
	return k;
nomem:
	fclose(f);
	eun_ksyms__free(k);
	*err = -ENOMEM;
	return NULL;
}

size_t eun_ksyms__count(const struct eun_ksyms *k)
{
	return k ? k->nr : 0;
}

bool eun_ksyms__lookup(const struct eun_ksyms *k, uint64_t addr, struct eun_frame *f)
{
	size_t lo = 0, hi;

	*f = (struct eun_frame){.addr = addr};
	if (!k || !k->nr || addr < k->syms[0].addr)
		return false;
	/* the last symbol starting at or below addr */
	hi = k->nr;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (k->syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	f->sym = k->names + k->syms[lo].name;
	f->offset = addr - k->syms[lo].addr;
	f->module = k->names + k->syms[lo].module;
	return true;
}

void eun_ksyms__free(struct eun_ksyms *k)
{
	if (!k)
		return;
	free(k->syms);
	free(k->names);
	free(k);
}

static pthread_once_t ksyms_once = PTHREAD_ONCE_INIT;
static struct eun_ksyms *ksyms_proc;
static bool ksyms_hidden;

static void ksyms_load_proc(void)
{
	int err;

	ksyms_proc = eun_ksyms__load(NULL, &ksyms_hidden, &err);
}

const struct eun_ksyms *eun_ksyms__get(bool *hidden)
{
	pthread_once(&ksyms_once, ksyms_load_proc);
	*hidden = ksyms_hidden;
	return ksyms_proc;
}

/* ---- user: libdwfl ---- */

#define LIBDW_SONAME "libdw.so.1"

#define DW_FUNCS(X)                                              \
	X(begin, dwfl_begin)                                     \
	X(end, dwfl_end)                                         \
	X(report_begin, dwfl_report_begin)                       \
	X(report_end, dwfl_report_end)                           \
	X(proc_report, dwfl_linux_proc_report)                   \
	X(proc_find_elf, dwfl_linux_proc_find_elf)               \
	X(standard_find_debuginfo, dwfl_standard_find_debuginfo) \
	X(addrmodule, dwfl_addrmodule)                           \
	X(module_addrinfo, dwfl_module_addrinfo)                 \
	X(module_info, dwfl_module_info)                         \
	X(module_getsrc, dwfl_module_getsrc)                     \
	X(lineinfo, dwfl_lineinfo)

static struct {
#define DW_PTR(m, f) __typeof__(&f) m;
	DW_FUNCS(DW_PTR)
#undef DW_PTR
} dw;
static pthread_once_t dw_once = PTHREAD_ONCE_INIT;
static const char *dw_missing;
static char dw_missing_buf[128];

static void dw_load(void)
{
#define DW_SYM(m, f) {#f, (void **)&dw.m},
	static const struct eun_dl_sym syms[] = {DW_FUNCS(DW_SYM)};
#undef DW_SYM

	dw_missing = eun_dl_load(LIBDW_SONAME, syms, sizeof(syms) / sizeof(syms[0]), dw_missing_buf,
				 sizeof(dw_missing_buf));
}

/* Processes whose tables are kept; the least recently used goes first. */
#define EUN_USYMS_CACHE 32

struct eun_uproc {
	int pid;
	unsigned long long start; /* /proc/PID/stat starttime: a reused pid is another process */
	Dwfl *dwfl;		  /* NULL: could not be read (exited): frames are unknown */
	uint64_t used;
};

struct eun_usyms {
	Dwfl_Callbacks cb;
	char *debuginfo_path;
	struct eun_uproc procs[EUN_USYMS_CACHE];
	uint64_t tick;
};

struct eun_usyms *eun_usyms__new(char *buf, size_t size)
{
	struct eun_usyms *u;

	pthread_once(&dw_once, dw_load);
	if (dw_missing) {
		snprintf(buf, size, "%s", dw_missing);
		return NULL;
	}
	u = calloc(1, sizeof(*u));
	if (!u) {
		snprintf(buf, size, "%s", strerror(ENOMEM));
		return NULL;
	}
	u->cb.find_elf = dw.proc_find_elf;
	/* finds separate debug info by build-id (/usr/lib/debug/.build-id) and debuglink */
	u->cb.find_debuginfo = dw.standard_find_debuginfo;
	u->cb.debuginfo_path = &u->debuginfo_path;
	return u;
}

static unsigned long long proc_start(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	size_t n;
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* comm may hold spaces */
	if (!p)
		return 0;
	/* field 22 (starttime); p is at the end of field 2 */
	for (i = 2; i < 22 && p; i++)
		p = strchr(p + 1, ' ');
	if (p)
		start = strtoull(p + 1, NULL, 10);
	return start;
}

static void uproc_drop(struct eun_uproc *p)
{
	if (p->dwfl)
		dw.end(p->dwfl);
	*p = (struct eun_uproc){0};
}

static struct eun_uproc *uproc_get(struct eun_usyms *u, int pid)
{
	unsigned long long start = proc_start(pid);
	struct eun_uproc *p = NULL, *victim = &u->procs[0];
	size_t i;

	for (i = 0; i < EUN_USYMS_CACHE; i++) {
		struct eun_uproc *c = &u->procs[i];

		if (c->used && c->pid == pid) {
			p = c;
			break;
		}
		if (c->used < victim->used)
			victim = c;
	}
	if (p) {
		/* same process, or one that exited: its table still names its last frames */
		if (!start || p->start == start)
			goto out;
	} else {
		p = victim;
	}
	uproc_drop(p);
	p->pid = pid;
	p->start = start;
	if (start) {
		p->dwfl = dw.begin(&u->cb);
		if (p->dwfl) {
			dw.report_begin(p->dwfl);
			if (dw.proc_report(p->dwfl, pid) != 0 ||
			    dw.report_end(p->dwfl, NULL, NULL) != 0) {
				dw.end(p->dwfl);
				p->dwfl = NULL;
			}
		}
	}
out:
	p->used = ++u->tick;
	return p;
}

bool eun_usyms__lookup(struct eun_usyms *u, int pid, uint64_t addr, struct eun_frame *f)
{
	struct eun_uproc *p;
	Dwfl_Module *mod;
	const char *mainfile = NULL, *name;
	GElf_Off off = 0;
	GElf_Sym sym;
	Dwfl_Line *line;

	*f = (struct eun_frame){.addr = addr};
	if (!u || pid <= 0)
		return false;
	p = uproc_get(u, pid);
	if (!p->dwfl)
		return false;
	mod = dw.addrmodule(p->dwfl, addr);
	if (!mod)
		return false;
	name = dw.module_info(mod, NULL, NULL, NULL, NULL, NULL, &mainfile, NULL);
	f->module = mainfile ? mainfile : name;
	f->sym = dw.module_addrinfo(mod, addr, &off, &sym, NULL, NULL, NULL);
	f->offset = off;
	/* a return address points after the call: its line is the one of addr - 1 */
	line = dw.module_getsrc(mod, addr ? addr - 1 : addr);
	if (line)
		f->file = dw.lineinfo(line, NULL, &f->line, NULL, NULL, NULL);
	return f->sym != NULL;
}

void eun_usyms__forget(struct eun_usyms *u, int pid)
{
	size_t i;

	for (i = 0; u && i < EUN_USYMS_CACHE; i++)
		if (u->procs[i].used && u->procs[i].pid == pid)
			uproc_drop(&u->procs[i]);
}

void eun_usyms__free(struct eun_usyms *u)
{
	size_t i;

	if (!u)
		return;
	for (i = 0; i < EUN_USYMS_CACHE; i++)
		uproc_drop(&u->procs[i]);
	free(u->debuginfo_path);
	free(u);
}
