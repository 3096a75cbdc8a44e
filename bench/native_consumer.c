// SPDX-License-Identifier: MIT
/*
 * Baseline for the event-throughput benchmark: the hand-written user space a libbpf-tool would
 * have for progs/events.bpf.c (bpftool skeleton, ring buffer, printf of every field).
 * usage: native_consumer TARGET_PID
 */
#include <bpf/libbpf.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "events.h"
#include "events.skel.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static int handle(void *ctx, void *data, size_t size)
{
	const struct event *e = data;

	printf("{\"pid\":%d,\"tid\":%d,\"seq\":%llu,\"drops\":%llu,\"comm\":\"%s\"}\n", e->pid,
	       e->tid, e->seq, e->drops, e->comm);
	return 0;
}

int main(int argc, char **argv)
{
	struct ring_buffer *rb;
	struct events_bpf *skel;

	if (argc != 2) {
		fprintf(stderr, "usage: %s TARGET_PID\n", argv[0]);
		return 2;
	}
	skel = events_bpf__open();
	if (!skel)
		return 1;
	skel->rodata->target_pid = atoi(argv[1]);
	if (events_bpf__load(skel) || events_bpf__attach(skel)) {
		events_bpf__destroy(skel);
		return 1;
	}
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), handle, NULL, NULL);
	if (!rb)
		return 1;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "attached\n");
	while (!stop && ring_buffer__poll(rb, 100) >= 0)
		fflush(stdout);
	ring_buffer__free(rb);
	events_bpf__destroy(skel);
	return 0;
}
