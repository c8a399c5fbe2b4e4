// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit test: vsock-zc-vhostd's split virtqueue code against malformed
 * guests (synthetic guest memory, no QEMU).
 */
#include "vhostd-guest.h"

#define NUM	16
#define D	(G_BASE + G_DATA)	/* buffer space */

static struct vhd_mem mem;
static struct vhd_vq vq;
static struct gring g;
static struct vhd_chain c;

static void reset(bool indirect)
{
	vhd_vq_init(&vq, &mem);
	g_ring_init(&g, &vq, 0, NUM, true, indirect);
}

/* Publish head, pop it; returns vhd_vq_pop()'s result. */
static int pop(uint16_t head)
{
	g_publish(&g, head);
	return vhd_vq_pop(&vq, &c);
}

static void test_good(void)
{
	char buf[64];
	unsigned int i;
	int ret;

	reset(false);
	g_desc(&g, 0, D, 44, VRING_DESC_F_NEXT, 1);
	g_desc(&g, 1, D + 100, 10, VRING_DESC_F_NEXT, 2);
	g_desc(&g, 2, D + 200, 4096, VRING_DESC_F_WRITE, 0);
	ret = pop(0);
	t_ok(ret == 1 && c.head == 0 && c.nout == 2 && c.nin == 1 &&
	     c.out_len == 54 && c.in_len == 4096 &&
	     c.iov[0].iov_base == g_ptr(D) && c.iov[2].iov_base == g_ptr(D + 200),
	     "3-descriptor chain: 2 readable, 1 writable");
	t_ok(vhd_vq_pop(&vq, &c) == 0, "empty ring pops nothing");

	/* A chain as long as the ring, in reverse order. */
	reset(false);
	for (i = 0; i < NUM; i++)
		g_desc(&g, i, D + (NUM - 1 - i) * 8, 8,
		       i ? VRING_DESC_F_NEXT : 0, i - 1);
	ret = pop(NUM - 1);
	t_ok(ret == 1 && c.nout == NUM && c.out_len == 8 * NUM,
	     "chain of %u descriptors (the queue size)", NUM);

	/* Copy helpers across descriptor boundaries. */
	memcpy(g_ptr(D), "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ!?", 64);
	memset(buf, 0, sizeof(buf));
	t_ok(vhd_iov_copy_from(c.iov, c.nout, 13, buf, 20) == 20 &&
	     !memcmp(buf, g_ptr(D + 13), 20), "copy out across 4 descriptors");
	t_ok(vhd_iov_copy_from(c.iov, c.nout, 8 * NUM - 3, buf, 20) == 3,
	     "copy out stops at the end of the chain");
	{
		struct iovec v[4];
		unsigned int n = vhd_iov_slice(c.iov, c.nout, 6, 12, v, 4);

		t_ok(n == 3 && v[0].iov_len == 2 && v[1].iov_len == 8 &&
		     v[2].iov_len == 2 && v[0].iov_base == g_ptr(D + 6),
		     "slice of 12 bytes at offset 6");
	}
}

static void test_bad_chains(void)
{
	int ret;

	reset(false);
	g_desc(&g, 0, G_BASE + G_SIZE, 16, 0, 0);
	ret = pop(0);
	t_ok(ret == -EINVAL && c.head == 0, "address past guest memory: -EINVAL, head given back");
	g_desc(&g, 1, G_BASE + G_SIZE - 8, 16, 0, 0);
	t_ok(pop(1) == -EINVAL, "buffer crossing the end of guest memory");
	g_desc(&g, 2, G_BASE - 4096, 16, 0, 0);
	t_ok(pop(2) == -EINVAL, "address below guest memory");
	g_desc(&g, 3, ~0ull - 8, 0xffffffff, 0, 0);
	t_ok(pop(3) == -EINVAL, "address + length wraps");
	g_desc(&g, 4, D, 8, VRING_DESC_F_NEXT, 5);
	g_desc(&g, 5, D, 8, VRING_DESC_F_NEXT, 4);
	t_ok(pop(4) == -EINVAL, "two-descriptor loop");
	g_desc(&g, 6, D, 8, VRING_DESC_F_NEXT, 6);
	t_ok(pop(6) == -EINVAL, "descriptor pointing at itself");
	g_desc(&g, 7, D, 8, VRING_DESC_F_NEXT, NUM);
	t_ok(pop(7) == -EINVAL, "next index past the table");
	g_desc(&g, 8, D, 8, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 9);
	g_desc(&g, 9, D, 8, 0, 0);
	t_ok(pop(8) == -EINVAL, "readable descriptor after a writable one");
	g_desc(&g, 10, D, 16 * 4, VRING_DESC_F_INDIRECT, 0);
	t_ok(pop(10) == -EINVAL, "indirect descriptor without the feature");
	g_desc(&g, 11, D, 8, 0, 0);
	t_ok(pop(11) == 1, "a good chain after all that still works");
	t_ok(vq.errors == 9 && !vq.broken, "errors counted, queue not broken");
}

