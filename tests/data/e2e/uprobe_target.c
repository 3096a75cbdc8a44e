// SPDX-License-Identifier: MIT
/* Test binary for uprobe tests: calls eun_target_func(N) and eun_other_func(N) every 50 ms,
 * COUNT times. */
#include <stdlib.h>
#include <unistd.h>

__attribute__((noinline)) int eun_target_func(int x)
{
	asm volatile("" ::: "memory");
	return x * 2;
}

__attribute__((noinline)) int eun_other_func(int x)
{
	asm volatile("" ::: "memory");
	return x + 1000;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 7;
	int count = argc > 2 ? atoi(argv[2]) : 100;

	for (int i = 0; i < count; i++) {
		eun_target_func(n);
		eun_other_func(n);
		usleep(50000);
	}
	return 0;
}
