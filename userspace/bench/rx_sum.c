// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vsockzc-rx-bench: the data pattern and the stream checksum.
 */
#include <endian.h>
#include <string.h>

#include "rx_sum.h"

void rx_sum_init(struct rx_sum *s)
{
	memset(s, 0, sizeof(*s));
}

static inline void add_word(struct rx_sum *s, uint64_t w)
{
	s->a += w;
	s->b += s->a;
	s->words++;
}

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
typedef uint64_t u64x2 __attribute__((vector_size(16)));

/*
 * @n blocks of four words, as if added one by one: each of four lanes
 * keeps its own sums A_r and B_r (lane r takes words 4j + r), and since
 * word 4j + r of 4m counts 4(m - j) - r times in b,
 *   b += 4m * a + 4 * (B_0 + B_1 + B_2 + B_3) - (A_1 + 2 A_2 + 3 A_3).
 * Two 128-bit vectors hold the lanes: a quarter of the instructions of
 * the word loop, which matters in a TCG guest.
 */
static void add_blocks(struct rx_sum *s, const unsigned char *p, size_t n)
{
	u64x2 a01 = { 0, 0 }, a23 = { 0, 0 }, b01 = { 0, 0 }, b23 = { 0, 0 };
	u64x2 x01, x23;
	size_t i;

	for (i = 0; i < n; i++, p += 32) {
		memcpy(&x01, p, 16);
		memcpy(&x23, p + 16, 16);
		a01 += x01;
		a23 += x23;
		b01 += a01;
		b23 += a23;
	}
	s->b += 4 * n * s->a + 4 * (b01[0] + b01[1] + b23[0] + b23[1]) -
		(a01[1] + 2 * a23[0] + 3 * a23[1]);
	s->a += a01[0] + a01[1] + a23[0] + a23[1];
	s->words += 4 * n;
}
#else
static void add_blocks(struct rx_sum *s, const unsigned char *p, size_t n)
{
	uint64_t w;

	for (n *= 4; n; n--, p += 8) {
		memcpy(&w, p, 8);
		add_word(s, le64toh(w));
	}
}
#endif

void rx_sum_update(struct rx_sum *s, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint64_t w;

	/* finish the word the previous call began */
	for (; s->ncarry && len; len--) {
		s->carry |= (uint64_t)*p++ << (8 * s->ncarry);
		if (++s->ncarry == 8) {
			add_word(s, s->carry);
			s->carry = 0;
			s->ncarry = 0;
		}
	}
	if (len >= 32) {
		size_t n = len / 32;

		add_blocks(s, p, n);
		p += n * 32;
		len -= n * 32;
	}
	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&w, p, 8);
		add_word(s, le64toh(w));
	}
	for (; len; len--)
		s->carry |= (uint64_t)*p++ << (8 * s->ncarry++);
}

void rx_sum_final(struct rx_sum *s)
{
	if (s->ncarry)
		add_word(s, s->carry);
	s->carry = 0;
	s->ncarry = 0;
}

/* splitmix64's output function: distinct, well-mixed words. */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

void rx_pattern_fill(void *buf, size_t len)
{
	unsigned char *p = buf;
	uint64_t w;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		w = htole64(mix(i / 8));
		memcpy(p + i, &w, 8);
	}
}

void rx_sum_stream(struct rx_sum *s, const void *buf, size_t len,
		   uint64_t total)
{
	struct rx_sum blk;

	rx_sum_init(s);
	rx_sum_init(&blk);
	rx_sum_update(&blk, buf, len);
	/* appending a whole block to a sum that is on a word boundary */
	for (; len && total >= len; total -= len) {
		s->b += blk.words * s->a + blk.b;
		s->a += blk.a;
		s->words += blk.words;
	}
	rx_sum_update(s, buf, (size_t)total);
	rx_sum_final(s);
}
