/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vhost-vsock-sim: a simulated guest for /dev/vhost-vsock. It owns its
 * memory, rings and eventfds as a VMM would, plays the guest's
 * virtio-vsock driver on them, and runs the virtio-vsock protocol with
 * vsock-zc-vhostd's code (guest_side), bridged to UNIX sockets.
 */
#ifndef VHOST_VSOCK_SIM_H
#define VHOST_VSOCK_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "vhostd.h"

/* vhost_vsock's queues: the device writes RX (0) and reads TX (1). */
#define SIM_RX		0
#define SIM_TX		1

/* RX buffer layouts, as the series' guests post them. */
enum sim_rx_layout {
	SIM_RX_LINEAR,		/* one descriptor: header and payload */
	SIM_RX_PAGE,		/* a header descriptor plus one page */
};

struct sim_opts {
	uint16_t queue_size;
	enum sim_rx_layout rx_layout;
	uint32_t rx_buf;	/* linear: the whole buffer */
	uint32_t tx_max;	/* largest TX payload */
	uint32_t tx_seg;	/* TX payload per descriptor; 0: with the header */
	unsigned int tx_slots;	/* TX chains in flight at most */
	bool rx_paused;		/* post no RX buffers until SIGUSR2 */
};

/* One vhost queue, seen from the driver's side. */
struct sim_queue {
	struct sim_guest *g;
	unsigned int index;		/* SIM_RX or SIM_TX */
	uint16_t num;
	bool event_idx;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t avail_idx;		/* our next avail entry */
	uint16_t kicked;		/* avail_idx at the last kick */
	uint16_t last_used;		/* used entries taken */
	unsigned int last_taken;	/* the buffer of the last one */
	int kick_fd, call_fd, err_fd;
	unsigned int per_buf;		/* descriptors per buffer */
	unsigned int nbufs;
	struct iovec *biov;		/* nbufs * per_buf: each buffer */
	bool *at_device;		/* buffer given to the device */
	/* RX: buffers held back while posting is paused */
	uint16_t *pending;
	unsigned int npending, max_pending;
	/* TX: free buffers, a FIFO (pop takes the head) */
	uint16_t *free;
	unsigned int free_head, free_count;
	unsigned long kicks, bad_used, double_posts;
	unsigned long long errs;	/* vq_err() events (SET_VRING_ERR) */
};

struct sim_guest {
	struct vhd_vm *vm;
	int fd;				/* /dev/vhost-vsock */
	void *mem;
	size_t mem_len;
	struct sim_queue q[2];
	bool rx_paused;
};

/* ring.c */
/* Lay out rings and buffers in g->mem (mem == NULL: size only). */
size_t sim_layout(struct sim_guest *g, const struct sim_opts *o, void *mem);
void sim_attach(struct sim_guest *g);
/* Free what sim_layout() allocated (not the memory itself). */
void sim_free(struct sim_guest *g);
void sim_post_rx(struct sim_guest *g);
void sim_set_rx_paused(struct sim_guest *g, bool paused);
void sim_read_errs(struct sim_guest *g);

/* probe.c: --probe-tx-limit; the exit code. */
int sim_probe_tx_limit(struct sim_guest *g, uint32_t payload);

#endif
