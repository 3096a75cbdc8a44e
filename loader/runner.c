// SPDX-License-Identifier: MIT
/*
 * The runner: one package's BPF object through open, load, attach, poll and teardown.
 * Arguments live in args.c, attach rules in attach.c, event output in output.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "loader/btfcache.h"
#include "loader/internal.h"

#define DEFAULT_MAX_ENTRIES    10240
#define DEFAULT_RINGBUF_SIZE   (256 * 1024)
#define STACK_TRACE_VALUE_SIZE (127 * 8)
#define VERIFIER_TAIL_LINES    30

uint64_t eun_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * libbpf has one global print hook. While a runner calls into libbpf it sets this
 * thread-local pointer so that libbpf's messages reach that runner's own callback.
 * During load, messages are also captured to find out which program failed and why.
 */
static __thread struct eunomia_runner *cur_runner;
static __thread struct strbuf *cur_capture;

/* Skip libbpf's own "libbpf: " line prefix. */
static const char *strip_libbpf(const char *s)
{
	return strncmp(s, "libbpf: ", 8) ? s : s + 8;
}

static int libbpf_print_fn(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	struct eunomia_runner *r = cur_runner;
	struct strbuf line = STRBUF_INIT;
	enum eunomia_print_level lvl;
	const char *s;
	size_t n;

	if (!r)
		return 0;
	if (level == LIBBPF_DEBUG && !r->opts.verbose && !cur_capture)
		return 0;
	if (sb_vaddf(&line, fmt, ap))
		return 0;
	s = sb_str(&line);
	if (cur_capture && level != LIBBPF_DEBUG)
		sb_adds(cur_capture, s);
	lvl = level == LIBBPF_WARN ? EUNOMIA_WARN : EUNOMIA_DEBUG;
	/* while loading, warnings are held back and reported after the outcome is known */
	if (cur_capture)
		lvl = EUNOMIA_DEBUG;
	if (lvl == EUNOMIA_DEBUG && !r->opts.verbose) {
		sb_free(&line);
		return 0;
	}
	n = line.len;
	while (n && line.buf[n - 1] == '\n')
		line.buf[--n] = '\0';
	eun_log(&r->log, lvl, "libbpf: %s", strip_libbpf(line.buf));
	sb_free(&line);
	return 0;
}

/*
 * libbpf's own error codes (LIBBPF_ERRNO__*, 4000..) overlap ours: keep libbpf's text for
 * the message and hand callers a plain errno instead.
 */
static int libbpf_error(int err, char *msg, size_t size)
{
	if (err >= 0)
		err = -EINVAL;
	libbpf_strerror(err, msg, size);
	if (-err < __LIBBPF_ERRNO__START)
		return err;
	switch (-err) {
	case LIBBPF_ERRNO__FORMAT:
	case LIBBPF_ERRNO__LIBELF:
	case LIBBPF_ERRNO__ENDIAN:
		return -ENOEXEC;
	case LIBBPF_ERRNO__VERIFY:
	case LIBBPF_ERRNO__PROG2BIG:
		return -EUNOMIA_ERR_VERIFIER;
	default:
		return -EINVAL;
	}
}

static struct eunomia_runner *runner_enter(struct eunomia_runner *r)
{
	struct eunomia_runner *prev = cur_runner;

	libbpf_set_print(libbpf_print_fn);
	cur_runner = r;
	return prev;
}

static void runner_leave(struct eunomia_runner *prev)
{
	cur_runner = prev;
}

/* ---- BTF selection ------------------------------------------------------------------- */

/* Value of KEY= in an os-release file, unquoted, into buf; 0 or -ENOENT. */
static int os_release_get(const char *path, const char *key, char *buf, size_t size)
{
	char line[512];
	size_t klen = strlen(key);
	FILE *f = fopen(path, "re");
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *v, *e;

		if (strncmp(line, key, klen) || line[klen] != '=')
			continue;
		v = line + klen + 1;
		v[strcspn(v, "\r\n")] = '\0';
		if (*v == '"' || *v == '\'') {
			char q = *v++;

			e = strchr(v, q);
			if (e)
				*e = '\0';
		}
		snprintf(buf, size, "%s", v);
		err = 0;
		break;
	}
	fclose(f);
	return err;
}

