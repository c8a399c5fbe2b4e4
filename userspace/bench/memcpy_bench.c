// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vsockzc-memcpy-bench: memcpy bandwidth in MB/s, the ceiling a copying
 * data path is measured against; or, with --fresh, the CPU time that
 * fresh anonymous pages cost (mmap with MAP_POPULATE, then munmap, in
 * CHUNK_KIB mappings), which a vmsplice(SPLICE_F_GIFT) sender pays for
 * every page it gives away, in ms per MiB.
 *
 * Usage: vsockzc-memcpy-bench [BLOCK_MIB [ROUNDS]]
 *        vsockzc-memcpy-bench --fresh CHUNK_KIB [MIB]
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_ms(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		err(EXIT_FAILURE, "getrusage");
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static int fresh_pages(unsigned long kib, unsigned long mib)
{
	size_t len = kib << 10, n, i;
	double c0;

	if (kib == 0 || kib > (1UL << 20) || mib == 0 || mib > 65536 ||
	    (mib << 20) < len)
		errx(EXIT_FAILURE, "usage: vsockzc-memcpy-bench --fresh CHUNK_KIB [MIB]");
	n = (mib << 20) / len;
	c0 = cpu_ms();
	for (i = 0; i < n; i++) {
		void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

		if (p == MAP_FAILED)
			err(EXIT_FAILURE, "mmap %zu bytes", len);
		if (munmap(p, len))
			err(EXIT_FAILURE, "munmap");
	}
	printf("%.2f\n", (cpu_ms() - c0) / ((double)n * len / (1 << 20)));
	return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
	unsigned long mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 64;
	unsigned long rounds = argc > 2 ? strtoul(argv[2], NULL, 10) : 8;
	size_t len, i;
	char *src, *dst;
	double t0, t;

	if (argc > 1 && !strcmp(argv[1], "--fresh"))
		return fresh_pages(argc > 2 ? strtoul(argv[2], NULL, 10) : 0,
				   argc > 3 ? strtoul(argv[3], NULL, 10) : 64);
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
