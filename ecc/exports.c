// SPDX-License-Identifier: MIT
/*
 * Export policy (docs/package-format.md §4.1): which structs become the package's export types, and
 * the dummy file that makes clang keep them in the object's BTF.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/strbuf.h"
#include "common/util.h"
#include "ecc/build.h"
#include "ecc/log.h"
#include "packer/format.h"

bool ecc_name_in(const cJSON *arr, const char *name)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, arr) {
		const char *s = cJSON_IsString(it) ? it->valuestring : NULL;

		if (!s) {
			const cJSON *st = cJSON_GetObjectItemCaseSensitive(it, "struct");

			s = cJSON_IsString(st) ? st->valuestring : NULL;
		}
		if (s && !strcmp(s, name))
			return true;
	}
	return false;
}

/*
 * Pick the export types (§4): with a header, the inferred pairs whose struct the header
 * defines; without one, the inferred pairs. When nothing is inferred from a header the user
 * named on the command line, every header struct is exported, as the public toolchain does;
 * a <name>.h that ecc merely found beside the source exports only what inference finds, so a
 * header holding map keys and values does not turn them into event types.
 */
int ecc_choose_exports(const cJSON *header_structs, const cJSON *inferred, bool all_if_none,
		       cJSON **out)
{
	cJSON *arr = cJSON_CreateArray();
	const cJSON *it;

	if (!arr)
		return -ENOMEM;
	if (cJSON_GetArraySize(header_structs) == 0)
		header_structs = NULL; /* a header without structs: as if none was given */
	cJSON_ArrayForEach(it, inferred) {
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(it, "struct");

		if (!cJSON_IsString(s) || !eun_is_ident(s->valuestring))
			continue;
		if (header_structs && !ecc_name_in(header_structs, s->valuestring))
			continue;
		if (!cJSON_AddItemToArray(arr, cJSON_Duplicate(it, true)))
			goto nomem;
	}
	if (all_if_none && header_structs && cJSON_GetArraySize(arr) == 0) {
		cJSON_ArrayForEach(it, header_structs) {
			cJSON *pair;

			if (!cJSON_IsString(it) || !eun_is_ident(it->valuestring))
				continue;
			pair = cJSON_CreateObject();
			if (!pair || !cJSON_AddItemToArray(arr, pair) ||
			    !cJSON_AddStringToObject(pair, "struct", it->valuestring) ||
			    !cJSON_AddNullToObject(pair, "map"))
				goto nomem;
		}
	}
	*out = arr;
	return 0;
nomem:
	cJSON_Delete(arr);
	return -ENOMEM;
}

void ecc_report_exports(const cJSON *exports, bool verbose)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, exports) {
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(it, "struct");
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(it, "map");
		const cJSON *via = cJSON_GetObjectItemCaseSensitive(it, "via");

		if (!cJSON_IsString(s))
			continue;
		if (!cJSON_IsString(m)) {
			ecc_info(
				"ecc: export type 'struct %s'%s\n", s->valuestring,
				verbose ? ": from the header (no submitted struct was found in the "
					  "source, so every header struct is exported)"
					: "");
			continue;
		}
		if (!verbose)
			ecc_info("ecc: map '%s' carries 'struct %s'\n", m->valuestring,
				 s->valuestring);
		else if (cJSON_IsString(via))
			ecc_info("ecc: map '%s' carries 'struct %s': submitted through %s(), a "
				 "wrapper of bpf_ringbuf_reserve/output or bpf_perf_event_output\n",
				 m->valuestring, s->valuestring, via->valuestring);
		else
			ecc_info("ecc: map '%s' carries 'struct %s': the type of what "
				 "bpf_ringbuf_reserve returns into, or of the data given to "
				 "bpf_ringbuf_output/bpf_perf_event_output\n",
				 m->valuestring, s->valuestring);
	}
}

/*
 * The text of a file with one unused global pointer per export/header struct, passed to clang
 * with -include, so that the structs reach the object's BTF (docs/package-format.md §4.1). The
 * pointer declares the tag at file scope before the source runs; the source's (or header's)
 * definition completes that same type, so BTF carries the full struct. The source itself is
 * compiled unchanged: its includes and clang's diagnostics are exactly as the user wrote them.
 * Empty when there is nothing to force.
 */
int ecc_dummy_text(const cJSON *header_structs, const cJSON *exports, struct strbuf *sb)
{
	cJSON *done = cJSON_CreateArray();
	const cJSON *lists[2] = {header_structs, exports};
	int err = 0;

	if (!done)
		return -ENOMEM;
	for (int l = 0; l < 2 && !err; l++) {
		const cJSON *it;

		cJSON_ArrayForEach(it, lists[l]) {
			const cJSON *s = cJSON_IsString(it)
						 ? it
						 : cJSON_GetObjectItemCaseSensitive(it, "struct");

			if (!cJSON_IsString(s) || !eun_is_ident(s->valuestring) ||
			    ecc_name_in(done, s->valuestring))
				continue;
			if (!cJSON_AddItemToArray(done, cJSON_CreateString(s->valuestring))) {
				err = -ENOMEM;
				break;
			}
			err = sb_addf(sb, EUN_DUMMY_DECL_FMT, s->valuestring, s->valuestring);
			if (err)
				break;
		}
	}
	cJSON_Delete(done);
	return err;
}

/* Write text to a new temp header <out_dir>/.<name>.ecc-XXXXXX.h; its path into tmp_path. */
int ecc_write_dummy(const char *out_dir, const char *name, const struct strbuf *text,
		    char *tmp_path, size_t size)
{
	int err = 0, fd;

	if (snprintf(tmp_path, size, "%s/.%s.ecc-XXXXXX.h", out_dir, name) >= (int)size) {
		tmp_path[0] = '\0';
		return -ENAMETOOLONG;
	}
	fd = mkstemps(tmp_path, 2);
	if (fd < 0) {
		err = -errno;
		ecc_warn("ecc: cannot create a temporary file in %s: %s\n", out_dir,
			 strerror(-err));
		tmp_path[0] = '\0';
		return err;
	}
	if (write(fd, text->buf, text->len) != (ssize_t)text->len) {
		err = -EIO;
		ecc_warn("ecc: cannot write %s\n", tmp_path);
	}
	close(fd);
	return err;
}