static int select_btf(struct eunomia_runner *r, const char **custom)
{
	const char *kbtf = r->opts.kernel_btf_path ?: "/sys/kernel/btf/vmlinux";
	const char *osr = getenv("EUNOMIA_OS_RELEASE");
	const struct eun_archive_file *af;
	char id[64] = "", ver[64] = "", rel[512];
	struct utsname un;
	char tmpl[] = "/tmp/eunomia-btf-XXXXXX";
	const char *env;
	size_t off = 0;
	int fd;

	*custom = NULL;
	if (r->opts.btf_path) {
		*custom = r->opts.btf_path;
		return 0;
	}
	env = getenv("BTF_FILE_PATH");
	if (env && *env) {
		*custom = env;
		return 0;
	}
	if (access(kbtf, R_OK) == 0)
		return 0; /* the kernel's own BTF wins over any archive */
	if (!eunomia_package__has_btf_archive(r->pkg)) {
		eun_warn(&r->log,
			 "this kernel has no BTF (%s is missing) and the package carries no "
			 "btfhub-archive; CO-RE relocations may fail: set BTF_FILE_PATH or rebuild "
			 "the package with `ecc --btfgen`",
			 kbtf);
		return 0;
	}
	if (!osr || !*osr)
		osr = access("/etc/os-release", R_OK) == 0 ? "/etc/os-release"
							   : "/usr/lib/os-release";
	os_release_get(osr, "ID", id, sizeof(id));
	os_release_get(osr, "VERSION_ID", ver, sizeof(ver));
	uname(&un);
	snprintf(rel, sizeof(rel), "%s/%s/%s/%s.btf", id, ver, un.machine, un.release);
	af = eun_package__archive_find(r->pkg, rel);
	if (!af) {
		eun_warn(
			&r->log,
			"no BTF for this kernel: %s is missing and the package's btfhub-archive has "
			"no %s (distro '%s' version '%s', arch %s, release %s); set BTF_FILE_PATH "
			"to a BTF file for this kernel or rebuild with a matching --btfhub-archive",
			kbtf, rel, id, ver, un.machine, un.release);
		return -EUNOMIA_ERR_NO_BTF;
	}
	fd = mkstemp(tmpl);
	if (fd < 0)
		return -errno;
	while (off < af->size) {
		ssize_t w = write(fd, (const char *)af->data + off, af->size - off);

		if (w < 0) {
			int err = -errno;

			close(fd);
			unlink(tmpl);
			return err;
		}
		off += (size_t)w;
	}
	close(fd);
	r->btf_tmp_path = strdup(tmpl);
	if (!r->btf_tmp_path) {
		unlink(tmpl);
		return -ENOMEM;
	}
	eun_info(&r->log, "kernel BTF missing: using %s from the package's btfhub-archive", rel);
	*custom = r->btf_tmp_path;
	return 0;
}

/* ---- minimal-BTF cache ----------------------------------------------------------------- */

static bool btf_cache_disabled(const struct eunomia_runner *r)
{
	const char *env = getenv("EUNOMIA_NO_BTF_CACHE");

	return r->opts.no_btf_cache || (env && *env && strcmp(env, "0"));
}

/*
 * Kernel BTF in use and no BTF chosen by the user: a cached minimal BTF for this object
 * (keyed by the package digest and the kernel identity) spares libbpf the kernel BTF.
 * A hit sets btf_cache_path (and btf_cache_dir); a miss sets btf_cache_dir alone: the entry
 * is made in the background after a successful load (btf_cache_store).
 */
static void btf_cache_open(struct eunomia_runner *r, const char **custom)
{
	struct eun_btfcache_opts co = {.kernel_btf = r->opts.kernel_btf_path};
	const char *sha = eunomia_package__sha256(r->pkg);
	char dir[PATH_MAX], path[PATH_MAX];
	int err;

	if (btf_cache_disabled(r))
		return;
	if (r->opts.btf_cache_dir)
		snprintf(dir, sizeof(dir), "%s", r->opts.btf_cache_dir);
	else if (eun_btfcache__default_dir(dir, sizeof(dir)))
		return;
	err = eun_btfcache__lookup_opts(dir, sha, path, sizeof(path), &co);
	if (err == 0) {
		r->btf_cache_path = strdup(path);
		if (!r->btf_cache_path)
			return;
		*custom = r->btf_cache_path;
		eun_debug(&r->log, "using the cached minimal BTF %s", path);
	} else if (err == -ENOENT) {
		r->btf_cache_dir = strdup(dir);
	} else if (err != -EOPNOTSUPP) {
		eun_debug(&r->log, "minimal-BTF cache %s not used: %s", dir, strerror(-err));
	}
}

/* After the first successful load on this kernel: fill the cache without slowing this run. */
static void btf_cache_store(struct eunomia_runner *r)
{
	struct eun_btfcache_opts co = {.kernel_btf = r->opts.kernel_btf_path};
	const void *elf;
	size_t size;
	int err;

	if (!r->btf_cache_dir)
		return;
	elf = eunomia_package__elf(r->pkg, &size);
	err = eun_btfcache__store_async(r->btf_cache_dir, elf, size,
					eunomia_package__sha256(r->pkg), &co);
	if (err)
		eun_debug(&r->log, "cannot fill the minimal-BTF cache: %s", strerror(-err));
	free(r->btf_cache_dir);
	r->btf_cache_dir = NULL;
}

/*
 * The cached entry made the load fail: never use it again for this object on this kernel
 * ("<sha>.none" beside it tells lookup so) and forget it.
 */
