/* SPDX-License-Identifier: MIT */
/*
 * libeunomia — run self-describing eBPF packages (ecc output) with no user-space code.
 *
 * Lifecycle, in the order a caller uses it:
 *
 *	pkg = eunomia_package__open("tool.json", &popts);     // file, "-", .yaml, .tar, http(s)://
 *	r   = eunomia_runner__open(pkg, &ropts);              // opens the BPF object (not loaded)
 *	eunomia_runner__parse_args(r, argc, argv);            // or eunomia_runner__set_arg()
 *	eunomia_runner__load(r);                              // verifier; variants; map sizes
 *	eunomia_runner__attach(r);                            // every program, by section rules
 *	while (!stop) eunomia_runner__poll(r, 100);            // events and sampled maps
 *	eunomia_runner__free(r);                              // detaches everything
 *	eunomia_package__free(pkg);
 *
 * Conventions (libbpf's):
 *  - int-returning functions give 0 (or a count) on success and a negative error code on
 *    failure: -errno, or -EUNOMIA_ERR_* for our own errors; eunomia_strerror() names both.
 *  - pointer-returning functions give NULL and set errno (positive) on failure.
 *  - options structs start with `size_t sz` (use EUNOMIA_OPTS()); NULL means defaults.
 *  - destructors accept NULL.
 *  - the library never prints to stdout/stderr on its own and never exits: diagnostics go to
 *    the print callback given in the options (none given: they are dropped); events and
 *    sampled maps go to the output stream or callback given in the runner options.
 *  - all state lives in the objects: two runners in one process are independent.
 *  - libbpf's print hook is process-wide: a runner installs its own while it calls libbpf and
 *    passes messages not caused by a runner to the hook installed before it.
 * Environment: the library reads only these variables (each has an option that wins):
 *    BTF_FILE_PATH          BTF of the running kernel (runner opts btf_path wins)
 *    EUNOMIA_NO_BTF_CACHE   non-empty and not "0": as runner opts no_btf_cache
 *    EUNOMIA_BTF_CACHE_DIR  minimal-BTF cache directory (runner opts btf_cache_dir wins);
 *                           unset: /var/cache/eunomia/btf for root, else
 *                           $XDG_CACHE_HOME/eunomia/btf or $HOME/.cache/eunomia/btf
 *    EUNOMIA_BPFTOOL        bpftool used by eunomia_runner__fill_btf_cache (default: PATH)
 *    EUNOMIA_OS_RELEASE     os-release file naming the distribution when a btfhub-archive
 *                           entry is chosen (default /etc/os-release, /usr/lib/os-release)
 */
#ifndef EUNOMIA_EUNOMIA_H
#define EUNOMIA_EUNOMIA_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EUNOMIA_API __attribute__((visibility("default")))

/* Zero-initialise an options struct and set its size: EUNOMIA_OPTS(runner, o, .format = ...); */
#define EUNOMIA_OPTS(TYPE, NAME, ...)                                                      \
	struct eunomia_##TYPE##_opts NAME = ({                                             \
		memset(&NAME, 0, sizeof(struct eunomia_##TYPE##_opts));                    \
		(struct eunomia_##TYPE##_opts){.sz = sizeof(struct eunomia_##TYPE##_opts), \
					       __VA_ARGS__};                               \
	})

/* ---- errors ---------------------------------------------------------------------------- */

/* Error codes (EUNOMIA_ERR_*), print levels and the print callback type. The same block is
 * in common/error.h (the library's internal layers use that one); keep the two identical. */
/* BEGIN shared types */
#ifndef EUNOMIA_SHARED_TYPES
#define EUNOMIA_SHARED_TYPES
/*
 * Our own error codes, returned negated like errno values. They live at 6000 and up: libbpf
 * uses 4000..4100 (LIBBPF_ERRNO__START) and errno values stay below 4096.
 */
