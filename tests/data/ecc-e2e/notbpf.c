// SPDX-License-Identifier: MIT
/* Compiles for BPF but has no SEC("...") programs. */
int add(int a, int b);
int add(int a, int b)
{
	return a + b;
}
