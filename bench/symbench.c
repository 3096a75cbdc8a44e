// SPDX-License-Identifier: MIT
/*
 * Symbolisation costs (make bench): the one-time /proc/kallsyms load, a warm kernel frame
 * lookup, the first user lookup of a process (libdwfl reads /proc/PID/maps and the ELF
 * files), a warm user frame lookup (a stack seen before) and a user frame not seen before. Prints
 * one JSON object of medians (and p25/p75). Links the loader's internal archive (symbolize.c is not
 * public API).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "loader/symbolize.h"

#define REPS 9

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void print_fig(const char *name, double *v, int n, double scale, int last)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_d);
	printf("\"%s\": {\"median\": %.6g, \"p25\": %.6g, \"p75\": %.6g}%s", name, v[n / 2] * scale,
	       v[n / 4] * scale, v[3 * n / 4] * scale, last ? "" : ", ");
}

int symbench_target(int x);
__attribute__((noinline)) int symbench_target(int x)
{
	__asm__ volatile("" ::: "memory");
	return x + 1;
}

int main(void)
{
	double load[REPS], kwarm[REPS], ucold[REPS], uwarm[REPS], umiss[REPS];
	uint64_t libc_addr = (uint64_t)(uintptr_t)&getpid;
	uint64_t uaddr = (uint64_t)(uintptr_t)&symbench_target;
	const int nlook = 200000, nuser = 20000;
	struct eun_frame f;
	size_t nsyms = 0;
	char why[160];
	int r, i, self = getpid();

	for (r = 0; r < REPS; r++) {
		struct eun_ksyms *k;
		uint64_t lo, span, acc = 0;
		bool hidden;
		int err;
		double t0 = now_s();

		k = eun_ksyms__load(NULL, &hidden, &err);
		load[r] = now_s() - t0;
		if (!k || hidden || eun_ksyms__count(k) < 2) {
			fprintf(stderr,
				"symbench: /proc/kallsyms unreadable or hidden (run as root)\n");
			return 1;
		}
		nsyms = eun_ksyms__count(k);
		/* addresses spread over the kernel text: every lookup a binary search */
		eun_ksyms__lookup(k, 0, &f);
		lo = 0xffffffff81000000ull;
		span = 0x1000000ull;
		t0 = now_s();
		for (i = 0; i < nlook; i++) {
			eun_ksyms__lookup(k, lo + ((uint64_t)i * 2654435761u) % span, &f);
			acc += f.offset;
		}
		kwarm[r] = (now_s() - t0) / nlook;
		if (acc == 1)
			puts("");
		eun_ksyms__free(k);
	}
	for (r = 0; r < REPS; r++) {
		struct eun_usyms *u = eun_usyms__new(why, sizeof(why));
		double t0;

		if (!u) {
			fprintf(stderr, "symbench: libdw: %s\n", why);
			return 1;
		}
		t0 = now_s();
		eun_usyms__lookup(u, self, uaddr, &f);
		ucold[r] = now_s() - t0;
		if (!f.sym || strcmp(f.sym, "symbench_target") != 0) {
			fprintf(stderr, "symbench: own function not found\n");
			return 1;
		}
		/* a stack of 8 frames seen again and again, as a profile sees it */
		t0 = now_s();
		for (i = 0; i < nuser; i++) {
			if (!(i & 7))
				eun_usyms__begin(u);
			eun_usyms__lookup(u, self, uaddr + (uint64_t)(i & 7), &f);
		}
		uwarm[r] = (now_s() - t0) / nuser;
		/* frames not seen before (4096 distinct libc addresses, more than the frame
		 * cache holds): libdwfl's own lookup, the table of the process warm */
		t0 = now_s();
		for (i = 0; i < 4096; i++) {
			eun_usyms__begin(u);
			eun_usyms__lookup(u, self, libc_addr + (uint64_t)i * 61, &f);
		}
		umiss[r] = (now_s() - t0) / 4096;
		eun_usyms__free(u);
	}
	printf("{\"kallsyms_symbols\": %zu, ", nsyms);
	print_fig("kallsyms_load_ms", load, REPS, 1e3, 0);
	print_fig("kernel_frame_ns", kwarm, REPS, 1e9, 0);
	print_fig("user_first_lookup_ms", ucold, REPS, 1e3, 0);
	print_fig("user_frame_ns", uwarm, REPS, 1e9, 0);
	print_fig("user_frame_uncached_ns", umiss, REPS, 1e9, 1);
	printf("}\n");
	return 0;
}