enum eunomia_error {
	EUNOMIA_ERR_START = 6000,
	EUNOMIA_ERR_PARSE = EUNOMIA_ERR_START, /* package document is not valid JSON/YAML */
	EUNOMIA_ERR_BASE64,		       /* bpf_object is not valid base64 */
	EUNOMIA_ERR_ZLIB,		       /* bpf_object does not inflate */
	EUNOMIA_ERR_SIZE,		       /* inflated size != bpf_object_size, or too big */
	EUNOMIA_ERR_FIELD,		       /* a required field is missing or mistyped */
	EUNOMIA_ERR_EXPORT_TYPE,	       /* export_types do not match the object's BTF */
	EUNOMIA_ERR_DIGEST,		       /* package digest does not match the pin */
	EUNOMIA_ERR_NO_BTF,   /* no kernel BTF, no BTF_FILE_PATH, no archive match */
	EUNOMIA_ERR_VERIFIER, /* the kernel verifier rejected a program */
	EUNOMIA_ERR_ATTACH,   /* nothing useful attached (or --strict failure) */
	EUNOMIA_ERR_ARG,      /* bad value or unknown tool argument */
	EUNOMIA_ERR_FETCH,    /* URL could not be fetched */
	EUNOMIA_ERR_ARCHIVE,  /* .tar container is malformed */
	EUNOMIA_ERR_STATE,    /* call made in the wrong lifecycle state */
	EUNOMIA_ERR_END,
};

enum eunomia_print_level {
	EUNOMIA_WARN,  /* something the user should see (also errors) */
	EUNOMIA_INFO,  /* progress, notices (e.g. "map 'x': max_entries defaulted to 10240") */
	EUNOMIA_DEBUG, /* libbpf's own log and internals (ecli -v) */
};

/* The format has no trailing newline guarantee; messages are whole lines. */
typedef void (*eunomia_print_fn_t)(void *ctx, enum eunomia_print_level level, const char *fmt,
				   va_list args);
#endif
/* END shared types */

/* Message for a 0/-errno/-EUNOMIA_ERR_* value (sign ignored). Never NULL; static storage. */
EUNOMIA_API const char *eunomia_strerror(int err);

/* ---- packages -------------------------------------------------------------------------- */

struct eunomia_package;

struct eunomia_package_opts {
	size_t sz;
	eunomia_print_fn_t print;
	void *print_ctx;
	/* Lower-case hex SHA-256 the raw bytes (document or .tar) must have; NULL: no pin.
	 * A URL's "#sha256=<hex>" fragment sets this too. */
	const char *sha256;
	/* Upper bound on document and inflated object sizes; 0: 256 MiB. */
	size_t max_size;
	/* Seconds before a URL fetch gives up; 0: 30. */
	int fetch_timeout_s;
};

/*
 * Parse and validate a package held in memory: JSON or YAML document (detected), or a .tar
 * container (package.json + btfhub-archive/). Checks, in order: document parses, base64,
 * zlib, inflated size, required fields and types. `name` is used in messages (may be NULL).
 * Returns a new package (caller frees with eunomia_package__free) or NULL with errno set to
 * an EUNOMIA_ERR_* or errno value; the reason is also sent to opts->print.
 */
EUNOMIA_API struct eunomia_package *eunomia_package__open_mem(
	const void *data, size_t size, const char *name, const struct eunomia_package_opts *opts);

/* Read a file (or standard input for "-") and open it as above. */
EUNOMIA_API struct eunomia_package *eunomia_package__open_file(
	const char *path, const struct eunomia_package_opts *opts);

/* Fetch http(s)://… with libcurl (optional #sha256=<hex> pin) and open it as above. */
EUNOMIA_API struct eunomia_package *eunomia_package__open_url(
	const char *url, const struct eunomia_package_opts *opts);

/* Dispatch on the location: URL, "-", or file path. */
EUNOMIA_API struct eunomia_package *eunomia_package__open(const char *location,
							  const struct eunomia_package_opts *opts);

EUNOMIA_API void eunomia_package__free(struct eunomia_package *pkg);

