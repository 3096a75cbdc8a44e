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
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

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

static int add_sym(struct eun_ksyms *k, size_t *cap, uint64_t addr, const char *name, size_t nlen,
		   uint32_t module)
{
	if (k->nr == *cap) {
		size_t ncap = *cap ? *cap * 2 : 65536;
		struct eun_ksym *p = realloc(k->syms, ncap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		k->syms = p;
		*cap = ncap;
	}
	if (add_name(k, name, nlen, &k->syms[k->nr].name))
		return -ENOMEM;
	k->syms[k->nr].module = module;
	k->syms[k->nr++].addr = addr;
	return 0;
}

/* One line "ADDR TYPE NAME [MODULE]" (no newline); text symbols kept. */
static int parse_line(struct eun_ksyms *k, size_t *cap, const char *l, const char *end,
		      uint32_t kernel_off, uint32_t *mod_off, char *mod_prev, size_t *nonzero)
{
	const char *name, *ne, *mod, *me;
	uint64_t addr = 0;
	int digits = 0;
	char type;

	for (; l < end && *l != ' '; l++, digits++) {
		int c = *l, v;

		if (c >= '0' && c <= '9')
			v = c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			v = (c | 0x20) - 'a' + 10;
		else
			return 0;
		addr = addr << 4 | (uint64_t)v;
	}
	if (!digits || end - l < 4 || l[2] != ' ')
		return 0;
	if (addr)
		(*nonzero)++;
	type = l[1];
	/* code only: text symbols (t, T) and weak ones (w, W) */
	if (!addr || (type != 't' && type != 'T' && type != 'w' && type != 'W'))
		return 0;
	name = l + 3;
	for (ne = name; ne < end && *ne != ' ' && *ne != '\t'; ne++)
		;
	if (ne == name)
		return 0;
	mod = memchr(ne, '[', (size_t)(end - ne));
	me = mod ? memchr(mod, ']', (size_t)(end - mod)) : NULL;
	if (!mod || !me)
		return add_sym(k, cap, addr, name, (size_t)(ne - name), kernel_off);
	mod++;
	if ((size_t)(me - mod) >= 64)
		me = mod + 63;
	if (strncmp(mod_prev, mod, (size_t)(me - mod)) != 0 || mod_prev[me - mod] != '\0') {
		if (add_name(k, mod, (size_t)(me - mod), mod_off))
			return -ENOMEM;
		memcpy(mod_prev, mod, (size_t)(me - mod));
		mod_prev[me - mod] = '\0';
	}
	return add_sym(k, cap, addr, name, (size_t)(ne - name), *mod_off);
}

struct eun_ksyms *eun_ksyms__load(const char *path, bool *hidden, int *err)
{
	struct eun_ksyms *k = calloc(1, sizeof(*k));
	size_t bufsz = 1 << 18, have = 0, cap = 0, nonzero = 0;
	uint32_t kernel_off = 0, mod_off = 0;
	char mod_prev[64] = "", *buf = NULL;
	ssize_t n;
	int fd = -1, ret = 0;

	*hidden = false;
	*err = 0;
	if (!k) {
		*err = -ENOMEM;
		return NULL;
	}
	fd = open(path ? path : "/proc/kallsyms", O_RDONLY | O_CLOEXEC);
	buf = malloc(bufsz);
	if (fd < 0 || !buf) {
		*err = fd < 0 ? -errno : -ENOMEM;
		goto fail;
	}
	ret = add_name(k, "kernel", 6, &kernel_off);
	/* large reads: the kernel fills each one (a seq_file), few system calls */
	while (!ret && (n = read(fd, buf + have, bufsz - have)) > 0) {
		char *l = buf, *end = buf + have + n, *nl;

		while (!ret && (nl = memchr(l, '\n', (size_t)(end - l)))) {
			ret = parse_line(k, &cap, l, nl, kernel_off, &mod_off, mod_prev, &nonzero);
			l = nl + 1;
		}
		have = (size_t)(end - l);
		if (have == bufsz)
			have = 0; /* a line longer than the buffer: dropped */
		memmove(buf, l, have);
	}
	if (!ret && n < 0)
		ret = -errno;
	if (!ret && have)
		ret = parse_line(k, &cap, buf, buf + have, kernel_off, &mod_off, mod_prev,
				 &nonzero);
	if (ret) {
		*err = ret;
		goto fail;
	}
	close(fd);
	free(buf);
	if (!nonzero)
		*hidden = true;
	if (k->nr)
		qsort(k->syms, k->nr, sizeof(*k->syms), ksym_cmp);
	return k;
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	eun_ksyms__free(k);
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
	X(module_getsymtab, dwfl_module_getsymtab)               \
	X(module_getsym_info, dwfl_module_getsym_info)           \
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

/* A module's function symbols sorted by address: libdwfl's own address lookup scans the
 * whole symbol table on every call. */
struct eun_msym {
	uint64_t addr, size;
	const char *name; /* owned by the Dwfl */
};

struct eun_mtab {
	Dwfl_Module *mod;
	struct eun_msym *syms;
	size_t n;
};

struct eun_uproc {
	int pid;
	unsigned long long start; /* /proc/PID/stat starttime: a reused pid is another process */
	Dwfl *dwfl;		  /* NULL: could not be read (exited): frames are unknown */
	uint64_t used;
	int pidfd;		  /* valid when has_pidfd: readable once the process exited */
	bool has_pidfd, dead;	  /* dead: it exited (its table kept for its last events) */
	uint64_t reported_ns;	  /* when its maps were read: re-read on a miss a second later */
	uint64_t epoch;		  /* u->epoch when last checked for exit */
	struct eun_frame *frames; /* resolved frames by address, direct-mapped (or NULL) */
	struct eun_mtab *mtabs;	  /* sorted function symbols per module, built on first use */
	size_t nmtabs;
};

/* Frames remembered per process (a profile sees the same return addresses over and over). */
#define EUN_FRAME_CACHE 512

struct eun_usyms {
	Dwfl_Callbacks cb;
	char *debuginfo_path;
	struct eun_uproc procs[EUN_USYMS_CACHE];
	uint64_t tick;
	uint64_t epoch; /* eun_usyms__begin: processes are checked for exit once per epoch */
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

static void mtabs_free(struct eun_uproc *p)
{
	size_t i;

	for (i = 0; i < p->nmtabs; i++)
		free(p->mtabs[i].syms);
	free(p->mtabs);
	p->mtabs = NULL;
	p->nmtabs = 0;
}

static void uproc_drop(struct eun_uproc *p)
{
	mtabs_free(p);
	if (p->dwfl)
		dw.end(p->dwfl);
	if (p->has_pidfd)
		close(p->pidfd);
	free(p->frames);
	*p = (struct eun_uproc){0};
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Has the process behind pidfd exited? One poll, no /proc read. */
static bool pidfd_exited(int fd)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};

	return poll(&pfd, 1, 0) > 0;
}

/* (Re)read the process's mappings into a fresh Dwfl. */
static void uproc_report(struct eun_usyms *u, struct eun_uproc *p)
{
	if (p->dwfl)
		dw.end(p->dwfl);
	mtabs_free(p);
	if (p->frames) /* they point into the Dwfl */
		memset(p->frames, 0, EUN_FRAME_CACHE * sizeof(*p->frames));
	p->reported_ns = mono_ns();
	p->dwfl = dw.begin(&u->cb);
	if (!p->dwfl)
		return;
	dw.report_begin(p->dwfl);
	if (dw.proc_report(p->dwfl, p->pid) != 0 || dw.report_end(p->dwfl, NULL, NULL) != 0) {
		dw.end(p->dwfl);
		p->dwfl = NULL;
	}
}

static struct eun_uproc *uproc_get(struct eun_usyms *u, int pid)
{
	struct eun_uproc *p = NULL, *victim = &u->procs[0];
	unsigned long long start;
	size_t i;
	int fd;

	for (i = 0; i < EUN_USYMS_CACHE; i++) {
		struct eun_uproc *c = &u->procs[i];

		if (c->used && c->pid == pid) {
			p = c;
			break;
		}
		if (c->used < victim->used)
			victim = c;
	}
	if (p && !p->dead && p->has_pidfd && (p->epoch == u->epoch || !pidfd_exited(p->pidfd)))
		goto out; /* the same process, alive: the common case, one poll per stack */
	start = proc_start(pid);
	if (p) {
		/* the same process (no pidfd), or one that exited and whose pid is free: its
		 * table still names the frames of its last events */
		if (p->has_pidfd)
			p->dead = true;
		if (!start || p->start == start)
			goto out;
	} else {
		p = victim;
	}
	uproc_drop(p);
	p->pid = pid;
	p->start = start;
	if (start) {
		fd = (int)syscall(SYS_pidfd_open, pid, 0);
		if (fd >= 0) {
			p->pidfd = fd;
			p->has_pidfd = true;
		}
		uproc_report(u, p);
	}
out:
	p->epoch = u->epoch;
	p->used = ++u->tick;
	return p;
}

static int msym_cmp(const void *a, const void *b)
{
	const struct eun_msym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* The sorted table of mod, built on first use (NULL on ENOMEM). */
static const struct eun_mtab *mtab_get(struct eun_uproc *p, Dwfl_Module *mod)
{
	struct eun_mtab *t;
	size_t i;
	int n, k;

	for (i = 0; i < p->nmtabs; i++)
		if (p->mtabs[i].mod == mod)
			return &p->mtabs[i];
	t = realloc(p->mtabs, (p->nmtabs + 1) * sizeof(*t));
	if (!t)
		return NULL;
	p->mtabs = t;
	t = &p->mtabs[p->nmtabs];
	*t = (struct eun_mtab){.mod = mod};
	n = dw.module_getsymtab(mod);
	if (n > 0)
		t->syms = calloc((size_t)n, sizeof(*t->syms));
	for (k = 0; t->syms && k < n; k++) {
		GElf_Sym sym;
		GElf_Addr addr = 0;
		const char *name = dw.module_getsym_info(mod, k, &sym, &addr, NULL, NULL, NULL);
		int type = GELF_ST_TYPE(sym.st_info);

		if (!name || !*name || !addr || (type != STT_FUNC && type != STT_GNU_IFUNC))
			continue;
		t->syms[t->n++] =
			(struct eun_msym){.addr = addr, .size = sym.st_size, .name = name};
	}
	if (t->n)
		qsort(t->syms, t->n, sizeof(*t->syms), msym_cmp);
	p->nmtabs++;
	return t;
}

/* The function holding addr: the last symbol at or below it that covers it (a sized symbol)
 * or is the nearest (an unsized one). */
static const struct eun_msym *mtab_find(const struct eun_mtab *t, uint64_t addr)
{
	size_t lo = 0, hi = t->n, j;

	if (!t->n || addr < t->syms[0].addr)
		return NULL;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	/* aliases share an address; a nested or preceding sized symbol may cover addr */
	for (j = lo + 1; j-- > 0 && lo - j < 8;) {
		const struct eun_msym *m = &t->syms[j];

		if (addr < m->addr + m->size || (!m->size && j == lo))
			return m;
	}
	return NULL;
}

bool eun_usyms__lookup(struct eun_usyms *u, int pid, uint64_t addr, struct eun_frame *f)
{
	struct eun_uproc *p;
	Dwfl_Module *mod;
	const char *mainfile = NULL, *name;
	const struct eun_mtab *mt;
	const struct eun_msym *ms;
	Dwfl_Line *line;
	size_t slot;

	*f = (struct eun_frame){.addr = addr};
	if (!u || pid <= 0)
		return false;
	p = uproc_get(u, pid);
	if (!p->dwfl)
		return false;
	slot = (size_t)((addr * 0x9e3779b97f4a7c15ull) >> 55); /* 512 slots */
	if (p->frames && p->frames[slot].addr == addr && addr) {
		*f = p->frames[slot];
		return f->sym != NULL;
	}
	mod = dw.addrmodule(p->dwfl, addr);
	if (!mod && !p->dead && mono_ns() - p->reported_ns > 1000000000ull) {
		/* mapped since (dlopen, exec): read the maps again, at most once a second */
		uproc_report(u, p);
		mod = p->dwfl ? dw.addrmodule(p->dwfl, addr) : NULL;
	}
	if (!mod)
		return false;
	name = dw.module_info(mod, NULL, NULL, NULL, NULL, NULL, &mainfile, NULL);
	f->module = mainfile ? mainfile : name;
	mt = mtab_get(p, mod);
	ms = mt ? mtab_find(mt, addr) : NULL;
	if (ms) {
		f->sym = ms->name;
		f->offset = addr - ms->addr;
	}
	/* a return address points after the call: its line is the one of addr - 1 */
	line = dw.module_getsrc(mod, addr ? addr - 1 : addr);
	if (line)
		f->file = dw.lineinfo(line, NULL, &f->line, NULL, NULL, NULL);
	if (!p->frames)
		p->frames = calloc(EUN_FRAME_CACHE, sizeof(*p->frames));
	if (p->frames)
		p->frames[slot] = *f;
	return f->sym != NULL;
}

void eun_usyms__begin(struct eun_usyms *u)
{
	if (u)
		u->epoch++;
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
