// SPDX-License-Identifier: MIT
/*
 * A known call chain for the stack tests: main -> alpha -> beta -> gamma -> getppid(2), built
 * with frame pointers and debug info. Every call of gamma makes one getppid syscall; the
 * program runs until it is killed, or for argv[1] calls with a 10 ms pause between them.
 */
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* The syscall instruction is in gamma itself: a libc wrapper keeps no frame pointer, so a
 * frame-pointer unwind from inside it would skip its caller. */
__attribute__((noinline)) long gamma(long n)
{
	long r;

#if defined(__x86_64__)
	__asm__ volatile("syscall" : "=a"(r) : "0"((long)SYS_getppid) : "rcx", "r11", "memory");
#elif defined(__aarch64__)
	register long x8 __asm__("x8") = SYS_getppid;
	register long x0 __asm__("x0");

	__asm__ volatile("svc #0" : "=r"(x0) : "r"(x8) : "memory");
	r = x0;
#else
	r = syscall(SYS_getppid);
#endif

	__asm__ volatile("" ::: "memory"); /* keep the call a call, not a tail jump */
	return r + n;
}

__attribute__((noinline)) long beta(long n)
{
	long r = gamma(n + 1);

	__asm__ volatile("" ::: "memory");
	return r;
}

__attribute__((noinline)) long alpha(long n)
{
	long r = beta(n + 1);

	__asm__ volatile("" ::: "memory");
	return r;
}

int main(int argc, char **argv)
{
	long count = argc > 1 ? atol(argv[1]) : -1, i;
	struct timespec ts = {0, 10 * 1000 * 1000};
	volatile long sink = 0;

	for (i = 0; count < 0 || i < count; i++) {
		sink += alpha(i);
		nanosleep(&ts, NULL);
	}
	return (int)(sink & 0);
}
