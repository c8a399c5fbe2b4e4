// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The driver's side of vhost_vsock's split rings, for the protocol code
 * (vhd_vq_ops): our memory holds the rings and every buffer, and the
 * guest physical address of a byte is its address in this process.
 *
 * The protocol code takes packets from VHD_TXQ and puts them in
 * VHD_RXQ, as a device does. Here VHD_TXQ is vhost's RX queue: popping
 * takes a buffer the kernel filled, pushing it back posts it again.
 * VHD_RXQ is vhost's TX queue: popping takes one of our free TX
 * buffers, pushing it with a length makes it a descriptor chain for the
 * kernel, which gives it back through the used ring.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim.h"

#define READ16(p)	le16toh(*(volatile const uint16_t *)(p))
#define WRITE16(p, v)	(*(volatile uint16_t *)(p) = htole16(v))

static size_t align_up(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* Where used_event and avail_event sit (VIRTIO_RING_F_EVENT_IDX). */
static uint16_t *used_event(struct sim_queue *q)
{
	return &q->avail->ring[q->num];
}

static uint16_t *avail_event(struct sim_queue *q)
{
	return (uint16_t *)&q->used->ring[q->num];
}

static void *alloc_or_die(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		abort();
	return p;
}

size_t sim_layout(struct sim_guest *g, const struct sim_opts *o, void *mem)
{
	uint8_t *base = mem;
	size_t off = 0;
	unsigned int i, b;

	for (i = 0; i < 2; i++) {
		struct sim_queue *q = &g->q[i];

		q->g = g;
		q->index = i;
		q->num = o->queue_size;
		off = align_up(off, 4096);
		if (mem) {
			q->desc = (void *)(base + off);
			q->avail = (void *)(base + off + 16 * (size_t)q->num);
		}
		off = align_up(off + 16 * (size_t)q->num + 6 + 2 * (size_t)q->num,
			       4096);
		if (mem)
			q->used = (void *)(base + off);
		off += 6 + 8 * (size_t)q->num;
	}

	/* RX: every descriptor of the ring carries a buffer. */
	{
		struct sim_queue *q = &g->q[SIM_RX];
		size_t stride = align_up(o->rx_buf, 64);

		q->per_buf = o->rx_layout == SIM_RX_PAGE ? 2 : 1;
		q->nbufs = q->num / q->per_buf;
		if (mem)
			q->biov = alloc_or_die(q->num, sizeof(*q->biov));
		off = align_up(off, 4096);
		if (o->rx_layout == SIM_RX_PAGE) {
			size_t hdrs = off, pages;

			off = align_up(off + 64 * (size_t)q->nbufs, 4096);
			pages = off;
			off += 4096 * (size_t)q->nbufs;
			for (b = 0; mem && b < q->nbufs; b++) {
				q->biov[2 * b].iov_base = base + hdrs + 64 * b;
				q->biov[2 * b].iov_len = VHD_HDR_LEN;
				q->biov[2 * b + 1].iov_base = base + pages + 4096 * (size_t)b;
				q->biov[2 * b + 1].iov_len = 4096;
			}
		} else {
			for (b = 0; mem && b < q->nbufs; b++) {
				q->biov[b].iov_base = base + off + stride * b;
				q->biov[b].iov_len = o->rx_buf;
			}
			off += stride * q->nbufs;
		}
	}

	/* TX: a header, then the payload in tx_seg pieces (or all in one). */
	{
		struct sim_queue *q = &g->q[SIM_TX];
		unsigned int nseg = o->tx_seg ?
				    (o->tx_max + o->tx_seg - 1) / o->tx_seg : 0;
		size_t hdrs, stride;

		q->per_buf = 1 + nseg;
		q->nbufs = q->num / q->per_buf;
		if (q->nbufs > o->tx_slots)
			q->nbufs = o->tx_slots;
		if (mem)
			q->biov = alloc_or_die(q->nbufs * q->per_buf,
					       sizeof(*q->biov));
		hdrs = off = align_up(off, 64);
		if (!nseg) {
			stride = align_up(VHD_HDR_LEN + o->tx_max, 64);
			for (b = 0; mem && b < q->nbufs; b++) {
				q->biov[b].iov_base = base + hdrs + stride * b;
				q->biov[b].iov_len = VHD_HDR_LEN + o->tx_max;
			}
			off += stride * q->nbufs;
		} else {
			size_t data;

			off = align_up(off + 64 * (size_t)q->nbufs, 4096);
			data = off;
			stride = align_up(o->tx_max, 4096);
			off += stride * q->nbufs;
			for (b = 0; mem && b < q->nbufs; b++) {
				struct iovec *v = &q->biov[b * q->per_buf];
				unsigned int s;

				v[0].iov_base = base + hdrs + 64 * b;
				v[0].iov_len = VHD_HDR_LEN;
				for (s = 0; s < nseg; s++) {
					size_t at = (size_t)s * o->tx_seg;

					v[1 + s].iov_base = base + data + stride * b + at;
					v[1 + s].iov_len = o->tx_max - at < o->tx_seg ?
							   o->tx_max - at : o->tx_seg;
				}
			}
		}
	}

	if (mem) {
		for (i = 0; i < 2; i++) {
			struct sim_queue *q = &g->q[i];

			q->at_device = alloc_or_die(q->nbufs, sizeof(bool));
			q->pending = alloc_or_die(q->nbufs, sizeof(uint16_t));
			q->free = alloc_or_die(q->nbufs, sizeof(uint16_t));
		}
		/* RX descriptors never change: device-writable, chained. */
		for (b = 0; b < g->q[SIM_RX].nbufs; b++) {
			struct sim_queue *q = &g->q[SIM_RX];
			unsigned int k;

			for (k = 0; k < q->per_buf; k++) {
				struct vring_desc *d = &q->desc[b * q->per_buf + k];
				bool more = k + 1 < q->per_buf;

				d->addr = htole64((uintptr_t)q->biov[b * q->per_buf + k].iov_base);
				d->len = htole32(q->biov[b * q->per_buf + k].iov_len);
				d->flags = htole16(VRING_DESC_F_WRITE |
						   (more ? VRING_DESC_F_NEXT : 0));
				d->next = htole16(more ? b * q->per_buf + k + 1 : 0);
			}
		}
		for (b = 0; b < g->q[SIM_TX].nbufs; b++)
			g->q[SIM_TX].free[b] = b;
		g->q[SIM_TX].free_count = g->q[SIM_TX].nbufs;
	}
	return align_up(off, 4096);
}

static struct sim_queue *q_of(struct vhd_vq *vq)
{
	return vq->priv;
}

/* Room for n iovecs in c. */
static int chain_room(struct vhd_chain *c, unsigned int n)
{
	struct iovec *iov;

	if (c->cap >= n)
		return 0;
	iov = realloc(c->iov, n * sizeof(*iov));
	if (!iov)
		return -ENOMEM;
	c->iov = iov;
	c->cap = n;
	return 0;
}

/* Tell the device about new avail entries if it asked for it. */
static void q_notify(struct vhd_vq *vq)
{
	struct sim_queue *q = q_of(vq);
	uint64_t one = 1;
	bool need;

	if (q->avail_idx == q->kicked)
		return;
	/* Our avail index must be visible before we read its wish. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (q->event_idx)
		need = (uint16_t)(q->avail_idx - READ16(avail_event(q)) - 1) <
		       (uint16_t)(q->avail_idx - q->kicked);
	else
		need = !(READ16(&q->used->flags) & VRING_USED_F_NO_NOTIFY);
	q->kicked = q->avail_idx;
	if (!need)
		return;
	q->kicks++;
	if (write(q->kick_fd, &one, sizeof(one)) < 0) {
		/* a full counter: the device has a kick pending anyway */
	}
}