static void btf_cache_reject(struct eunomia_runner *r)
{
	char none[PATH_MAX];
	size_t len = strlen(r->btf_cache_path);
	int fd;

	if (len > 4 && !strcmp(r->btf_cache_path + len - 4, ".btf") && len < sizeof(none)) {
		memcpy(none, r->btf_cache_path, len - 4);
		snprintf(none + len - 4, sizeof(none) - (len - 4), ".none");
		unlink(r->btf_cache_path);
		fd = open(none, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd >= 0)
			close(fd);
	}
	free(r->btf_cache_path);
	r->btf_cache_path = NULL;
	free(r->btf_cache_dir);
	r->btf_cache_dir = NULL;
}

/* ---- open ---------------------------------------------------------------------------- */

static struct bpf_object *open_object(struct eunomia_runner *r, const char *custom, int *err)
{
	struct bpf_object_open_opts oopts = {.sz = sizeof(struct bpf_object_open_opts)};
	struct eunomia_runner *prev;
	struct bpf_object *obj;
	const void *elf;
	size_t elf_size;

	oopts.object_name = r->meta->obj_name;
	oopts.btf_custom_path = custom;
	elf = eunomia_package__elf(r->pkg, &elf_size);
	prev = runner_enter(r);
	obj = bpf_object__open_mem(elf, elf_size, &oopts);
	*err = obj ? 0 : -errno;
	runner_leave(prev);
	return obj;
}

struct eunomia_runner *eunomia_runner__open(const struct eunomia_package *pkg,
					    const struct eunomia_runner_opts *opts)
{
	struct eunomia_runner *r;
	const char *custom;
	size_t n;
	int err;

	if (!pkg) {
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		errno = ENOMEM;
		return NULL;
	}
	if (opts) {
		n = opts->sz < sizeof(r->opts) ? opts->sz : sizeof(r->opts);
		memcpy(&r->opts, opts, n);
	}
	r->opts.sz = sizeof(r->opts);
	r->log.print = r->opts.print;
	r->log.ctx = r->opts.print_ctx;
	r->pkg = pkg;
	r->meta = &pkg->meta;
	r->state = EUN_STATE_OPENED;

	err = select_btf(r, &custom);
	if (err)
		goto err_out;
	if (!custom)
		btf_cache_open(r, &custom);
	r->obj = open_object(r, custom, &err);
	if (!r->obj) {
		char msg[256];

		err = libbpf_error(err, msg, sizeof(msg));
		eun_warn(&r->log,
			 "%s: libbpf cannot open the BPF object: %s (is bpf_object a BPF ELF built "
			 "by ecc or clang -target bpf?)",
			 eunomia_package__name(pkg), msg);
		goto err_out;
	}
	err = eun_args__init(r);
	if (err)
		goto err_out;
	return r;

err_out:
	eunomia_runner__free(r);
	errno = err < 0 ? -err : EINVAL;
	return NULL;
}

/* ---- program selection and variants --------------------------------------------------- */

/* Is NAME in the comma-separated LIST? */
static bool in_list(const char *list, const char *name)
{
	size_t len = strlen(name);
	const char *p = list;

	while (p && *p) {
		const char *e = strchrnul(p, ',');

		if ((size_t)(e - p) == len && !strncmp(p, name, len))
			return true;
		p = *e ? e + 1 : e;
	}
	return false;
}

/* Names in LIST that are not programs of the object: a typo must not go unnoticed. */
static int check_list(struct eunomia_runner *r, const char *list, const char *what)
{
	const char *p = list;
	char name[256];

	while (p && *p) {
		const char *e = strchrnul(p, ',');
		size_t len = (size_t)(e - p);

		if (len && len < sizeof(name)) {
			memcpy(name, p, len);
			name[len] = '\0';
			if (!bpf_object__find_program_by_name(r->obj, name)) {
				struct strbuf names = STRBUF_INIT;
				struct bpf_program *prog;

				bpf_object__for_each_program(prog, r->obj)
					sb_addf(&names, "%s%s", names.len ? ", " : "",
						bpf_program__name(prog));
				eun_warn(&r->log,
					 "%s: no program named '%s' in %s; its programs are: %s",
					 what, name, eunomia_package__name(r->pkg), sb_str(&names));
				sb_free(&names);
				return -EUNOMIA_ERR_ARG;
			}
		}
		p = *e ? e + 1 : e;
	}
	return 0;
}

enum variant_kind {
	VK_OTHER,
	VK_TRAMPOLINE, /* fentry/fexit/fmod_ret/lsm/freplace: need BPF trampolines */
	VK_KPROBE,
	VK_TP,
};