static void test_indirect(void)
{
	struct vring_desc *t = g_ptr(D + 0x1000);
	uint64_t ta = D + 0x1000;

	reset(true);
	g_set_desc(t, 0, D, 44, VRING_DESC_F_NEXT, 1);
	g_set_desc(t, 1, D + 64, 100, VRING_DESC_F_NEXT, 2);
	g_set_desc(t, 2, D + 512, 256, VRING_DESC_F_WRITE, 0);
	g_desc(&g, 0, ta, 3 * 16, VRING_DESC_F_INDIRECT, 0);
	t_ok(pop(0) == 1 && c.nout == 2 && c.nin == 1 && c.out_len == 144,
	     "indirect table of 3");
	g_desc(&g, 1, D + 8, 8, VRING_DESC_F_NEXT, 2);
	g_desc(&g, 2, ta, 3 * 16, VRING_DESC_F_INDIRECT, 0);
	t_ok(pop(1) == 1 && c.nout == 3 && c.nin == 1,
	     "direct descriptor, then an indirect table");
	g_desc(&g, 3, ta, 3 * 16, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 4);
	t_ok(pop(3) == -EINVAL, "indirect with NEXT");
	g_desc(&g, 4, ta, 3 * 16 + 1, VRING_DESC_F_INDIRECT, 0);
	t_ok(pop(4) == -EINVAL, "indirect length not a multiple of 16");
	g_desc(&g, 5, ta, 0, VRING_DESC_F_INDIRECT, 0);
	t_ok(pop(5) == -EINVAL, "empty indirect table");
	g_desc(&g, 6, G_BASE + G_SIZE - 16, 32, VRING_DESC_F_INDIRECT, 0);
	t_ok(pop(6) == -EINVAL, "indirect table past guest memory");
	g_set_desc(t, 3, ta, 16, VRING_DESC_F_INDIRECT, 0);
	g_desc(&g, 7, ta + 3 * 16, 16, VRING_DESC_F_INDIRECT, 0);
	t_ok(pop(7) == -EINVAL, "nested indirect table");
	g_set_desc(t, 4, D, 8, VRING_DESC_F_NEXT, 5);
	g_set_desc(t, 5, D, 8, VRING_DESC_F_NEXT, 4);
	g_desc(&g, 8, ta + 4 * 16, 2 * 16, VRING_DESC_F_INDIRECT, 0);
	t_ok(pop(8) == -EINVAL, "loop inside an indirect table");
	g_set_desc(t, 6, D, 8, VRING_DESC_F_NEXT, 2);
	g_desc(&g, 9, ta + 6 * 16, 16, VRING_DESC_F_INDIRECT, 0);
	t_ok(pop(9) == -EINVAL, "indirect next index past its table");
}

