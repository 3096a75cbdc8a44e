/* SPDX-License-Identifier: MIT */
/*
 * Sampled maps (@sample): bcc-style histograms and key/value tables, printed every interval.
 *
 * Decisions (documented for users in docs/package-format.md §8.4):
 *  - plain mode: output.c prints one "HH:MM:SS" line before the output of the maps due at the
 *    same time (bcc -T style); a round where every sampled map is empty prints nothing;
 *  - log2_hist/linear_hist: per entry (sorted by key) a line "key = K" (scalar key) or
 *    "m1 = v1, m2 = v2" (struct key members), followed by ", name = value" for every
 *    non-`slots` member of the value struct, then the histogram and an empty line;
 *    the histogram is the value member named `slots` (array of ints), or the value itself when
 *    it is an array of ints; entries whose slots are all zero print nothing;
 *  - default_kv: a header of key columns then value columns (names upper-cased; a scalar key is
 *    KEY, a scalar value VALUE), one row per entry sorted by key (numerically for integer keys,
 *    bytewise otherwise);
 *  - JSON mode: one {"key": K, "value": V} object per entry (histograms included, decoded as
 *    their BTF types);
 *  - per-CPU maps: integer values, and integer members / integer-array members of struct
 *    values, are summed over CPUs; other members show CPU 0's bytes;
 *  - clear_map: after printing, every printed key is deleted (array maps: the value is
 *    overwritten with zeros, since array elements cannot be deleted).
 */
#ifndef EUNOMIA_LOADER_SAMPLE_H
#define EUNOMIA_LOADER_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "eunomia/eunomia.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "packer/meta.h"

struct bpf_map;
struct btf;

/*
 * bcc's print_log2_hist / print_linear_hist layouts, appended to sb as '\n'-terminated lines.
 * val_max: the count that fills the bar (0: the largest count; a count above it ends its bar
 * with '+'). Nothing is appended when every count is zero. 0 or -ENOMEM.
 */
int eun_hist_log2(struct strbuf *sb, const uint64_t *vals, size_t n, const char *unit,
		  uint64_t val_max);
int eun_hist_linear(struct strbuf *sb, const uint64_t *vals, size_t n, const char *unit,
		    uint64_t base, uint64_t step, uint64_t val_max);

/* Receives each output line (no newline). Negative return stops and is passed back. */
typedef int (*eun_line_fn)(void *ctx, const char *line, size_t len);

/*
 * Print every entry of a sampled map once, per its sample settings, through emit; clear it
 * afterwards when s->clear_map. btf is the object's BTF (the map's key/value type ids point
 * into it). Returns the number of entries printed or a negative error.
 */
int eun_sample_print(const struct eun_sample *s, const struct bpf_map *map, const struct btf *btf,
		     enum eunomia_format fmt, eun_line_fn emit, void *ctx,
		     const struct eun_logger *log);

/* eun_sample_print with these (the exit dump's way, loader/dump.c): */
#define EUN_SAMPLE_BY_VALUE  0x1 /* tables sorted by value, largest first (integer values) */
#define EUN_SAMPLE_JSON_MAP  0x2 /* JSON objects name their map: {"map": M, "key":, "value":} */
#define EUN_SAMPLE_SKIP_ZERO 0x4 /* leave out entries whose value is all zero bytes */
int eun_sample_print_flags(const struct eun_sample *s, const struct bpf_map *map,
			   const struct btf *btf, enum eunomia_format fmt, eun_line_fn emit,
			   void *ctx, const struct eun_logger *log, unsigned int flags);

/* Does a value of this type hold a histogram (a `slots` integer array, or one itself)? */
bool eun_sample_has_slots(const struct btf *btf, uint32_t value_type_id);
/* Where its slots are: byte offset in the value, number of slots, slot size. 0 or -ENOENT. */
int eun_sample_find_slots(const struct btf *btf, uint32_t vid, size_t *off, size_t *nslots,
			  size_t *esz);

#endif