static const struct {
	const char *prefix;
	const char *class; /* programs of the same class and target are variants */
	enum variant_kind kind;
} variant_secs[] = {
	{"fentry/", "entry", VK_TRAMPOLINE},
	{"fentry.s/", "entry", VK_TRAMPOLINE},
	{"kprobe/", "entry", VK_KPROBE},
	{"ksyscall/", "entry", VK_KPROBE},
	{"fexit/", "exit", VK_TRAMPOLINE},
	{"fexit.s/", "exit", VK_TRAMPOLINE},
	{"kretprobe/", "exit", VK_KPROBE},
	{"kretsyscall/", "exit", VK_KPROBE},
	{"fmod_ret/", "entry", VK_TRAMPOLINE},
	{"lsm/", "lsm", VK_TRAMPOLINE},
	{"lsm.s/", "lsm", VK_TRAMPOLINE},
	{"tp_btf/", "tp", VK_TP},
	{"raw_tp/", "tp", VK_TP},
	{"raw_tracepoint/", "tp", VK_TP},
	{"tp/", "tp", VK_TP},
	{"tracepoint/", "tp", VK_TP},
};

/* Program-name suffixes that mark variants of one probe: "handle_exit_fentry" etc. */
static const char *const variant_suffixes[] = {
	"_fentry", "_fexit", "_kprobe",	    "_kretprobe", "_tp_btf",   "_raw_tp",
	"_btf",	   "_tp",    "_tracepoint", "_lsm",	  "_fmod_ret",
};

static enum variant_kind sec_variant(const char *sec, char *key, size_t keysz, int *idx)
{
	size_t i;

	for (i = 0; i < sizeof(variant_secs) / sizeof(variant_secs[0]); i++) {
		size_t pl = strlen(variant_secs[i].prefix);
		const char *target, *slash;

		if (strncmp(sec, variant_secs[i].prefix, pl))
			continue;
		target = sec + pl;
		/* tp/<category>/<name>: the event name alone matches tp_btf/<name> */
		slash = strrchr(target, '/');
		if (slash)
			target = slash + 1;
		snprintf(key, keysz, "%s:%s", variant_secs[i].class, target);
		*idx = (int)i;
		return variant_secs[i].kind;
	}
	snprintf(key, keysz, "%s", sec);
	*idx = -1;
	return VK_OTHER;
}

/* Base name for the suffix convention, or false when NAME has no variant suffix. */
static bool name_base(const char *name, char *base, size_t basesz)
{
	size_t len = strlen(name), i;

	for (i = 0; i < sizeof(variant_suffixes) / sizeof(variant_suffixes[0]); i++) {
		size_t sl = strlen(variant_suffixes[i]);

		if (len > sl && !strcmp(name + len - sl, variant_suffixes[i])) {
			snprintf(base, basesz, "name:%.*s", (int)(len - sl), name);
			return true;
		}
	}
	return false;
}

/* Trial-load a trivial fentry program attached to kernel BTF type btf_id: 0 or -errno. */
static int load_fentry(int btf_id)
{
	struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	struct bpf_prog_load_opts lopts = {.sz = sizeof(struct bpf_prog_load_opts),
					   .expected_attach_type = BPF_TRACE_FENTRY,
					   .attach_btf_id = (__u32)btf_id};
	int fd;

	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "eun_probe", "GPL", insns, 2, &lopts);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/*
 * Can this kernel load BPF trampolines? A kernel that accepts them checks the attach target
 * first and answers a program without one (BTF id 0) with EINVAL; a kernel that refuses them
 * (lockdown, LSM, no JIT support) answers anything else, typically EPERM, without looking.
 * That first try costs ~0.1 ms; only on EINVAL is the real target looked up, which means
 * parsing the whole kernel BTF (~10 ms), and trial-loaded.
 */
static int probe_trampoline(void)
{
	int id, err;

	err = load_fentry(0);
	if (err != -EINVAL)
		return err ? err : -EINVAL; /* 0 would be a kernel bug: do not trust it */
	id = libbpf_find_vmlinux_btf_id("bpf_fentry_test1", BPF_TRACE_FENTRY);
	if (id < 0)
		return id;
	return load_fentry(id);
}

static bool kprobe_supported(void)
{
	return access("/sys/bus/event_source/devices/kprobe/type", F_OK) == 0 ||
	       access("/sys/kernel/tracing/kprobe_events", F_OK) == 0 ||
	       access("/sys/kernel/debug/tracing/kprobe_events", F_OK) == 0;
}

struct prog_info {
	struct bpf_program *prog;
	char key[256];	/* section class:target */
	char base[256]; /* name-suffix base or "" */
	enum variant_kind kind;
	int sec_idx; /* index in variant_secs[] or -1 */
	int ok;	     /* 1 supported, 0 not, -1 unknown yet */
	int group;
};

static int kind_supported(struct eunomia_runner *r, struct prog_info *pi, int *tramp)
{
	switch (pi->kind) {
	case VK_TRAMPOLINE:
		if (*tramp == -1)
			*tramp = probe_trampoline() == 0;
		return *tramp;
	case VK_KPROBE:
		return kprobe_supported();
	default:
		return libbpf_probe_bpf_prog_type(bpf_program__type(pi->prog), NULL) == 1;
	}
}

