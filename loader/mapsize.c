// SPDX-License-Identifier: MIT
/* Sizes user space was expected to choose: maps declared with 0 entries, stack-trace values. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "loader/internal.h"

#define DEFAULT_MAX_ENTRIES    10240
#define DEFAULT_RINGBUF_SIZE   (256 * 1024)
#define STACK_TRACE_VALUE_SIZE (127 * 8)

void eun_mapsize__apply(struct eunomia_runner *r)
{
	uint32_t def = r->opts.default_max_entries ?: DEFAULT_MAX_ENTRIES;
	struct bpf_map *map;

	bpf_object__for_each_map(map, r->obj) {
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
