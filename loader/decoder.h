/* SPDX-License-Identifier: MIT */
/*
 * The BTF event decoder: a plan per type (plan.c) whose steps format scalars themselves and
 * hand anything else to the walker (decoder.c: one function per BTF kind, after bpftool's
 * btf_dumper, never reading past the bytes given, emitting through a printer with back ends
 * written once: plain (bcc-style cells), JSON (compact) and raw (hex)).
 *
 * Rendering rules (docs/package-format.md §8.3):
 *  - integers of any width up to 128 bits, bitfields included; 128-bit values are decimal
 *    strings in JSON and bare decimals in plain text;
 *  - arrays of plain `char` (or typedefs of it) are strings up to the first NUL, never past
 *    the array; arrays of `signed char`/`unsigned char`/`__u8` are arrays of numbers;
 *  - enums are "NAME(value)"; a value without a name is "(value)";
 *  - bools true/false; floats the shortest round-tripping %g, NaN/Inf as null in JSON
 *    ("nan"/"inf" in plain text); pointers are numbers in JSON and 0x-hex in plain text;
 *  - struct/union members by name; anonymous struct/union members are flattened into the
 *    parent in JSON; top-level plain cells print nested structs and non-char arrays as
 *    compact JSON; strings in plain text are JSON-escaped without the quotes, so a record
 *    can never break a line;
 *  - a truncated record prints what fits: a member or element that does not fit entirely is
 *    written as null in JSON and "(truncated)" in plain text (arrays stop at the first
 *    element that does not fit, with one null marker); strings print the bytes that fit.
 */
#ifndef EUNOMIA_LOADER_DECODER_H
#define EUNOMIA_LOADER_DECODER_H

#include <stddef.h>
#include <stdint.h>

#include "eunomia/eunomia.h"
#include "common/btfutil.h"
#include "common/jsonw.h"
#include "common/strbuf.h"

struct btf;

/* Minimum plain-text column width (bcc-style). */
#define EUN_DEC_MIN_COL 6
/* Marker for bytes missing from a truncated record, in plain text. */
#define EUN_DEC_TRUNC "(truncated)"

/* Value of type id at data[0..size) as JSON through w. 0 or -errno (-ENOMEM, -EINVAL). */
int eun_dec_json(struct jsonw *w, const struct btf *btf, uint32_t id, const void *data,
		 size_t size);
/* The same value as one plain-text cell (scalars bare, composites compact JSON). */
int eun_dec_plain(struct strbuf *sb, const struct btf *btf, uint32_t id, const void *data,
		  size_t size);

/*
 * Plain table columns of a type: the members of a struct/union (after typedefs), or one
 * column named `scalar_name` for any other type. Header cells are names upper-cased, each
 * padded to max(EUN_DEC_MIN_COL, strlen, the width its type usually needs: plan.c) plus one
 * space; value cells use the same widths. Callers trim the trailing spaces (eun_sb_rtrim).
 */
int eun_dec_plain_header(struct strbuf *sb, const struct btf *btf, uint32_t id,
			 const char *scalar_name);
int eun_dec_plain_cells(struct strbuf *sb, const struct btf *btf, uint32_t id, const void *data,
			size_t size, const char *scalar_name);

/* A whole event line, without newline:
 *   plain: "HH:MM:SS " + cells (trimmed);  json: one object;  raw: "HH:MM:SS <label> <size> <hex>".
 * timestr is "HH:MM:SS" (unused by json). */
int eun_dec_event(struct strbuf *sb, enum eunomia_format fmt, const struct btf *btf, uint32_t id,
		  const void *data, size_t size, const char *timestr, const char *label);
/* The plain header line for events of type id: "TIME     " + header cells (trimmed). */
int eun_dec_event_header(struct strbuf *sb, const struct btf *btf, uint32_t id);
/* Raw back end: lower-case hex of the bytes, no separators. */
int eun_dec_hex(struct strbuf *sb, const void *data, size_t size);

/*
 * The decoder (plan.c): the layout of one type flattened once at set-up into a list of steps
 * (offset, size, kind, pre-escaped JSON key, column width) so that decoding an event walks no
 * BTF. Members the fast kinds do not cover (enums, floats, bitfields, nested structs, non-char
 * arrays, 128-bit integers) are steps that run the BTF walker on that member alone; a step
 * whose bytes a truncated record lacks prints the missing marker. eun_dec_event() and
 * eun_dec_plain_cells() build a plan for one use.
 */
struct eun_dec_plan;

/* Plan for events of type id in format fmt (id 0 or a non-struct type: one step, the walker
 * decodes the whole value). NULL with errno ENOMEM. The plan refers to btf, which must outlive it.
 */
struct eun_dec_plan *eun_dec_plan_new(const struct btf *btf, uint32_t id, enum eunomia_format fmt);
void eun_dec_plan_free(struct eun_dec_plan *p);
/* Same line as eun_dec_event(sb, fmt, btf, id, data, size, timestr, label), appended to sb. */
int eun_dec_plan_event(struct strbuf *sb, const struct eun_dec_plan *p, const void *data,
		       size_t size, const char *timestr, const char *label);

/* True when id (after modifiers) is an integer type (not a bool), *size and *is_signed set. */
int eun_btf_int_info(const struct btf *btf, uint32_t id, size_t *size, int *is_signed);

/* Remove trailing spaces. */
void eun_sb_rtrim(struct strbuf *sb);
/* Local time of day "HH:MM:SS" into buf (at least 9 bytes). */
void eun_timestr(char *buf, size_t size);

#endif