static const char *kind_reason(enum variant_kind k)
{
	switch (k) {
	case VK_TRAMPOLINE:
		return "this kernel refuses BPF trampolines (fentry/fexit/lsm)";
	case VK_KPROBE:
		return "this kernel has no kprobe support";
	default:
		return "this kernel does not support the program type";
	}
}

/*
 * Programs implementing the same probe several ways (fentry/kprobe/tp variants, grouped by
 * attach target or by a name suffix) are variants: keep the first one this kernel accepts.
 */
static void select_variants(struct eunomia_runner *r)
{
	struct bpf_program *prog;
	struct prog_info *pi = NULL;
	size_t n = 0, i, j;
	int tramp = -1, ngroups = 0;

	bpf_object__for_each_program(prog, r->obj) if (bpf_program__autoload(prog)) n++;
	if (n < 2)
		return;
	pi = calloc(n, sizeof(*pi));
	if (!pi)
		return;
	n = 0;
	bpf_object__for_each_program(prog, r->obj)
	{
		if (!bpf_program__autoload(prog))
			continue;
		pi[n].prog = prog;
		pi[n].kind = sec_variant(bpf_program__section_name(prog), pi[n].key,
					 sizeof(pi[n].key), &pi[n].sec_idx);
		if (!name_base(bpf_program__name(prog), pi[n].base, sizeof(pi[n].base)))
			pi[n].base[0] = '\0';
		pi[n].ok = -1;
		pi[n].group = -1;
		n++;
	}
	/* union programs sharing a (class:target) key or a name base into groups */
	for (i = 0; i < n; i++) {
		if (pi[i].group >= 0)
			continue;
		pi[i].group = ngroups++;
		for (bool changed = true; changed;) {
			changed = false;
			for (j = 0; j < n; j++) {
				size_t k;

				if (pi[j].group >= 0)
					continue;
				for (k = 0; k < n; k++) {
					if (pi[k].group != pi[i].group)
						continue;
					if ((pi[j].kind != VK_OTHER &&
					     !strcmp(pi[j].key, pi[k].key)) ||
					    (pi[j].base[0] && !strcmp(pi[j].base, pi[k].base))) {
						pi[j].group = pi[i].group;
						changed = true;
						break;
					}
				}
			}
		}
	}
	for (int g = 0; g < ngroups; g++) {
		size_t members = 0, chosen = n;
		int first_sec = -2;
		bool differ = false;

		/* variants differ in how they attach; two programs on one hook are not variants */
		for (i = 0; i < n; i++) {
			if (pi[i].group != g)
				continue;
			members++;
			if (first_sec == -2)
				first_sec = pi[i].sec_idx;
			else if (pi[i].sec_idx != first_sec)
				differ = true;
		}
		if (members < 2 || !differ)
			continue;
		for (i = 0; i < n; i++) {
			if (pi[i].group != g)
				continue;
			pi[i].ok = kind_supported(r, &pi[i], &tramp);
			if (pi[i].ok && chosen == n)
				chosen = i;
		}
		if (chosen == n)
			continue; /* none works: let load/attach report the real error */
		for (i = 0; i < n; i++) {
			if (pi[i].group != g || i == chosen)
				continue;
			bpf_program__set_autoload(pi[i].prog, false);
			eun_info(&r->log,
				 "prog '%s' (%s): not used, variant '%s' (%s) runs instead%s%s",
				 bpf_program__name(pi[i].prog),
				 bpf_program__section_name(pi[i].prog),
				 bpf_program__name(pi[chosen].prog),
				 bpf_program__section_name(pi[chosen].prog), pi[i].ok ? "" : ": ",
				 pi[i].ok ? "" : kind_reason(pi[i].kind));
		}
	}
	free(pi);
}

static void size_maps(struct eunomia_runner *r)
{
	uint32_t def = r->opts.default_max_entries ?: DEFAULT_MAX_ENTRIES;
	struct bpf_map *map;

	bpf_object__for_each_map(map, r->obj)
	{
		enum bpf_map_type t = bpf_map__type(map);
		uint32_t want = def;

		if (t == BPF_MAP_TYPE_STACK_TRACE && bpf_map__value_size(map) == 0) {
			bpf_map__set_value_size(map, STACK_TRACE_VALUE_SIZE);
			eun_info(&r->log, "map '%s': value_size defaulted to %d (127 frames)",
				 bpf_map__name(map), STACK_TRACE_VALUE_SIZE);
		}
		if (bpf_map__max_entries(map) != 0)
			continue;
		switch (t) {
		case BPF_MAP_TYPE_PERF_EVENT_ARRAY: /* libbpf sizes it to the CPU count */
		case BPF_MAP_TYPE_CGROUP_STORAGE:
		case BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE:
		case BPF_MAP_TYPE_SK_STORAGE:
		case BPF_MAP_TYPE_INODE_STORAGE:
		case BPF_MAP_TYPE_TASK_STORAGE:
		case BPF_MAP_TYPE_STRUCT_OPS:
			continue;
		case BPF_MAP_TYPE_RINGBUF:
		case BPF_MAP_TYPE_USER_RINGBUF:
			want = DEFAULT_RINGBUF_SIZE;
			break;
		default:
			break;
		}
		bpf_map__set_max_entries(map, want);
		eun_info(&r->log, "map '%s': max_entries defaulted to %u", bpf_map__name(map),
			 want);
	}
}

