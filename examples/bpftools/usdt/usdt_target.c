// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * usdt_target: a small program with a USDT probe, for the usdt example.
 * Build: gcc -O2 -o usdt_target usdt_target.c   (needs <sys/sdt.h>, Debian systemtap-sdt-dev)
 * Run:   usdt_target [COUNT [DELAY_MS]]
 * Fires eunomia:tick COUNT times (default 5), DELAY_MS apart (default 100), with the
 * arguments (iteration, iteration * 1000, "tick-<iteration>").
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <sys/sdt.h>

int main(int argc, char **argv)
{
	long count = argc > 1 ? strtol(argv[1], NULL, 10) : 5;
	long delay_ms = argc > 2 ? strtol(argv[2], NULL, 10) : 100;
	struct timespec ts = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};
	char msg[32];
	long i;

	for (i = 1; i <= count; i++) {
		long long value = i * 1000LL;

		snprintf(msg, sizeof(msg), "tick-%ld", i);
		DTRACE_PROBE3(eunomia, tick, i, value, msg);
		printf("tick %ld\n", i);
		fflush(stdout);
		if (i < count)
			nanosleep(&ts, NULL);
	}
	return 0;
}
