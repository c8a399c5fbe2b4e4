// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit test: vsockzc-rx-bench's stream checksum. What the client sums,
 * cut at any byte, must equal what the server predicts, and damage must
 * show.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rx_sum.h"

static unsigned int n_test, n_failed;

static void check(int ok, const char *what, size_t arg)
{
	n_test++;
	if (!ok)
		n_failed++;
	printf("%sok %u - %s %zu\n", ok ? "" : "not ", n_test, what, arg);
}

static int same(const struct rx_sum *x, const struct rx_sum *y)
{
	return x->a == y->a && x->b == y->b;
}

/* @total bytes of @buf (@len bytes) repeated, as the server sends them. */
static unsigned char *stream(const unsigned char *buf, size_t len,
			     size_t total)
{
	unsigned char *s = malloc(total + 1);
	size_t i;

	if (!s) {
		perror("malloc");
		exit(99);
	}
	for (i = 0; i < total; i++)
		s[i] = buf[i % len];
	return s;
}

/* The sum of @len bytes at @p fed in pieces of 0 to @max bytes. */
static void sum_chunked(struct rx_sum *s, const unsigned char *p, size_t len,
			size_t max)
{
	size_t n;

	rx_sum_init(s);
	while (len) {
		n = (size_t)rand() % (max + 1);
		if (n > len)
			n = len;
		rx_sum_update(s, p, n);
		p += n;
		len -= n;
	}
	rx_sum_final(s);
}

int main(void)
{
	/* buffer sizes and totals: exact multiples, short tails, odd bytes */
	static const size_t lens[] = { 8, 64, 4096, 8 * 4096 };
	static const size_t totals[] = { 0, 1, 7, 8, 4095, 4096, 100000,
					 262147 };
	struct rx_sum want, got;
	unsigned char buf[8 * 4096], *s;
	size_t i, j, k;

	srand(1);
	rx_pattern_fill(buf, sizeof(buf));
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		for (j = 0; j < sizeof(totals) / sizeof(totals[0]); j++) {
			s = stream(buf, lens[i], totals[j]);
			rx_sum_stream(&want, buf, lens[i], totals[j]);
			sum_chunked(&got, s, totals[j], 1);
			check(same(&want, &got), "byte by byte, total",
			      totals[j]);
			sum_chunked(&got, s, totals[j], 9000);
			check(same(&want, &got), "random pieces, total",
			      totals[j]);
			free(s);
		}
	}

	/* damage: a flipped bit, two words swapped, a page twice */
	s = stream(buf, sizeof(buf), 100000);
	rx_sum_stream(&want, buf, sizeof(buf), 100000);
	for (k = 0; k < 100000; k += 33331) {
		s[k] ^= 0x10;
		sum_chunked(&got, s, 100000, 5000);
		check(!same(&want, &got), "flipped bit detected at", k);
		s[k] ^= 0x10;
	}
	memcpy(s + 40000, buf + 8, 8);
	memcpy(s + 40008, buf, 8);
	sum_chunked(&got, s, 100000, 5000);
	check(!same(&want, &got), "swapped words detected at", (size_t)40000);
	memcpy(s + 4096, s, 4096);
	sum_chunked(&got, s, 100000, 5000);
	check(!same(&want, &got), "repeated page detected at", (size_t)4096);
	free(s);

	/* the pattern is not trivially periodic within a buffer */
	check(memcmp(buf, buf + 4096, 4096) != 0, "pages differ, size",
	      (size_t)4096);

	printf("1..%u\n", n_test);
	return n_failed ? 1 : 0;
}