/* ---- load ---------------------------------------------------------------------------- */

static bool is_trampoline_type(const struct bpf_program *p)
{
	enum bpf_prog_type t = bpf_program__type(p);
	enum bpf_attach_type a = bpf_program__expected_attach_type(p);

	if (t == BPF_PROG_TYPE_LSM || t == BPF_PROG_TYPE_EXT)
		return true;
	return t == BPF_PROG_TYPE_TRACING && a != BPF_TRACE_RAW_TP && a != BPF_TRACE_ITER;
}

/*
 * libbpf's own wording for problems we re-report more clearly (verifier log dump, the
 * misleading "ulimit -l" hint, per-program load failures); shown only with -v.
 */
static bool reworded(const char *line, size_t len)
{
	static const char *const pats[] = {"PROG LOAD LOG", "ulimit", "failed to load",
					   "BPF program load failed"};

	for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++)
		if (memmem(line, len, pats[i], strlen(pats[i])))
			return true;
	return false;
}

/* Show the warnings libbpf gave while loading (those we do not reword), one per line. */
static void replay_warnings(struct eunomia_runner *r, const char *cap)
{
	bool in_log = false;

	while (cap && *cap) {
		const char *e = strchrnul(cap, '\n'), *l = strip_libbpf(cap);
		size_t len = (size_t)(e - l);

		if (memmem(l, len, "-- BEGIN PROG LOAD LOG --", 25))
			in_log = true;
		else if (memmem(l, len, "-- END PROG LOAD LOG --", 23))
			in_log = false;
		else if (!in_log && len && !reworded(l, len))
			eun_warn(&r->log, "libbpf: %.*s", (int)len, l);
		cap = *e ? e + 1 : e;
	}
}

/* Print the last `max` lines of log (no trailing partial noise). */
static void warn_log_tail(struct eunomia_runner *r, const char *log, size_t len, int max)
{
	const char *start = log, *p = log + len;
	int lines = 0;

	while (p > log && (p[-1] == '\n' || p[-1] == ' '))
		p--;
	len = (size_t)(p - log);
	while (p > log) {
		if (p[-1] == '\n' && ++lines >= max) {
			start = p;
			break;
		}
		p--;
	}
	if (start != log)
		eun_warn(&r->log, "  ... (log truncated to its last %d lines; use -v for all)",
			 max);
	while (start < log + len) {
		const char *e = memchr(start, '\n', (size_t)(log + len - start));

		if (!e)
			e = log + len;
		eun_warn(&r->log, "  %.*s", (int)(e - start), start);
		start = e + 1;
	}
}

/* The program named by the first "prog 'NAME': ..." line of a load failure, or false. */
static bool failed_prog(const char *cap, char *name, size_t size)
{
	static const char *const marks[] = {"BPF program load failed",
					    "failed to load:", "-- BEGIN PROG LOAD LOG --"};
	const char *line = cap;

	while (line && *line) {
		const char *end = strchrnul(line, '\n'), *l = strip_libbpf(line);

		for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
			const char *m = memmem(l, (size_t)(end - l), marks[i], strlen(marks[i]));
			const char *q;

			if (!m || strncmp(l, "prog '", 6))
				continue;
			q = memchr(l + 6, '\'', (size_t)(end - l - 6));
			if (!q || (size_t)(q - l - 6) >= size)
				continue;
			memcpy(name, l + 6, (size_t)(q - l - 6));
			name[q - l - 6] = '\0';
			return true;
		}
		line = *end ? end + 1 : end;
	}
	return false;
}

