// SPDX-License-Identifier: MIT
/* A package's export type checked against the object's BTF (moved out of output.c). */
#include <errno.h>
#include <string.h>

#include <bpf/btf.h>

#include "loader/internal.h"

int eun_export_type_check(const struct btf *btf, const struct eun_export_type *et,
			  const struct eun_logger *log, uint32_t max_size)
{
	const struct btf_type *t;
	const char *bname;

	if (!btf) {
		eun_warn(
			log,
			"export type '%s': the BPF object carries no BTF; rebuild the package with ecc (clang -g)",
			et->name);
		return -EUNOMIA_ERR_EXPORT_TYPE;
	}
	t = btf__type_by_id(btf, et->type_id);
	if (!t) {
		eun_warn(
			log,
			"export type '%s': type id %u does not exist in the object's BTF (%u types); the package metadata does not match its object, rebuild it with ecc",
			et->name, et->type_id, btf__type_cnt(btf));
		return -EUNOMIA_ERR_EXPORT_TYPE;
	}
	bname = btf__name_by_offset(btf, t->name_off);
	if (!bname)
		bname = "";
	if (!btf_is_struct(t) && !btf_is_union(t)) {
		eun_warn(
			log,
			"export type '%s': BTF type %u ('%s') is not a struct; the package metadata does not match its object, rebuild it with ecc",
			et->name, et->type_id, bname);
		return -EUNOMIA_ERR_EXPORT_TYPE;
	}
	if (strcmp(bname, et->name) != 0) {
		eun_warn(
			log,
			"export type '%s' does not match BTF type %u, which is 'struct %s'; rebuild the package with ecc",
			et->name, et->type_id, bname);
		return -EUNOMIA_ERR_EXPORT_TYPE;
	}
	if ((size_t)btf_vlen(t) != et->nr_members) {
		eun_warn(
			log,
			"export type '%s' lists %zu members but BTF 'struct %s' has %u; rebuild the package with ecc",
			et->name, et->nr_members, bname, btf_vlen(t));
		return -EUNOMIA_ERR_EXPORT_TYPE;
	}
	if (t->size == 0 || t->size > max_size || (et->size && et->size != t->size)) {
		eun_warn(
			log,
			"export type '%s' has size %u in the metadata but BTF 'struct %s' has size %u; rebuild the package with ecc",
			et->name, et->size, bname, t->size);
		return -EUNOMIA_ERR_EXPORT_TYPE;
	}
	return 0;
}
