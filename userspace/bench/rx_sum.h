/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vsockzc-rx-bench's data check: the server's byte pattern and a cheap
 * position-sensitive checksum (Fletcher-style, over little-endian 64-bit
 * words, mod 2^64) that works on a stream cut at any byte.
 */
#ifndef RX_SUM_H
#define RX_SUM_H

#include <stddef.h>
#include <stdint.h>

struct rx_sum {
	uint64_t a;		/* sum of the words */
	uint64_t b;		/* sum of the running sums a */
	uint64_t words;		/* words summed */
	uint64_t carry;		/* bytes of a word not yet complete */
	unsigned int ncarry;
};

void rx_sum_init(struct rx_sum *s);

/* Add @len bytes that follow what @s has seen. */
void rx_sum_update(struct rx_sum *s, const void *buf, size_t len);

/* Count a last, incomplete word as if padded with zero bytes. */
void rx_sum_final(struct rx_sum *s);

/* Fill @buf (@len a multiple of 8) with the server's pattern. */
void rx_pattern_fill(void *buf, size_t len);

/*
 * The final sum of @total bytes made of @buf (@len bytes, a multiple
 * of 8) sent again and again, the last time cut short: what a server
 * sending from @buf will be checked against. Cheap for any @total.
 */
void rx_sum_stream(struct rx_sum *s, const void *buf, size_t len,
		   uint64_t total);

#endif /* RX_SUM_H */
