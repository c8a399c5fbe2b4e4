/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A fake guest for the vsock-zc-vhostd unit tests: guest memory is a
 * malloc'd buffer at a non-zero guest address, with split vrings in it.
 */
#ifndef VHOSTD_GUEST_H
#define VHOSTD_GUEST_H

#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vring.h"
#include "tap.h"

#define G_BASE		0x100000ull	/* guest physical base */
#define G_UVA		0x7f0000000000ull
#define G_SIZE		(4u << 20)
#define G_DATA		0x40000ull	/* offset of free buffer space */

struct gring {
	uint16_t num;
	uint64_t desc, avail, used;	/* guest physical */
	uint16_t avail_idx, used_seen;
	uint16_t next_desc;
};

static uint8_t *g_mem;

static void *g_ptr(uint64_t gpa)
{
	return g_mem + (gpa - G_BASE);
}

static void g_mem_init(struct vhd_mem *m)
{
	g_mem = calloc(1, G_SIZE);
	if (!g_mem)
		exit(99);
	memset(m, 0, sizeof(*m));
	m->nregions = 1;
	m->r[0].gpa = G_BASE;
	m->r[0].size = G_SIZE;
	m->r[0].uva = G_UVA;
	m->r[0].host = g_mem;
}

/* Ring i of a device: 64 KiB apart, from the bottom of guest memory. */
static void g_ring_init(struct gring *g, struct vhd_vq *vq, unsigned int i,
			uint16_t num, bool event_idx, bool indirect)
{
	memset(g, 0, sizeof(*g));
	g->num = num;
	g->desc = G_BASE + i * 0x10000ull;
	g->avail = g->desc + 16ull * num;
	g->used = (g->avail + 6 + 2ull * num + 4095) & ~4095ull;
	memset(g_ptr(g->desc), 0, 0x10000);
	vq->event_idx = event_idx;
	vq->indirect = indirect;
	vq->enabled = vq->started = true;
	if (vhd_vq_set_rings(vq, num, g_ptr(g->desc), g_ptr(g->avail),
			     g_ptr(g->used)))
		exit(99);
}

static void g_set_desc(struct vring_desc *t, uint16_t i, uint64_t addr,
		       uint32_t len, uint16_t flags, uint16_t next)
{
	t[i].addr = htole64(addr);
	t[i].len = htole32(len);
	t[i].flags = htole16(flags);
	t[i].next = htole16(next);
}

static void g_desc(struct gring *g, uint16_t i, uint64_t addr, uint32_t len,
		   uint16_t flags, uint16_t next)
{
	g_set_desc(g_ptr(g->desc), i, addr, len, flags, next);
}

static void g_publish(struct gring *g, uint16_t head)
{
	struct vring_avail *a = g_ptr(g->avail);

	a->ring[g->avail_idx % g->num] = htole16(head);
	g->avail_idx++;
	a->idx = htole16(g->avail_idx);
}

/* Next used element, or -1. */
static int g_used(struct gring *g, uint32_t *len)
{
	struct vring_used *u = g_ptr(g->used);
	struct vring_used_elem *e;

	if (le16toh(u->idx) == g->used_seen)
		return -1;
	e = &u->ring[g->used_seen++ % g->num];
	if (len)
		*len = le32toh(e->len);
	return le32toh(e->id);
}

#endif