static void q_publish(struct sim_queue *q, uint16_t head)
{
	q->avail->ring[q->avail_idx % q->num] = htole16(head);
	q->avail_idx++;
	/* The entry (and the descriptors) before the index. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	WRITE16(&q->avail->idx, q->avail_idx);
}

/* Ask for an interrupt at the next used entry; true if one is there. */
static bool q_enable_kick(struct vhd_vq *vq)
{
	struct sim_queue *q = q_of(vq);

	if (q->event_idx)
		WRITE16(used_event(q), q->last_used);
	else
		WRITE16(&q->avail->flags, 0);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return READ16(&q->used->idx) != q->last_used;
}

static void q_kick_on_next(struct vhd_vq *vq)
{
	q_enable_kick(vq);
}

/*
 * The next used entry: 1 with its buffer and length, 0 if none, -EIO if
 * the device wrote nonsense (the queue is then dead).
 */
static int q_take_used(struct sim_queue *q, unsigned int *buf, uint32_t *len)
{
	struct vring_used_elem e;
	uint32_t id;

	if (READ16(&q->used->idx) == q->last_used)
		return 0;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	memcpy(&e, (const void *)&q->used->ring[q->last_used % q->num],
	       sizeof(e));
	q->last_used++;
	id = le32toh(e.id);
	if (id >= q->nbufs * q->per_buf || id % q->per_buf ||
	    !q->at_device[id / q->per_buf]) {
		q->bad_used++;
		return -EIO;
	}
	*buf = q->last_taken = id / q->per_buf;
	*len = le32toh(e.len);
	q->at_device[*buf] = false;
	return 1;
}

/* vhost's RX queue: a filled buffer, as a device-readable chain. */
static int rx_pop(struct vhd_vq *vq, struct vhd_chain *c)
{
	struct sim_queue *q = q_of(vq);
	unsigned int b, k;
	uint32_t len, left;
	int ret;

	c->nout = c->nin = 0;
	c->out_len = c->in_len = 0;
	if (vq->broken)
		return -EIO;
	ret = q_take_used(q, &b, &len);
	if (ret < 0)
		vq->broken = true;
	if (ret <= 0)
		return ret;
	c->head = b * q->per_buf;
	if (chain_room(c, q->per_buf))
		abort();
	for (k = 0, left = len; k < q->per_buf && left; k++) {
		struct iovec v = q->biov[b * q->per_buf + k];

		if (v.iov_len > left)
			v.iov_len = left;
		c->iov[c->nout++] = v;
		c->out_len += v.iov_len;
		left -= v.iov_len;
	}
	if (left) {
		/* longer than the buffer: the device broke the ring */
		q->bad_used++;
		vq->broken = true;
		return -EIO;
	}
	return 1;
}

static void rx_unpop(struct vhd_vq *vq)
{
	struct sim_queue *q = q_of(vq);

	q->last_used--;
	q->at_device[q->last_taken] = true;
}

static void rx_post(struct sim_queue *q, uint16_t head)
{
	if (q->at_device[head / q->per_buf]) {
		/* posted twice: a bug of ours, which would corrupt data */
		q->double_posts++;
		return;
	}
	q->at_device[head / q->per_buf] = true;
	q_publish(q, head);
}

/* The protocol is done with a filled buffer: post it again. */
static void rx_push(struct vhd_vq *vq, uint16_t head, uint32_t len)
{
	struct sim_queue *q = q_of(vq);

	(void)len;
	if (q->g->rx_paused) {
		q->pending[q->npending++] = head;
		if (q->npending > q->max_pending)
			q->max_pending = q->npending;
		return;
	}
	rx_post(q, head);
}

/* Give the kernel back what it returned. */
static void tx_reclaim(struct sim_queue *q)
{
	unsigned int b;
	uint32_t len;

	while (q_take_used(q, &b, &len) > 0)
		q->free[(q->free_head + q->free_count++) % q->nbufs] = b;
}

/* vhost's TX queue: one of our free buffers, device-writable for the
 * protocol code to fill. */
static int tx_pop(struct vhd_vq *vq, struct vhd_chain *c)
{
	struct sim_queue *q = q_of(vq);
	unsigned int b;

	c->nout = c->nin = 0;
	c->out_len = c->in_len = 0;
	tx_reclaim(q);
	if (!q->free_count)
		return 0;
	b = q->free[q->free_head];
	q->free_head = (q->free_head + 1) % q->nbufs;
	q->free_count--;
	if (chain_room(c, q->per_buf))
		abort();
	memcpy(c->iov, &q->biov[b * q->per_buf], q->per_buf * sizeof(*c->iov));
	c->nin = q->per_buf;
	for (unsigned int k = 0; k < q->per_buf; k++)
		c->in_len += c->iov[k].iov_len;
	c->head = b;
	return 1;
}

static void tx_unpop(struct vhd_vq *vq)
{
	struct sim_queue *q = q_of(vq);

	q->free_head = (q->free_head + q->nbufs - 1) % q->nbufs;
	q->free_count++;
}

/* A filled TX buffer: len bytes as a chain of readable descriptors. */
static void tx_push(struct vhd_vq *vq, uint16_t b, uint32_t len)
{
	struct sim_queue *q = q_of(vq);
	const struct iovec *v = &q->biov[b * q->per_buf];
	unsigned int k, first = b * q->per_buf;

	if (!len) {
		/* not used after all */
		q->free[(q->free_head + q->free_count++) % q->nbufs] = b;
		return;
	}
	for (k = 0; len; k++) {
		struct vring_desc *d = &q->desc[first + k];
		uint32_t l = v[k].iov_len < len ? v[k].iov_len : len;

		len -= l;
		d->addr = htole64((uintptr_t)v[k].iov_base);
		d->len = htole32(l);
		d->flags = htole16(len ? VRING_DESC_F_NEXT : 0);
		d->next = htole16(len ? first + k + 1 : 0);
	}
	q->at_device[b] = true;
	q_publish(q, first);
}

static const struct vhd_vq_ops rx_ops = {
	.pop = rx_pop,
	.unpop = rx_unpop,
	.push = rx_push,
	.notify = q_notify,
	.enable_kick = q_enable_kick,
	.kick_on_next = q_kick_on_next,
};

static const struct vhd_vq_ops tx_ops = {
	.pop = tx_pop,
	.unpop = tx_unpop,
	.push = tx_push,
	.notify = q_notify,
	.enable_kick = q_enable_kick,
	.kick_on_next = q_kick_on_next,
};

void sim_attach(struct sim_guest *g)
{
	static const unsigned int proto_q[2] = {
		[SIM_RX] = VHD_TXQ,	/* packets come from here */
		[SIM_TX] = VHD_RXQ,	/* and go here */
	};
	unsigned int i;

	for (i = 0; i < 2; i++) {
		struct sim_queue *q = &g->q[i];
		struct vhd_vq *vq = &g->vm->vq[proto_q[i]];

		vq->ops = i == SIM_RX ? &rx_ops : &tx_ops;
		vq->priv = q;
		vq->num = q->num;
		vq->desc = q->desc;
		vq->avail = q->avail;
		vq->used = q->used;
		vq->event_idx = q->event_idx;
		vq->enabled = vq->started = true;
		/* The kernel's interrupt wakes the protocol code's queue. */
		vq->kick_fd = q->call_fd;
	}
}

/* At the start: post every RX buffer, or hold them all back. */
void sim_post_rx(struct sim_guest *g)
{
	struct sim_queue *q = &g->q[SIM_RX];
	unsigned int b;

	for (b = 0; b < q->nbufs; b++)
		rx_push(&g->vm->vq[VHD_TXQ], b * q->per_buf, 0);
	q_notify(&g->vm->vq[VHD_TXQ]);
}

void sim_set_rx_paused(struct sim_guest *g, bool paused)
{
	struct sim_queue *q = &g->q[SIM_RX];
	unsigned int i;

	g->rx_paused = paused;
	if (paused)
		return;
	for (i = 0; i < q->npending; i++)
		rx_post(q, q->pending[i]);
	q->npending = 0;
	q_notify(&g->vm->vq[VHD_TXQ]);
}

void sim_read_errs(struct sim_guest *g)
{
	unsigned int i;
	uint64_t n;

	for (i = 0; i < 2; i++)
		if (read(g->q[i].err_fd, &n, sizeof(n)) == sizeof(n))
			g->q[i].errs += n;
}

void sim_free(struct sim_guest *g)
{
	unsigned int i;

	for (i = 0; i < 2; i++) {
		struct sim_queue *q = &g->q[i];

		free(q->biov);
		free(q->at_device);
		free(q->pending);
		free(q->free);
		q->biov = NULL;
		q->at_device = NULL;
		q->pending = q->free = NULL;
	}
}
