/* SPDX-License-Identifier: MIT */
/*
 * The options of `ecli run`, from one table (ecli/options.c, run_options[]): the getopt
 * parser, the --help lines, the argument classifier used by standalone tools and by the
 * "ecli options go before the package" hint are all generated from it. Adding an option is
 * one entry there plus, when it sets something new, a field of struct run_config.
 */
#ifndef EUNOMIA_ECLI_OPTIONS_H
#define EUNOMIA_ECLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <eunomia/eunomia.h>

/* Everything the options of `ecli run` set. */
struct run_config {
	struct eunomia_runner_opts runner; /* handed to eunomia_runner__open() */
	const char *sha256;		   /* handed to eunomia_package__open() */
	bool no_dump;			   /* no eunomia_runner__dump_maps() at exit */
	const char *metrics_addr;	   /* serve GET /metrics here (metrics_http.c) */
	bool quiet;			   /* no event output (with --metrics-addr) */
	/* signatures (ecli/sign.c): trusted public keys, the .minisig, the key directory */
#define RUN_MAX_KEYS 8
	const char *verify_keys[RUN_MAX_KEYS];
	const char *signature;
	const char *trusted_dir;
	bool require_signature;
};

struct run_option;

/* Store VALUE (NULL for a switch) into cfg; `spelled` is the option as the user typed it,
 * `who` prefixes messages. Returns 0, or -1 after printing why to stderr. */
typedef int (*run_option_set_fn)(const struct run_option *o, struct run_config *cfg,
				 const char *value, const char *who);

struct run_option {
	const char *long_name; /* without the dashes */
	char short_name;       /* 0: long form only */
	const char *arg;       /* the value's placeholder in --help; NULL: a switch */
	const char *help;      /* --help text; '\n' starts a continuation line */
	run_option_set_fn set; /* NULL: -h/--help */
	size_t off, size;      /* the struct run_config field it sets */
	const char *opt;       /* that field's eunomia_runner_opts name (messages name it) */
	long long value;       /* set_const: the value stored */
	long long min, max;    /* set_int: the accepted range */
};

extern const struct run_option run_options[];
extern const size_t run_options_count;

/* Defaults: sz set, verbose from the global -v. */
void run_config_init(struct run_config *cfg, bool verbose);

/* What a standalone tool's own flags take from an ecli option (run_options_help). */
#define RUN_OPT_SHORT_TAKEN 1 /* the tool has a flag with this letter */
#define RUN_OPT_LONG_TAKEN  2 /* the tool has a flag with this long name */

/* Write the "Options:" lines of `ecli run --help` (one per table entry, -h/--help last) to f.
 * taken (may be NULL) returns RUN_OPT_*_TAKEN bits: a taken letter is not shown, an entry
 * with both taken is left out, and -h/--help is left out too (the tool's own). */
void run_options_help(FILE *f, int (*taken)(const struct run_option *o, void *ctx), void *ctx);

/* run_options_parse() results that are not an index. */
#define RUN_OPTS_HELP  (-1) /* -h/--help: the caller prints its help, exit 0 */
#define RUN_OPTS_USAGE (-2) /* a usage error was printed: exit 2 */

/*
 * Parse `ecli run` options with getopt_long: argv[0] is the command; parsing stops at the
 * first non-option (the package). `who` prefixes messages ("ecli run"), `help_cmd` is the
 * command named in the "see `... --help`" hint. Returns the index of the first non-option
 * (>= 1), RUN_OPTS_HELP or RUN_OPTS_USAGE.
 */
int run_options_parse(struct run_config *cfg, int argc, char **argv, const char *who,
		      const char *help_cmd);

/*
 * Which option ARG is, lexically: "--long", "--long=VALUE", "-s", "-sVALUE". Returns the
 * entry (NULL: not an ecli run option, or -h/--help) and sets *takes_next when the option's
 * value is the next argument.
 */
const struct run_option *run_option_match(const char *arg, bool *takes_next);

/*
 * The library names runner options in its messages ("the disable_progs option", "the option
 * only_progs=x", "set the ifname option"); a user of ecli knows them as flags. Returns msg
 * (malloc'ed, taken) with every such phrase saying the flag instead.
 */
char *run_options_flag_names(char *msg);

#endif