/* Object name from meta.bpf_skel.obj_name (e.g. "opensnoop_bpf"); owned by pkg. */
EUNOMIA_API const char *eunomia_package__obj_name(const struct eunomia_package *pkg);
/* Tool name: obj_name without the "_bpf" suffix; owned by pkg. */
EUNOMIA_API const char *eunomia_package__name(const struct eunomia_package *pkg);
/* The inflated BPF ELF object; owned by pkg. */
EUNOMIA_API const void *eunomia_package__elf(const struct eunomia_package *pkg, size_t *size);
/* Lower-case hex SHA-256 of the raw bytes the package was opened from; owned by pkg. */
EUNOMIA_API const char *eunomia_package__sha256(const struct eunomia_package *pkg);
/* True when the package carries a btfhub-archive (from a .tar container). */
EUNOMIA_API bool eunomia_package__has_btf_archive(const struct eunomia_package *pkg);

/* ---- runners: one loaded, attached instance of a package ------------------------------ */

struct eunomia_runner;

enum eunomia_format {
	EUNOMIA_FMT_PLAIN, /* bcc-style table: header once, TIME column */
	EUNOMIA_FMT_JSON,  /* NDJSON, one object per event / per sampled map entry */
	EUNOMIA_FMT_RAW,   /* hex dump of each record, no decoding */
};

/*
 * Output sink: called once per output line (event row, header, histogram line), without the
 * trailing newline. Return 0 to continue, negative to stop polling (returned from poll()).
 */
typedef int (*eunomia_output_fn_t)(void *ctx, const char *line, size_t len);

struct eunomia_runner_opts {
	size_t sz;
	eunomia_print_fn_t print;
	void *print_ctx;
	/* Forward libbpf's own log (at EUNOMIA_DEBUG) and verbose verifier logs. */
	bool verbose;

	/* Output: a callback, else a stream (default stdout). The stream is flushed at the end of
	 * every poll round, before the runner waits again: no event waits in a buffer while the
	 * runner sleeps, and a flood costs one write per round, not one per event. */
	enum eunomia_format format;
	FILE *out;
	eunomia_output_fn_t output;
	void *output_ctx;

	/* BTF: explicit vmlinux BTF file (wins over BTF_FILE_PATH and the package archive). */
	const char *btf_path;
	/* Path checked for "does this kernel have BTF" (tests override); NULL:
	 * /sys/kernel/btf/vmlinux */
	const char *kernel_btf_path;

	/* Attach targets chosen at run time (each overrides the package metadata). */
	const char *ifname;	   /* xdp / tc interface by name ... */
	int ifindex;		   /* ... or index (0: unset) */
	const char *uprobe_binary; /* replaces the binary of uprobe/uretprobe/usdt sections */
	int pid;		   /* uprobe/usdt/perf_event pid filter (0: all) */
	const char *cgroup_path;   /* cgroup programs (default: /sys/fs/cgroup/unified) */
	int perf_freq;		   /* perf_event programs: samples/s per CPU (0: 49) */

	/* Program selection: comma-separated names. */
	const char *only_progs;	   /* load only these */
	const char *disable_progs; /* never load these */

	/* Maps user space was expected to size: default max_entries (0: 10240). */
	uint32_t default_max_entries;
	/* Fail when any program fails to attach (default: only when none attached). */
	bool strict;
	/* Deprecated: the library no longer mounts tracefs unless mount_tracefs is set (an ABI
	 * change of the 0.x series: it used to mount by default). Kept for ABI; when set it
	 * still forbids mounting. */
	bool no_mount_tracefs;
	/* Stop polling after this many milliseconds (0: no limit). */
	int duration_ms;

	/* Minimal-BTF cache for CO-RE objects (spares libbpf parsing the kernel BTF): do not
	 * use or fill it (the environment variable EUNOMIA_NO_BTF_CACHE=1 does the same). */
	bool no_btf_cache;
	/* Its directory; NULL: $EUNOMIA_BTF_CACHE_DIR, else /var/cache/eunomia/btf for root,
	 * else $XDG_CACHE_HOME/eunomia/btf. */
	const char *btf_cache_dir;

	/* uprobe/uretprobe programs: the function to probe, "NAME" or "NAME+OFFSET" (or a bare
	 * "+OFFSET" into the binary); replaces the one in the section, which may name none. */
	const char *uprobe_func;

