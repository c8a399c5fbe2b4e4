// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * --probe-tx-limit: does the kernel take a TX chain of a given size?
 *
 * Linux's vhost_vsock drops a TX chain longer than 64 KiB plus the
 * header without giving it back (vhost_vsock_alloc_skb() fails, the
 * queue reports "Faulted on pkt"). The probe sends an RW packet of the
 * given payload to the host's port 1, where no connection is, then an
 * empty RW packet from another port. The host answers each packet it
 * takes with RST, in order: if the second RST comes without the first,
 * the first chain was dropped.
 */
#include <endian.h>
#include <err.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim.h"

#define PROBE_PORT_BIG		0x7ff00001u
#define PROBE_PORT_MARK		0x7ff00002u

static int probe_send(struct sim_guest *g, uint32_t src_port, uint32_t len)
{
	struct vhd_vq *vq = &g->vm->vq[VHD_RXQ];
	struct vhd_chain ch;
	struct virtio_vsock_hdr h = {
		.src_cid = htole64(g->vm->cid),
		.dst_cid = htole64(VHD_HOST_CID),
		.src_port = htole32(src_port),
		.dst_port = htole32(1),
		.len = htole32(len),
		.type = htole16(VIRTIO_VSOCK_TYPE_STREAM),
		.op = htole16(VIRTIO_VSOCK_OP_RW),
		.buf_alloc = htole32(65536),
	};
	int head;

	vhd_chain_init(&ch);
	if (vhd_vq_pop(vq, &ch) != 1 || ch.in_len < VHD_HDR_LEN + len) {
		vhd_chain_free(&ch);
		return -1;
	}
	vhd_iov_copy_to(ch.iov, ch.nin, 0, &h, sizeof(h));
	head = ch.head;
	vhd_vq_push(vq, ch.head, VHD_HDR_LEN + len);
	vhd_vq_notify(vq);
	vhd_chain_free(&ch);
	return head;
}

/* Wait for an RST to the marker; note one to the big packet. */
static int probe_wait(struct sim_guest *g, bool *big_answered)
{
	struct vhd_vq *vq = &g->vm->vq[VHD_TXQ];
	struct pollfd p = { .fd = g->q[SIM_RX].call_fd, .events = POLLIN };
	struct virtio_vsock_hdr h;
	struct vhd_chain ch;
	uint64_t n;
	int ret = -1;

	vhd_chain_init(&ch);
	for (;;) {
		int r = vhd_vq_pop(vq, &ch);

		if (r < 0)
			break;
		if (r == 0) {
			if (vhd_vq_enable_kick(vq))
				continue;
			if (poll(&p, 1, 10000) != 1) {
				warnx("cid %llu: no answer from the host in 10 s",
				      (unsigned long long)g->vm->cid);
				break;
			}
			if (read(p.fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
				break;
			continue;
		}
		memset(&h, 0, sizeof(h));
		vhd_iov_copy_from(ch.iov, ch.nout, 0, &h, sizeof(h));
		vhd_vq_push(vq, ch.head, 0);
		vhd_vq_notify(vq);
		if (le16toh(h.op) != VIRTIO_VSOCK_OP_RST)
			continue;
		if (le32toh(h.dst_port) == PROBE_PORT_BIG)
			*big_answered = true;
		if (le32toh(h.dst_port) == PROBE_PORT_MARK) {
			ret = 0;
			break;
		}
	}
	vhd_chain_free(&ch);
	return ret;
}

int sim_probe_tx_limit(struct sim_guest *g, uint32_t payload)
{
	struct sim_queue *tx = &g->q[SIM_TX];
	bool answered = false;
	struct vhd_chain ch;
	unsigned int ndesc;
	int big;

	big = probe_send(g, PROBE_PORT_BIG, payload);
	if (big < 0 || probe_send(g, PROBE_PORT_MARK, 0) < 0) {
		warnx("cid %llu: no TX buffer for the probe",
		      (unsigned long long)g->vm->cid);
		return EXIT_FAILURE;
	}
	if (probe_wait(g, &answered))
		return EXIT_FAILURE;
	/* The marker's RST came: the kernel is done with both chains. */
	vhd_chain_init(&ch);
	if (vhd_vq_pop(&g->vm->vq[VHD_RXQ], &ch) == 1)	/* takes back the used */
		vhd_vq_unpop(&g->vm->vq[VHD_RXQ]);
	vhd_chain_free(&ch);
	sim_read_errs(g);
	ndesc = 1 + (tx->per_buf > 1 ?
		     (payload + tx->biov[1].iov_len - 1) / tx->biov[1].iov_len : 0);
	printf("probe: TX chain of %u + %u bytes in %u descriptors: %s, chain %s, kernel errors on the TX queue: %llu\n",
	       (unsigned int)VHD_HDR_LEN, payload, ndesc,
	       answered ? "taken" : "dropped",
	       tx->at_device[big] ? "not returned" : "returned", tx->errs);
	return EXIT_SUCCESS;
}