/* Explain why bpf_object__load failed using libbpf's captured messages. */
static int explain_load_failure(struct eunomia_runner *r, const char *cap, int err)
{
	struct bpf_program *prog;
	const char *lb, *le, *sec;
	char name[128], msg[256];
	int code = libbpf_error(err, msg, sizeof(msg));

	if (failed_prog(cap, name, sizeof(name))) {
		replay_warnings(r, cap);
		prog = bpf_object__find_program_by_name(r->obj, name);
		sec = prog ? bpf_program__section_name(prog) : "?";
		lb = strstr(cap, "-- BEGIN PROG LOAD LOG --");
		if (prog && is_trampoline_type(prog) && (err == -EPERM || !lb)) {
			eun_warn(
				&r->log,
				"prog '%s' (%s): the kernel refused to load it (%s): this kernel "
				"refuses fentry/fexit/lsm programs (BPF trampolines unavailable); use "
				"--disable %s or a kprobe/tp variant",
				name, sec, msg, name);
			return code;
		}
		if (lb) {
			lb += strlen("-- BEGIN PROG LOAD LOG --");
			if (*lb == '\n')
				lb++;
			le = strstr(lb, "-- END PROG LOAD LOG --");
			if (!le)
				le = lb + strlen(lb);
			eun_warn(&r->log, "prog '%s' (%s): the kernel verifier rejected it:", name,
				 sec);
			warn_log_tail(r, lb, (size_t)(le - lb), VERIFIER_TAIL_LINES);
			eun_warn(
				&r->log,
				"prog '%s': fix the program (see the verifier log above) or skip it "
				"with --disable %s",
				name, name);
			return -EUNOMIA_ERR_VERIFIER;
		}
		eun_warn(&r->log, "prog '%s' (%s): the kernel refused to load it: %s", name, sec,
			 msg);
		return code;
	}
	/* Not a program failure: libbpf's own warnings say what went wrong. */
	replay_warnings(r, cap);
	eun_warn(&r->log, "%s: loading the BPF object failed: %s", eunomia_package__name(r->pkg),
		 msg);
	return code;
}

/*
 * Load failed while a cached minimal BTF stood in for the kernel BTF: open the object again
 * without it, carry over what was set on the first one (program selection, map sizes, the
 * argument values in the data sections), and load that. The cache must never cost a run.
 */
static int reload_without_cache(struct eunomia_runner *r, struct strbuf *cap)
{
	struct bpf_object *old = r->obj, *obj;
	struct eunomia_runner *prev;
	struct bpf_program *p, *q;
	struct bpf_map *m, *n;
	size_t i;
	int err;

	eun_info(&r->log,
		 "%s: loading with the cached minimal BTF %s failed; dropping that entry and "
		 "loading with the kernel BTF instead",
		 eunomia_package__name(r->pkg), r->btf_cache_path);
	obj = open_object(r, NULL, &err);
	if (!obj)
		return err;
	bpf_object__for_each_program(p, old)
	{
		q = bpf_object__find_program_by_name(obj, bpf_program__name(p));
		if (q)
			bpf_program__set_autoload(q, bpf_program__autoload(p));
	}
	bpf_object__for_each_map(m, old)
	{
		const void *data;
		size_t sz;

		n = bpf_object__find_map_by_name(obj, bpf_map__name(m));
		if (!n)
			continue;
		if (bpf_map__max_entries(n) != bpf_map__max_entries(m))
			bpf_map__set_max_entries(n, bpf_map__max_entries(m));
		if (bpf_map__value_size(n) != bpf_map__value_size(m))
			bpf_map__set_value_size(n, bpf_map__value_size(m));
		data = bpf_map__initial_value(m, &sz);
		if (data && sz)
			bpf_map__set_initial_value(n, data, sz);
	}
	for (i = 0; i < r->nr_args; i++)
		if (r->args[i].map)
			r->args[i].map =
				bpf_object__find_map_by_name(obj, bpf_map__name(r->args[i].map));
	prev = runner_enter(r);
	bpf_object__close(old);
	r->obj = obj;
	btf_cache_reject(r);
	sb_reset(cap);
	cur_capture = cap;
	err = bpf_object__load(r->obj);
	cur_capture = NULL;
	runner_leave(prev);
	return err;
}

int eunomia_runner__load(struct eunomia_runner *r)
{
	struct eunomia_runner *prev;
	struct strbuf cap = STRBUF_INIT;
	struct bpf_program *prog;
	int err, nload = 0;

	if (!r)
		return -EINVAL;
	if (r->state != EUN_STATE_OPENED) {
		eun_warn(&r->log, "load: the runner is already loaded");
		return -EUNOMIA_ERR_STATE;
	}
	err = check_list(r, r->opts.only_progs, "--only");
	if (!err)
		err = check_list(r, r->opts.disable_progs, "--disable");
	if (err)
		return err;
	bpf_object__for_each_program(prog, r->obj)
	{
		const char *name = bpf_program__name(prog);

		if ((r->opts.only_progs && !in_list(r->opts.only_progs, name)) ||
		    (r->opts.disable_progs && in_list(r->opts.disable_progs, name))) {
			bpf_program__set_autoload(prog, false);
			eun_info(&r->log, "prog '%s': disabled on request", name);
		}
	}
	prev = runner_enter(r);
	select_variants(r);
	bpf_object__for_each_program(prog, r->obj) nload += bpf_program__autoload(prog);
	size_maps(r);
	runner_leave(prev);
	if (nload == 0)
		eun_warn(&r->log, "%s: no program left to load (check --only/--disable)",
			 eunomia_package__name(r->pkg));

	err = eun_args__apply(r);
	if (err)
		return err;

	prev = runner_enter(r);
	cur_capture = &cap;
	err = bpf_object__load(r->obj);
	cur_capture = NULL;
	runner_leave(prev);
	if (err && r->btf_cache_path)
		err = reload_without_cache(r, &cap);
	if (err) {
		err = explain_load_failure(r, sb_str(&cap), err);
		sb_free(&cap);
		return err;
	}
	replay_warnings(r, sb_str(&cap));
	sb_free(&cap);
	if (r->btf_cache_dir && (r->btf_cache_path || eun_btfcache__needs_kernel_btf(r->obj))) {
		/* a hit needs no store; and when libbpf loads the kernel BTF anyway (fentry, lsm,
		 * typed ksyms...) a minimal BTF gains nothing */
		free(r->btf_cache_dir);
		r->btf_cache_dir = NULL;
	}

	r->output = eun_output__new(r);
	if (!r->output) {
		err = errno ? -errno : -EINVAL;
		eun_warn(&r->log, "%s: cannot set up event output: %s",
			 eunomia_package__name(r->pkg), eunomia_strerror(err));
		return err;
	}
	r->state = EUN_STATE_LOADED;
	return 0;
}