	/* Fields added later come last (an older caller's sz leaves them zero). */
	/* Mount tracefs at /sys/kernel/tracing when it is missing and a tracepoint or kprobe
	 * program needs it (root only). Default: never mount anything. */
	bool mount_tracefs;
	/* Turn on the kernel's BPF run-time statistics (BPF_ENABLE_STATS) from load until the
	 * runner is freed, for the run_count/run_time metrics (eunomia_runner__metrics). */
	bool bpf_stats;
	/* Events with stacks (stack traces with symbols) print one folded line each,
	 * `comm;outermost;...;innermost 1`, the input of flame graph tools. */
	bool folded;
};

/* Open the package's BPF object (not yet loaded). pkg must outlive the runner. */
EUNOMIA_API struct eunomia_runner *eunomia_runner__open(const struct eunomia_package *pkg,
							const struct eunomia_runner_opts *opts);

/* Tool arguments, generated from the metadata (one per data-section variable). */
struct eunomia_arg_info {
	const char *name;	  /* variable name, e.g. "min_duration_ns" */
	const char *long_name;	  /* flag without dashes; default: the name */
	char short_name;	  /* 0: none */
	const char *help;	  /* from @description / @cmdarg help; may be "" */
	const char *type;	  /* C type text, e.g. "unsigned long long", "char[16]" */
	const char *default_text; /* the value compiled into the object, as text */
	bool is_bool;		  /* switch: no value */
	const char *section;	  /* ".rodata", ".bss", ... */
};

EUNOMIA_API size_t eunomia_runner__arg_count(const struct eunomia_runner *r);
EUNOMIA_API const struct eunomia_arg_info *eunomia_runner__arg(const struct eunomia_runner *r,
							       size_t i);
/*
 * Set a variable before load, by variable name or long flag name; the value is typed by BTF
 * and range-checked ("true"/"false"/"1"/"0" for bools, enum names or numbers, strings must
 * fit with their NUL). Returns 0, -EUNOMIA_ERR_ARG (reason sent to print), -ENOENT (unknown).
 */
EUNOMIA_API int eunomia_runner__set_arg(struct eunomia_runner *r, const char *name,
					const char *value);

/* Results of parse_args that are not errors. */
enum eunomia_args_result {
	EUNOMIA_ARGS_OK = 0,
	EUNOMIA_ARGS_HELP = 1,	  /* -h/--help seen: caller prints eunomia_runner__help() */
	EUNOMIA_ARGS_VERSION = 2, /* --version seen: caller prints eunomia_runner__version() */
};
/*
 * Parse tool flags (argv[0] is skipped): --long VALUE, --long=VALUE, -s VALUE, bool switches
 * (--flag, --no-flag), -h/--help, --version. Dashes and underscores in long names are
 * interchangeable. Returns an eunomia_args_result or -EUNOMIA_ERR_ARG (message to print).
 */
EUNOMIA_API int eunomia_runner__parse_args(struct eunomia_runner *r, int argc, char **argv);
/* Write --help text (brief, usage, one line per flag with default, details) to f. */
EUNOMIA_API int eunomia_runner__help(const struct eunomia_runner *r, FILE *f, const char *prog);
/* Version text from the doc comment, or NULL. Owned by the package. */
EUNOMIA_API const char *eunomia_runner__version(const struct eunomia_runner *r);

/* Load into the kernel. On verifier rejection: -EUNOMIA_ERR_VERIFIER, with the program name and
 * the tail of the verifier log sent to print at EUNOMIA_WARN. */
EUNOMIA_API int eunomia_runner__load(struct eunomia_runner *r);
/* Attach every loaded program by its section (libbpf auto-attach plus our xdp, tc,
 * perf_event, cgroup, socket and run-time target rules). On failure nothing stays attached.
 * Returns the number of attached programs or a negative error. */
EUNOMIA_API int eunomia_runner__attach(struct eunomia_runner *r);
/* Wait up to timeout_ms for events; print them and any sampled map that is due. Returns the
 * number of records handled, 0 on timeout, -EINTR when stopped, or a negative error.
 * Once the runner's duration_ms has elapsed it returns -ETIME. */
