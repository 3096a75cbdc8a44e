// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * funclatency_target: calls a function of known duration, for the funclatency example.
 * Build: cc -O1 -g -o funclatency_target funclatency_target.c
 * Run:   funclatency_target [COUNT [MS]]
 * Calls work_ms(MS) COUNT times (default 10 and 5): each call sleeps MS milliseconds, so it
 * takes at least that long. quick() is called as often and returns at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

__attribute__((noinline)) int work_ms(int ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts))
		;
	return ms;
}

__attribute__((noinline)) int quick(int x)
{
	__asm__ volatile("" ::: "memory"); /* keep the call */
	return x + 1;
}

int main(int argc, char **argv)
{
	long count = argc > 1 ? strtol(argv[1], NULL, 10) : 10;
	int ms = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 5;
	long i, total = 0;

	for (i = 0; i < count; i++) {
		total += work_ms(ms);
		total += quick((int)i);
	}
	printf("%ld calls of work_ms(%d)\n", count, ms);
	return total < 0;
}
