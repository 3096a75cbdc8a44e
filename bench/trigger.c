// SPDX-License-Identifier: MIT
/*
 * Event generator: prints its pid, waits for a line on stdin, then calls getppid() N times,
 * paced to RATE calls/s when RATE > 0, and prints the elapsed seconds.
 * usage: trigger N [RATE]
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long n, rate, i;
	char line[16];
	double t0;

	if (argc < 2)
		return 2;
	n = atol(argv[1]);
	rate = argc > 2 ? atol(argv[2]) : 0;
	printf("%d\n", getpid());
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	t0 = now();
	for (i = 0; i < n; i++) {
		syscall(SYS_getppid);
		/* pace in batches of 1000 calls */
		if (rate > 0 && i % 1000 == 999)
			while (now() - t0 < (double)(i + 1) / rate)
				;
	}
	printf("%.6f\n", now() - t0);
	return 0;
}
