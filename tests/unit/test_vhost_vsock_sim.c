// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vhost-vsock-sim's driver side of the rings against vsock-zc-vhostd's
 * device side, on the same memory: what one side posts, the other
 * takes, byte for byte, in both directions and both RX layouts.
 */
#include <endian.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "sim.h"
#include "tap.h"

struct pair {
	struct vhd d;
	struct vhd_vm vm;
	struct sim_guest g;
	struct vhd_mem mem;		/* the device's view */
	struct vhd_vq dev[2];		/* the device's queues */
};

static void pair_init(struct pair *p, const struct sim_opts *o)
{
	unsigned int i;
	size_t len;

	memset(p, 0, sizeof(*p));
	vhd_vm_init(&p->d, &p->vm);
	p->vm.guest_side = true;
	p->vm.cid = 3;
	p->g.vm = &p->vm;
	len = sim_layout(&p->g, o, NULL);
	p->g.mem = aligned_alloc(4096, len);
	if (!p->g.mem)
		exit(99);
	memset(p->g.mem, 0, len);
	p->g.mem_len = len;
	sim_layout(&p->g, o, p->g.mem);
	for (i = 0; i < 2; i++) {
		struct sim_queue *q = &p->g.q[i];

		q->event_idx = true;
		q->kick_fd = eventfd(0, EFD_NONBLOCK);
		q->call_fd = eventfd(0, EFD_NONBLOCK);
		q->err_fd = eventfd(0, EFD_NONBLOCK);
	}
	sim_attach(&p->g);
	p->mem.nregions = 1;
	p->mem.r[0].gpa = p->mem.r[0].uva = (uintptr_t)p->g.mem;
	p->mem.r[0].size = len;
	p->mem.r[0].host = p->g.mem;
	for (i = 0; i < 2; i++) {
		struct vhd_vq *vq = &p->dev[i];

		vhd_vq_init(vq, &p->mem);
		vq->event_idx = true;
		vq->enabled = vq->started = true;
		if (vhd_vq_set_rings(vq, p->g.q[i].num, p->g.q[i].desc,
				     p->g.q[i].avail, p->g.q[i].used))
			exit(99);
	}
}

static uint64_t kicks(struct sim_queue *q)
{
	uint64_t n = 0;

	if (read(q->kick_fd, &n, sizeof(n)) != sizeof(n))
		return 0;
	return n;
}

/* The device fills an RX buffer with len bytes; the driver reads them. */
static void rx_case(const char *name, enum sim_rx_layout layout,
		    unsigned int want_nin, uint32_t len)
{
	struct sim_opts o = {
		.queue_size = 16, .rx_layout = layout, .rx_buf = 256,
		.tx_max = 1000, .tx_seg = 300, .tx_slots = 4,
	};
	struct vhd_chain dc, gc;
	unsigned char *pkt = malloc(len), *back = malloc(len);
	struct pair *p = calloc(1, sizeof(*p));
	unsigned int i;
	int r;

	pair_init(p, &o);
	vhd_chain_init(&dc);
	vhd_chain_init(&gc);
	for (i = 0; i < len; i++)
		pkt[i] = i * 7 + 1;
	sim_post_rx(&p->g);
	t_ok(kicks(&p->g.q[SIM_RX]) == 1, "%s: posting RX buffers kicks the device", name);
	r = vhd_vq_pop(&p->dev[SIM_RX], &dc);
	t_ok(r == 1 && dc.nout == 0 && dc.nin == want_nin,
	     "%s: the device sees a writable chain of %u descriptors (%u)",
	     name, want_nin, dc.nin);
	vhd_iov_copy_to(dc.iov, dc.nin, 0, pkt, len);
	vhd_vq_push(&p->dev[SIM_RX], dc.head, len);
	r = vhd_vq_pop(&p->vm.vq[VHD_TXQ], &gc);
	memset(back, 0, len);
	vhd_iov_copy_from(gc.iov, gc.nout, 0, back, len);
	t_ok(r == 1 && gc.out_len == len && gc.nin == 0 && !memcmp(back, pkt, len),
	     "%s: the driver takes %u bytes back as a readable chain", name, len);
	t_ok(vhd_vq_pop(&p->vm.vq[VHD_TXQ], &gc) == 0,
	     "%s: then nothing more", name);
	t_ok(!vhd_vq_enable_kick(&p->vm.vq[VHD_TXQ]),
	     "%s: no used entry behind the interrupt request", name);
	vhd_vq_push(&p->vm.vq[VHD_TXQ], gc.head, 0);
	vhd_vq_notify(&p->vm.vq[VHD_TXQ]);
	/* the buffer comes round again after all the others */
	for (i = 1; i < p->g.q[SIM_RX].nbufs; i++)
		vhd_vq_pop(&p->dev[SIM_RX], &dc);
	r = vhd_vq_pop(&p->dev[SIM_RX], &dc);
	t_ok(r == 1 && dc.head == gc.head, "%s: a reposted buffer reaches the device", name);
	vhd_chain_free(&dc);
	vhd_chain_free(&gc);
	sim_free(&p->g);
	for (i = 0; i < 2; i++) {
		close(p->g.q[i].kick_fd);
		close(p->g.q[i].call_fd);
		close(p->g.q[i].err_fd);
	}
	free(p->g.mem);
	free(p);
	free(pkt);
	free(back);
}