int eunomia_runner__attach(struct eunomia_runner *r)
{
	struct eunomia_runner *prev;
	int n;

	if (!r)
		return -EINVAL;
	/* DETACHED: attach again after detach (pause/resume) */
	if (r->state != EUN_STATE_LOADED && r->state != EUN_STATE_DETACHED) {
		eun_warn(&r->log, "attach: %s",
			 r->state == EUN_STATE_OPENED ? "load the runner first"
						      : "the runner was already attached");
		return -EUNOMIA_ERR_STATE;
	}
	prev = runner_enter(r);
	n = eun_attach__all(r);
	runner_leave(prev);
	if (n >= 0)
		r->state = EUN_STATE_ATTACHED;
	return n;
}

/* ---- poll ---------------------------------------------------------------------------- */

int eunomia_runner__poll(struct eunomia_runner *r, int timeout_ms)
{
	uint64_t now;
	int err;

	if (!r)
		return -EINVAL;
	if (r->stop)
		return -EINTR;
	if (r->state != EUN_STATE_ATTACHED && r->state != EUN_STATE_LOADED)
		return -EUNOMIA_ERR_STATE;
	now = eun_now_ns();
	if (!r->start_ns) {
		r->start_ns = now;
		btf_cache_store(r); /* after "Running": off the start-up path */
	}
	if (r->opts.duration_ms > 0) {
		uint64_t end = r->start_ns + (uint64_t)r->opts.duration_ms * 1000000ull;

		if (now >= end)
			return -ETIME;
		if (timeout_ms < 0 || (uint64_t)timeout_ms * 1000000ull > end - now)
			timeout_ms = (int)((end - now + 999999) / 1000000);
	}
	err = eun_output__poll(r->output, timeout_ms);
	if (r->stop)
		return -EINTR;
	if (err == -EINTR)
		return 0; /* a signal that did not stop us */
	return err;
}

int eunomia_runner__run(struct eunomia_runner *r)
{
	int timeout, err;

	if (!r)
		return -EINVAL;
	timeout = r->meta->poll_timeout_ms > 0 ? r->meta->poll_timeout_ms : 100;
	for (;;) {
		err = eunomia_runner__poll(r, timeout);
		if (err == -EINTR || err == -ETIME)
			return 0;
		if (err < 0)
			return err;
	}
}

void eunomia_runner__stop(struct eunomia_runner *r)
{
	if (r)
		r->stop = 1;
}

int eunomia_runner__detach(struct eunomia_runner *r)
{
	struct eunomia_runner *prev;
	int err;

	if (!r)
		return -EINVAL;
	prev = runner_enter(r);
	err = eun_attach__detach_all(r);
	runner_leave(prev);
	if (r->state == EUN_STATE_ATTACHED)
		r->state = EUN_STATE_DETACHED;
	return err;
}

void eunomia_runner__free(struct eunomia_runner *r)
{
	struct eunomia_runner *prev;

	if (!r)
		return;
	prev = runner_enter(r);
	eun_attach__detach_all(r);
	/* a run stopped before its first poll has not filled the cache yet: do it now */
	if (r->state != EUN_STATE_OPENED)
		btf_cache_store(r);
	free(r->att);
	r->att = NULL;
	r->nr_att = 0;
	eun_output__free(r->output);
	r->output = NULL;
	eun_args__free(r);
	bpf_object__close(r->obj);
	runner_leave(prev);
	if (r->btf_tmp_path) {
		unlink(r->btf_tmp_path);
		free(r->btf_tmp_path);
	}
	free(r->btf_cache_path);
	free(r->btf_cache_dir);
	free(r);
}

uint64_t eunomia_runner__lost_events(const struct eunomia_runner *r)
{
	return r && r->output ? eun_output__lost(r->output) : 0;
}

struct bpf_object *eunomia_runner__bpf_object(const struct eunomia_runner *r)
{
	return r ? r->obj : NULL;
}
