// SPDX-License-Identifier: MIT
/*
 * A known call chain for the stack tests: main -> alpha -> beta -> gamma -> a syscall, built
 * with frame pointers and debug info: -O0 -g -fno-omit-frame-pointer -fno-builtin (-O0 so that
 * the leaf gamma keeps its frame too; -fno-builtin: gamma is also a libm built-in's name).
 *
 *   target [getppid|sleep|spin] [COUNT]
 *
 * getppid (default): gamma calls getppid(2), then main pauses 10 ms; sleep: gamma itself
 * sleeps 10 ms in nanosleep(2) (an off-CPU stack); spin: gamma burns CPU in user mode (a
 * profile's samples). COUNT calls, or until killed.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static struct timespec pause_ts = {0, 10 * 1000 * 1000};

/* The syscall instruction is in gamma itself: a libc wrapper keeps no frame pointer, so a
 * frame-pointer unwind from inside it would skip its caller. */
static inline __attribute__((always_inline)) long raw_syscall2(long nr, long a1, long a2)
{
	long r;

#if defined(__x86_64__)
	register long rdi __asm__("rdi") = a1;
	register long rsi __asm__("rsi") = a2;

	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "0"(nr), "r"(rdi), "r"(rsi)
			 : "rcx", "r11", "memory");
#elif defined(__aarch64__)
	register long x8 __asm__("x8") = nr;
	register long x0 __asm__("x0") = a1;
	register long x1 __asm__("x1") = a2;

	__asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1) : "memory");
	r = x0;
#else
	r = syscall(nr, a1, a2);
#endif
	return r;
}

#define SPIN (-1L)

__attribute__((noinline)) long gamma(long nr)
{
	volatile long i;

	if (nr == SPIN) {
		for (i = 0; i < 10 * 1000 * 1000; i++)
			;
		return i;
	}
	if (nr == SYS_nanosleep)
		return raw_syscall2(SYS_nanosleep, (long)&pause_ts, 0);
	return raw_syscall2(SYS_getppid, 0, 0);
}

__attribute__((noinline)) long beta(long nr)
{
	return gamma(nr);
}

__attribute__((noinline)) long alpha(long nr)
{
	return beta(nr);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "getppid";
	long nr = strcmp(mode, "sleep") == 0  ? SYS_nanosleep
		  : strcmp(mode, "spin") == 0 ? SPIN
					      : SYS_getppid;
	long count = argc > 2 ? atol(argv[2]) : -1, i;
	volatile long sink = 0;

	for (i = 0; count < 0 || i < count; i++) {
		sink += alpha(nr);
		if (nr == SYS_getppid)
			nanosleep(&pause_ts, NULL);
	}
	return (int)(sink & 0);
}
