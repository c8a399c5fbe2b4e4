// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vsockzc-memcpy-bench: memcpy bandwidth in MB/s, the ceiling a copying
 * data path is measured against.
 *
 * Usage: vsockzc-memcpy-bench [BLOCK_MIB [ROUNDS]]
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	unsigned long mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 64;
	unsigned long rounds = argc > 2 ? strtoul(argv[2], NULL, 10) : 8;
	size_t len, i;
	char *src, *dst;
	double t0, t;

	if (mib == 0 || mib > 4096 || rounds == 0)
		errx(EXIT_FAILURE, "usage: vsockzc-memcpy-bench [BLOCK_MIB (1-4096) [ROUNDS]]");
	len = mib << 20;
	src = malloc(len);
	dst = malloc(len);
	if (!src || !dst)
		err(EXIT_FAILURE, "malloc %zu bytes", len);
	memset(src, 0x5a, len);
	memset(dst, 0, len);

	t0 = now();
	for (i = 0; i < rounds; i++) {
		src[i] = (char)i;
		memcpy(dst, src, len);
	}
	t = now() - t0;
	if (dst[rounds - 1] != (char)(rounds - 1))
		errx(EXIT_FAILURE, "memcpy result is wrong");
	printf("%.0f\n", (double)len * rounds / t / 1e6);
	return EXIT_SUCCESS;
}