EUNOMIA_API int eunomia_runner__poll(struct eunomia_runner *r, int timeout_ms);
/* Poll until stopped, duration elapsed, or error. Returns 0 when stopped/duration, else <0. */
EUNOMIA_API int eunomia_runner__run(struct eunomia_runner *r);
/* Async-signal-safe: make run()/poll() return as soon as possible. */
EUNOMIA_API void eunomia_runner__stop(struct eunomia_runner *r);
/* Detach every link, tc hook and xdp attachment (idempotent). Maps and loaded programs stay:
 * eunomia_runner__attach() attaches them again (pause/resume). */
EUNOMIA_API int eunomia_runner__detach(struct eunomia_runner *r);
/* Detach and free everything. Accepts NULL. */
EUNOMIA_API void eunomia_runner__free(struct eunomia_runner *r);

/*
 * Fill the minimal-BTF cache for this package and kernel when this run missed it: a detached
 * background process (double fork, nothing left to reap) runs bpftool; the call returns at
 * once. Does nothing when the cache is disabled, was hit, is of no use for this
 * object, was already filled, or the runner is not loaded. The library never calls it on its
 * own: the caller chooses when (ecli: after "Running", i.e. off the start-up path).
 * It forks, and the child runs ordinary library code: a multi-threaded caller should call it
 * while no other thread may hold a lock (e.g. malloc's), or not at all.
 * Returns 0 or a negative error (the cache is an optimisation: runs work without it).
 */
EUNOMIA_API int eunomia_runner__fill_btf_cache(struct eunomia_runner *r);

/*
 * Print what the tool's maps hold, once, as bpftrace does at exit (call it after run/poll
 * ends): every sampled map one last time, then every non-empty hash/array map that is not an
 * event buffer or a stack map, and the non-zero variables of .bss/.data, through the output
 * sink in the runner's format. A value with a `slots` integer array prints as a log2
 * histogram per key; other maps as a table sorted by value, largest first; JSON gives one
 * {"map", "key", "value"} (or {"map", "var", "value"}) object per entry. 0 or -errno.
 */
EUNOMIA_API int eunomia_runner__dump_maps(struct eunomia_runner *r);

/* Events lost by perf buffers so far. */
EUNOMIA_API uint64_t eunomia_runner__lost_events(const struct eunomia_runner *r);
/* The underlying libbpf object (for advanced callers); owned by the runner. */
struct bpf_object;
EUNOMIA_API struct bpf_object *eunomia_runner__bpf_object(const struct eunomia_runner *r);

/* ---- Prometheus metrics (docs/metrics.md) ---- */

/* One event map (ring buffer or perf event array): records handled and lost so far. */
struct eunomia_map_stats {
	const char *map; /* owned by the runner */
	uint64_t events;
	uint64_t lost; /* perf buffers only (a full ring buffer drops in the kernel program) */
};

/*
 * Fill st[0..n) with the event maps' counts; returns the number of event maps (call with n 0
 * to size st). Safe from any thread while another polls. 0 before load.
 */
EUNOMIA_API size_t eunomia_runner__map_stats(const struct eunomia_runner *r,
					     struct eunomia_map_stats *st, size_t n);

struct eunomia_metrics_opts {
	size_t sz;
	const char *prefix; /* metric name prefix; NULL: the package name (sanitised) */
	const char *labels; /* labels on every sample, already escaped (`program="x"`), or NULL */
	bool openmetrics; /* OpenMetrics 1.0 text (ends with "# EOF") instead of Prometheus 0.0.4 */
	bool no_eof;	  /* OpenMetrics: leave out "# EOF" (the caller appends more families) */
};

/*
 * Write the runner's maps, event counts and program statistics to out in the Prometheus
 * text exposition format (docs/metrics.md says what becomes what). Reads maps with batch
 * lookups where the kernel has them; safe from another thread while the runner polls (it
 * never touches the output sink). Call after load. 0 or a negative error.
 */
EUNOMIA_API int eunomia_runner__metrics(struct eunomia_runner *r, FILE *out,
					const struct eunomia_metrics_opts *opts);

/* Library version string, e.g. "0.1.0". */
EUNOMIA_API const char *eunomia_version(void);

#ifdef __cplusplus
}
#endif

#endif /* EUNOMIA_EUNOMIA_H */