static void test_two_regions(void)
{
	struct vhd_mem m2 = mem;
	static uint8_t other[8192];

	/* A second region right after the first, elsewhere in our memory. */
	m2.nregions = 2;
	m2.r[1].gpa = G_BASE + G_SIZE;
	m2.r[1].size = sizeof(other);
	m2.r[1].uva = G_UVA + G_SIZE;
	m2.r[1].host = other;
	vhd_vq_init(&vq, &m2);
	g_ring_init(&g, &vq, 0, NUM, false, false);
	g_desc(&g, 0, G_BASE + G_SIZE - 100, 300, 0, 0);
	t_ok(pop(0) == 1 && c.nout == 2 && c.iov[0].iov_len == 100 &&
	     c.iov[1].iov_base == other && c.iov[1].iov_len == 200,
	     "buffer spanning two regions maps to two iovecs");
	g_desc(&g, 1, G_BASE + G_SIZE - 100, 100 + sizeof(other) + 1, 0, 0);
	t_ok(pop(1) == -EINVAL, "buffer running past the second region");
	t_ok(vhd_uva_to_host(&m2, G_UVA + G_SIZE + 10, 10) == other + 10,
	     "frontend address translation");
	t_ok(!vhd_uva_to_host(&m2, G_UVA + G_SIZE - 10, 20),
	     "a ring may not span regions");
}

static void test_broken_ring(void)
{
	struct vring_avail *a;

	reset(false);
	g_desc(&g, 0, D, 8, 0, 0);
	a = g_ptr(g.avail);
	a->ring[0] = htole16(NUM);
	a->idx = htole16(1);
	t_ok(vhd_vq_pop(&vq, &c) == -EIO && vq.broken, "head index past the ring: broken");
	t_ok(vhd_vq_pop(&vq, &c) == 0, "a broken queue pops nothing");

	reset(false);
	a = g_ptr(g.avail);
	a->idx = htole16(NUM + 1);
	t_ok(vhd_vq_pop(&vq, &c) == -EIO, "avail index ahead by more than the ring");

	t_ok(vhd_vq_set_rings(&vq, 3, g_ptr(g.desc), g_ptr(g.avail),
			      g_ptr(g.used)) == -EINVAL,
	     "queue size not a power of two");
	t_ok(vhd_vq_set_rings(&vq, NUM, (char *)g_ptr(g.desc) + 8,
			      g_ptr(g.avail), g_ptr(g.used)) == -EINVAL,
	     "misaligned descriptor table");
}

static void test_used_and_events(void)
{
	struct vring_avail *a;
	uint16_t *used_event, *avail_event;
	uint32_t len;
	int i;

	reset(false);
	a = g_ptr(g.avail);
	used_event = &a->ring[NUM];
	avail_event = (uint16_t *)((char *)g_ptr(g.used) + 4 + 8 * NUM);
	g_desc(&g, 5, D, 8, 0, 0);
	t_ok(pop(5) == 1, "pop for push");
	vhd_vq_push(&vq, 5, 1234);
	i = g_used(&g, &len);
	t_ok(i == 5 && len == 1234, "used element carries id and length");
	*used_event = htole16(0);
	t_ok(vhd_vq_need_notify(&vq), "first notification always goes");
	vhd_vq_push(&vq, 5, 1);
	*used_event = htole16(5);	/* guest wants an interrupt at 6 */
	t_ok(!vhd_vq_need_notify(&vq), "event index: no interrupt before used_event");
	for (i = 0; i < 4; i++)
		vhd_vq_push(&vq, 5, 1);
	t_ok(vhd_vq_need_notify(&vq), "event index: interrupt once used passes used_event");
	t_ok(!vhd_vq_enable_kick(&vq) && le16toh(*avail_event) == 1,
	     "avail_event published as the next index");
	g_publish(&g, 5);
	t_ok(vhd_vq_enable_kick(&vq), "buffers that arrived meanwhile are seen");
}

int main(void)
{
	g_mem_init(&mem);
	printf("1..42\n");
	test_good();
	test_bad_chains();
	test_indirect();
	test_two_regions();
	test_broken_ring();
	test_used_and_events();
	vhd_chain_free(&c);
	if (t_n != 42)
		printf("# planned 42, ran %u\n", t_n);
	return t_failed || t_n != 42 ? EXIT_FAILURE : EXIT_SUCCESS;
}
