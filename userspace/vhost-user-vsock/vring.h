/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Guest memory table and split virtqueues, as seen by a vhost-user backend.
 * Everything the guest can write is read once into local copies and
 * checked against the memory table before use.
 */
#ifndef VHOSTD_VRING_H
#define VHOSTD_VRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <linux/virtio_ring.h>

#define VHD_MAX_REGIONS		8
#define VHD_MAX_QUEUE_SIZE	32768
/* An indirect table may hold at most this many descriptors. */
#define VHD_MAX_INDIRECT	VHD_MAX_QUEUE_SIZE
/* A chain maps to at most this many iovecs (regions can split one). */
#define VHD_MAX_CHAIN_IOV	(2 * VHD_MAX_QUEUE_SIZE)

struct vhd_region {
	uint64_t gpa;		/* guest physical address */
	uint64_t size;
	uint64_t uva;		/* the frontend's (QEMU's) virtual address */
	uint8_t *host;		/* our mapping of gpa */
	void *map;		/* what to munmap, NULL if not ours */
	size_t map_len;
};

struct vhd_mem {
	unsigned int nregions;
	struct vhd_region r[VHD_MAX_REGIONS];
};

/* One descriptor chain as iovecs: device-readable ones first. */
struct vhd_chain {
	uint16_t head;
	unsigned int nout, nin;		/* iovec counts */
	uint64_t out_len, in_len;	/* byte counts */
	unsigned int ndout, ndin;	/* descriptor counts */
	unsigned int slots;		/* of the ring's table (indirect: 1) */
	uint32_t head_len;		/* the first descriptor's length */
	unsigned int cap;
	struct iovec *iov;
};

struct vhd_vq;

/*
 * A queue whose rings we drive as the driver, not as the device
 * (vhost-vsock-sim plays a guest to the kernel's vhost_vsock). The
 * protocol code sees it through the same calls, with the roles of the
 * two queues mirrored:
 *  - the queue it takes packets from (VHD_TXQ) hands out the buffers the
 *    device has filled; pushing one back posts it again;
 *  - the queue it puts packets in (VHD_RXQ) hands out our own free
 *    buffers; pushing one with a length gives it to the device.
 * vhd_vq_pop(), _unpop(), _push(), _notify(), _enable_kick() and
 * _kick_on_next() call these when vq->ops is set.
 */
struct vhd_vq_ops {
	int (*pop)(struct vhd_vq *vq, struct vhd_chain *c);
	void (*unpop)(struct vhd_vq *vq);
	void (*push)(struct vhd_vq *vq, uint16_t head, uint32_t len);
	void (*notify)(struct vhd_vq *vq);
	bool (*enable_kick)(struct vhd_vq *vq);
	void (*kick_on_next)(struct vhd_vq *vq);
};

struct vhd_vq {
	const struct vhd_vq_ops *ops;	/* NULL: we are the device */
	void *priv;			/* the ops' own state */
	uint16_t num;			/* 0: not set up */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t last_avail;		/* next avail entry to take */
	uint16_t used_idx;		/* our copy of used->idx */
	uint16_t signalled_used;
	bool signalled_valid;
	bool event_idx;			/* VIRTIO_RING_F_EVENT_IDX */
	bool indirect;			/* VIRTIO_RING_F_INDIRECT_DESC */
	bool enabled;			/* SET_VRING_ENABLE */
	bool started;			/* has a kick fd */
	bool broken;			/* ring corrupt: no more processing */
	int kick_fd, call_fd, err_fd;
	const struct vhd_mem *mem;
	unsigned long errors;		/* bad chains and broken rings */
	unsigned long notifies;		/* interrupts sent (call_fd) */
};

/* Host pointer for [gpa, gpa + len) if one region holds all of it. */
void *vhd_gpa_to_host(const struct vhd_mem *m, uint64_t gpa, uint64_t len);
/* Same for a frontend virtual address (SET_VRING_ADDR). */
void *vhd_uva_to_host(const struct vhd_mem *m, uint64_t uva, uint64_t len);
void vhd_mem_unmap(struct vhd_mem *m);

void vhd_chain_init(struct vhd_chain *c);
void vhd_chain_free(struct vhd_chain *c);

void vhd_vq_init(struct vhd_vq *vq, const struct vhd_mem *mem);
/* Checks and sets the ring addresses (host pointers already translated). */
int vhd_vq_set_rings(struct vhd_vq *vq, uint16_t num, void *desc,
		     void *avail, void *used);
bool vhd_vq_ready(const struct vhd_vq *vq);
/*
 * Take the next available chain. Returns 1 with the chain in c, 0 when
 * the ring is empty, -EINVAL for a malformed chain (c->head is consumed
 * and must still be given back with vhd_vq_push()), -EIO when the ring
 * itself is corrupt (the queue is marked broken).
 */
int vhd_vq_pop(struct vhd_vq *vq, struct vhd_chain *c);
/* Give the last popped chain back (call once per chain, newest first). */
void vhd_vq_unpop(struct vhd_vq *vq);
void vhd_vq_push(struct vhd_vq *vq, uint16_t head, uint32_t len);
/* Kick the guest if it asked for it (event index or flags). */
void vhd_vq_notify(struct vhd_vq *vq);
bool vhd_vq_need_notify(struct vhd_vq *vq);
/*
 * Ask the guest to kick us for new buffers; returns true when buffers
 * arrived meanwhile, so the caller should process the ring again.
 */
bool vhd_vq_enable_kick(struct vhd_vq *vq);
/* Ask for a kick on the guest's next new buffer, whatever we popped. */
void vhd_vq_kick_on_next(struct vhd_vq *vq);

/* iovec helpers; off and len are byte offsets into the whole array. */
size_t vhd_iov_copy_from(const struct iovec *iov, unsigned int n,
			 size_t off, void *buf, size_t len);
size_t vhd_iov_copy_to(const struct iovec *iov, unsigned int n,
		       size_t off, const void *buf, size_t len);
/* Fill dst with the part [off, off + len) of src; returns the count. */
unsigned int vhd_iov_slice(const struct iovec *src, unsigned int n,
			   size_t off, size_t len,
			   struct iovec *dst, unsigned int dmax);

#endif
