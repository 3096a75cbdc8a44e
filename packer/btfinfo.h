/* SPDX-License-Identifier: MIT */
/*
 * What ecc (writer) and the loader (reader) both read from a BPF object the same way: which
 * internal map holds a data section, and the C text of a BTF type (the "type" of variables and
 * export-type members, docs/package-format.md §3).
 */
#ifndef EUNOMIA_PACKER_BTFINFO_H
#define EUNOMIA_PACKER_BTFINFO_H

#include <stddef.h>

struct btf;
struct bpf_map;
struct bpf_object;

/*
 * How well the internal map named map_name holds the ELF data section sec (".rodata",
 * ".data.foo"): libbpf names it "<object prefix><sec>", cut to 15 characters. 2: the name ends
 * with sec; 1: the name is 15 characters long and its cut suffix starts sec; 0: no.
 */
int eun_map_section_match(const char *map_name, const char *sec);

/* The internal map of obj holding section sec (an exact match first), or NULL. */
struct bpf_map *eun_section_map(const struct bpf_object *obj, const char *sec);

/*
 * The BTF DATASEC an internal map holds (best eun_map_section_match() among btf's DATASECs):
 * its type id, or 0 when none (not an internal map, or no DATASEC).
 */
int eun_map_datasec(const struct bpf_map *map, const struct btf *btf);

/*
 * C type text for a BTF type, qualifiers stripped: "int", "unsigned long long", "pid_t",
 * "char[16]", "struct event", "enum state", "u8[6][2]", "void *". Writes into buf (also on
 * error, as much as known). 0, -EINVAL, -ENOENT (bad id), -ELOOP (too deep), -ENOSPC.
 */
int eun_btf_type_text(const struct btf *btf, unsigned int type_id, char *buf, size_t size);

#endif
