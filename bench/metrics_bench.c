// SPDX-License-Identifier: MIT
/*
 * make bench: the time of one /metrics scrape (eunomia_runner__metrics to /dev/null) of a hash
 * map holding N keys, against a per-key bpf_map_get_next_key + bpf_map_lookup_elem loop over
 * the same map, alternated REPS times in the same process.
 * Usage: metrics_bench PACKAGE N REPS; prints one JSON object.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <eunomia/eunomia.h>

struct mkey {
	unsigned int pid, tid;
};

static void say(void *ctx, enum eunomia_print_level level, const char *fmt, va_list ap)
{
	if (level != EUNOMIA_DEBUG)
		vfprintf(stderr, fmt, ap), fputc('\n', stderr);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned long long per_key_loop(int fd)
{
	struct mkey k, next;
	unsigned long long v, sum = 0;
	struct mkey *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		k = next;
		prev = &k;
		if (!bpf_map_lookup_elem(fd, &k, &v))
			sum += v;
	}
	return sum;
}

int main(int argc, char **argv)
{
	struct eunomia_package *pkg;
	struct eunomia_runner *r;
	struct bpf_map *map;
	unsigned long long sum = 0;
	int fd, n, reps, err;
	FILE *null;

	if (argc != 4) {
		fprintf(stderr, "usage: metrics_bench PACKAGE N REPS\n");
		return 2;
	}
	n = atoi(argv[2]);
	reps = atoi(argv[3]);
	EUNOMIA_OPTS(runner, ro, .print = say);
	EUNOMIA_OPTS(package, po, .print = say);

	pkg = eunomia_package__open(argv[1], &po);
	r = pkg ? eunomia_runner__open(pkg, &ro) : NULL;
	if (!r || eunomia_runner__load(r)) {
		fprintf(stderr, "metrics_bench: cannot load %s\n", argv[1]);
		return 1;
	}
	map = bpf_object__find_map_by_name(eunomia_runner__bpf_object(r), "big");
	fd = map ? bpf_map__fd(map) : -1;
	for (int i = 0; i < n && fd >= 0; i++) {
		struct mkey k = {.pid = (unsigned int)i / 7, .tid = (unsigned int)i};
		unsigned long long v = (unsigned long long)i;

		if (bpf_map_update_elem(fd, &k, &v, BPF_ANY)) {
			perror("metrics_bench: filling the map");
			return 1;
		}
	}
	null = fopen("/dev/null", "w");
	if (fd < 0 || !null)
		return 1;
	setvbuf(null, NULL, _IOFBF, 1 << 16);
	printf("{\"n\": %d, \"scrape_s\": [", n);
	for (int i = 0; i < reps; i++) {
		double t0 = now_s(), t1, t2;

		err = eunomia_runner__metrics(r, null, NULL);
		fflush(null);
		t1 = now_s();
		sum += per_key_loop(fd);
		t2 = now_s();
		if (err) {
			fprintf(stderr, "metrics_bench: scrape failed: %d\n", err);
			return 1;
		}
		printf("%s[%.9f, %.9f]", i ? ", " : "", t1 - t0, t2 - t1);
	}
	printf("], \"check\": %llu}\n", sum);
	fclose(null);
	eunomia_runner__free(r);
	eunomia_package__free(pkg);
	return 0;
}