static void tx_case(const char *name, uint32_t tx_seg, uint32_t len,
		    unsigned int want_nout)
{
	struct sim_opts o = {
		.queue_size = 32, .rx_layout = SIM_RX_LINEAR, .rx_buf = 256,
		.tx_max = 1000, .tx_seg = tx_seg, .tx_slots = 4,
	};
	struct pair *p = calloc(1, sizeof(*p));
	struct vhd_chain dc, gc, more[4];
	unsigned char pkt[1044], back[1044];
	unsigned int i, n;
	int r;

	pair_init(p, &o);
	vhd_chain_init(&dc);
	vhd_chain_init(&gc);
	for (i = 0; i < len; i++)
		pkt[i] = i * 13 + 5;
	r = vhd_vq_pop(&p->vm.vq[VHD_RXQ], &gc);
	t_ok(r == 1 && gc.nout == 0 && gc.in_len == VHD_HDR_LEN + 1000,
	     "%s: a free TX buffer of %u bytes", name, (unsigned int)gc.in_len);
	vhd_iov_copy_to(gc.iov, gc.nin, 0, pkt, len);
	vhd_vq_push(&p->vm.vq[VHD_RXQ], gc.head, len);
	vhd_vq_notify(&p->vm.vq[VHD_RXQ]);
	t_ok(kicks(&p->g.q[SIM_TX]) == 1, "%s: the device is kicked", name);
	r = vhd_vq_pop(&p->dev[SIM_TX], &dc);
	memset(back, 0, sizeof(back));
	vhd_iov_copy_from(dc.iov, dc.nout, 0, back, len);
	t_ok(r == 1 && dc.nin == 0 && dc.nout == want_nout &&
	     dc.out_len == len && !memcmp(back, pkt, len),
	     "%s: the device reads %u bytes in %u descriptors (%u)", name,
	     len, want_nout, dc.nout);
	/* The other slots, then none until the device gives one back. */
	for (i = 0; i < 4; i++)
		vhd_chain_init(&more[i]);
	for (n = 0; n < 4 && vhd_vq_pop(&p->vm.vq[VHD_RXQ], &more[n]) == 1; n++)
		;
	t_ok(n == 3, "%s: %u more free TX buffers of 4", name, n);
	vhd_vq_unpop(&p->vm.vq[VHD_RXQ]);
	r = vhd_vq_pop(&p->vm.vq[VHD_RXQ], &gc);
	t_ok(r == 1 && gc.head == more[2].head, "%s: unpop gives the same buffer back", name);
	t_ok(!vhd_vq_enable_kick(&p->vm.vq[VHD_RXQ]), "%s: nothing used yet", name);
	vhd_vq_push(&p->dev[SIM_TX], dc.head, 0);
	t_ok(vhd_vq_enable_kick(&p->vm.vq[VHD_RXQ]), "%s: a used entry", name);
	r = vhd_vq_pop(&p->vm.vq[VHD_RXQ], &gc);
	t_ok(r == 1 && gc.head == 0, "%s: the returned buffer is free again", name);
	for (i = 0; i < 4; i++)
		vhd_chain_free(&more[i]);
	vhd_chain_free(&dc);
	vhd_chain_free(&gc);
	sim_free(&p->g);
	for (i = 0; i < 2; i++) {
		close(p->g.q[i].kick_fd);
		close(p->g.q[i].call_fd);
		close(p->g.q[i].err_fd);
	}
	free(p->g.mem);
	free(p);
}

int main(void)
{
	rx_case("linear RX", SIM_RX_LINEAR, 1, VHD_HDR_LEN + 100);
	rx_case("page RX", SIM_RX_PAGE, 2, VHD_HDR_LEN + 3000);
	rx_case("page RX, header only", SIM_RX_PAGE, 2, VHD_HDR_LEN);
	tx_case("TX in 300-byte pieces", 300, VHD_HDR_LEN + 1000, 5);
	tx_case("TX, short packet", 300, VHD_HDR_LEN + 10, 2);
	tx_case("TX, header only", 300, VHD_HDR_LEN, 1);
	tx_case("TX in one descriptor", 0, VHD_HDR_LEN + 1000, 1);
	printf("1..%u\n", t_n);
	return t_failed ? 1 : 0;
}
