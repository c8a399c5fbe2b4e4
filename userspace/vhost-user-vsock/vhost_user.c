// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The vhost-user frontend protocol (QEMU side), for virtio-vsock.
 * Only the RX and TX vrings reach us; QEMU keeps the event queue.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/virtio_config.h>

#include "vhostd.h"

enum {
	VU_GET_FEATURES = 1,
	VU_SET_FEATURES = 2,
	VU_SET_OWNER = 3,
	VU_RESET_OWNER = 4,
	VU_SET_MEM_TABLE = 5,
	VU_SET_VRING_NUM = 8,
	VU_SET_VRING_ADDR = 9,
	VU_SET_VRING_BASE = 10,
	VU_GET_VRING_BASE = 11,
	VU_SET_VRING_KICK = 12,
	VU_SET_VRING_CALL = 13,
	VU_SET_VRING_ERR = 14,
	VU_GET_PROTOCOL_FEATURES = 15,
	VU_SET_PROTOCOL_FEATURES = 16,
	VU_GET_QUEUE_NUM = 17,
	VU_SET_VRING_ENABLE = 18,
	VU_GET_CONFIG = 24,
	VU_SET_CONFIG = 25,
};

#define VU_VERSION		0x1
#define VU_FLAG_REPLY		(1u << 2)
#define VU_FLAG_NEED_REPLY	(1u << 3)
#define VU_NOFD			(1ull << 8)
#define VU_MAX_PAYLOAD		4096
#define VU_MAX_FDS		8

#define F_PROTOCOL_FEATURES	30
#define PF_REPLY_ACK		3
#define PF_CONFIG		9

#define VHD_FEATURES ((1ull << VIRTIO_F_VERSION_1) | \
		      (1ull << VIRTIO_RING_F_INDIRECT_DESC) | \
		      (1ull << VIRTIO_RING_F_EVENT_IDX) | \
		      (1ull << F_PROTOCOL_FEATURES) | \
		      (1ull << VIRTIO_VSOCK_F_SEQPACKET))
#define VHD_PROTOCOL_FEATURES ((1ull << PF_REPLY_ACK) | (1ull << PF_CONFIG))

/* What we offer: with --strict, no more than that device does. */
static uint64_t vu_features(const struct vhd_vm *vm)
{
	if (!vm->d->strict)
		return VHD_FEATURES;
	return VHD_FEATURES & (vm->d->strict->features |
			       (1ull << F_PROTOCOL_FEATURES));
}

struct vu_hdr {
	uint32_t request, flags, size;
};

struct vu_state {
	uint32_t index, num;
};

struct vu_addr {
	uint32_t index, flags;
	uint64_t desc, used, avail, log;
};

struct vu_region {
	uint64_t gpa, size, uva, mmap_offset;
};

struct vu_memory {
	uint32_t nregions, padding;
	struct vu_region r[VHD_MAX_REGIONS];
};

struct vu_config {
	uint32_t offset, size, flags;
	uint8_t payload[];
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void vq_drop_kick(struct vhd_vm *vm, unsigned int i)
{
	struct vhd_vq *vq = &vm->vq[i];

	if (vq->kick_fd >= 0)
		vhd_epoll_del(vm->d, vq->kick_fd);
	close_fd(&vq->kick_fd);
	vq->started = false;
}

/* Stop a vring: forget the ring and the kick. */
static void vq_stop(struct vhd_vm *vm, unsigned int i)
{
	vq_drop_kick(vm, i);
	vm->vq[i].desc = NULL;
	vm->vq[i].num = 0;
	vm->vq_addr_set[i] = false;
}

static void vm_reset(struct vhd_vm *vm)
{
	unsigned int i;

	vhd_vm_reset_conns(vm);
	for (i = 0; i < 2; i++) {
		vq_stop(vm, i);
		close_fd(&vm->vq[i].call_fd);
		close_fd(&vm->vq[i].err_fd);
		vhd_vq_init(&vm->vq[i], &vm->mem);
	}
	vhd_mem_unmap(&vm->mem);
	vm->acked_features = vm->protocol_features = 0;
	vm->owner = false;
}

/* Rings are given as QEMU addresses; the event fields are included. */
static int set_vring_addr(struct vhd_vm *vm, unsigned int i)
{
	const uint64_t *a = vm->vq_addr[i];
	uint16_t num = vm->vq_num[i];
	void *desc, *avail, *used;

	desc = vhd_uva_to_host(&vm->mem, a[0], 16ull * num);
	avail = vhd_uva_to_host(&vm->mem, a[1], 6 + 2ull * num);
	used = vhd_uva_to_host(&vm->mem, a[2], 6 + 8ull * num);
	return vhd_vq_set_rings(&vm->vq[i], num, desc, avail, used);
}

static int set_mem_table(struct vhd_vm *vm, const void *payload,
			 uint32_t size, int *fds, unsigned int nfds)
{
	struct vu_memory mt;
	struct vhd_mem m = { 0 };
	struct stat st;
	unsigned int i;

	if (size < 8)
		return -EINVAL;
	memset(&mt, 0, sizeof(mt));
	memcpy(&mt, payload, size < sizeof(mt) ? size : sizeof(mt));
	if (!mt.nregions || mt.nregions > VHD_MAX_REGIONS ||
	    mt.nregions != nfds ||
	    size < 8 + mt.nregions * sizeof(struct vu_region))
		return -EINVAL;
	for (i = 0; i < mt.nregions; i++) {
		const struct vu_region *r = &mt.r[i];
		struct vhd_region *mr = &m.r[i];
		void *p;

		if (!r->size || r->gpa + r->size < r->gpa ||
		    r->uva + r->size < r->uva ||
		    r->mmap_offset + r->size < r->mmap_offset)
			goto fail;
		/* Past the end of the file, a mapping would SIGBUS. */
		if (fstat(fds[i], &st) ||
		    (uint64_t)st.st_size < r->mmap_offset + r->size)
			goto fail;
		p = mmap(NULL, r->size + r->mmap_offset, PROT_READ | PROT_WRITE,
			 MAP_SHARED, fds[i], 0);
		if (p == MAP_FAILED) {
			vhd_log(vm->d, 0, "cid %llu: mmap guest memory: %s",
				(unsigned long long)vm->cid, strerror(errno));
			goto fail;
		}
		mr->gpa = r->gpa;
		mr->size = r->size;
		mr->uva = r->uva;
		mr->map = p;
		mr->map_len = r->size + r->mmap_offset;
		mr->host = (uint8_t *)p + r->mmap_offset;
		m.nregions = i + 1;
		vhd_log(vm->d, 2, "cid %llu: region %u: gpa 0x%llx size 0x%llx",
			(unsigned long long)vm->cid, i,
			(unsigned long long)r->gpa,
			(unsigned long long)r->size);
	}
	/* Held chains point into the old table: let them go first. */
	vhd_vm_reset_conns(vm);
	vhd_mem_unmap(&vm->mem);
	vm->mem = m;
	for (i = 0; i < 2; i++)
		if (vm->vq_addr_set[i] && set_vring_addr(vm, i))
			vq_stop(vm, i);
	return 0;
fail:
	vhd_mem_unmap(&m);
	return -EINVAL;
}

static void vq_kick(struct vhd_vm *vm, unsigned int i)
{
	if (i == VHD_TXQ)
		vhd_vm_tx_kick(vm);
	else
		vhd_vm_rx_kick(vm);
}

static int get_config(struct vhd_vm *vm, const void *payload, uint32_t size,
		      void *reply, uint32_t *reply_size)
{
	struct vu_config in, *out = reply;
	uint64_t cid = htole64(vm->cid);

	if (size < sizeof(in))
		return -EINVAL;
	memcpy(&in, payload, sizeof(in));
	if (in.size > VU_MAX_PAYLOAD - sizeof(in))
		return -EINVAL;
	memcpy(out, &in, sizeof(in));
	memset(out->payload, 0, in.size);
	if (in.offset < sizeof(cid))
		memcpy(out->payload, (uint8_t *)&cid + in.offset,
		       in.size < sizeof(cid) - in.offset ?
		       in.size : sizeof(cid) - in.offset);
	*reply_size = sizeof(in) + in.size;
	return 1;
}

int vhd_vu_handle(struct vhd_vm *vm, uint32_t req, uint32_t flags,
		  const void *payload, uint32_t size, int *fds,
		  unsigned int nfds, void *reply, uint32_t *reply_size)
{
	uint64_t u64 = 0;
	struct vu_state st = { 0 };
	struct vu_addr addr;
	struct vhd_vq *vq;
	unsigned int i;

	if (size >= 8)
		memcpy(&u64, payload, 8);
	if (size >= sizeof(st))
		memcpy(&st, payload, sizeof(st));
	switch (req) {
	case VU_GET_FEATURES:
		u64 = vu_features(vm);
		goto reply_u64;
	case VU_GET_PROTOCOL_FEATURES:
		u64 = VHD_PROTOCOL_FEATURES;
		goto reply_u64;
	case VU_GET_QUEUE_NUM:
		u64 = 2;
		goto reply_u64;
	case VU_SET_FEATURES:
		if (size < 8)
			return -EINVAL;
		vm->acked_features = u64 & vu_features(vm);
		for (i = 0; i < 2; i++) {
			vm->vq[i].event_idx = vm->acked_features &
					      (1ull << VIRTIO_RING_F_EVENT_IDX);
			vm->vq[i].indirect = vm->acked_features &
					     (1ull << VIRTIO_RING_F_INDIRECT_DESC);
		}
		return 0;
	case VU_SET_PROTOCOL_FEATURES:
		if (size < 8)
			return -EINVAL;
		vm->protocol_features = u64 & VHD_PROTOCOL_FEATURES;
		return 0;
	case VU_SET_OWNER:
		vm->owner = true;
		return 0;
	case VU_RESET_OWNER:
		vm_reset(vm);
		return 0;
	case VU_SET_MEM_TABLE:
		return set_mem_table(vm, payload, size, fds, nfds);
	case VU_GET_CONFIG:
		return get_config(vm, payload, size, reply, reply_size);
	case VU_SET_CONFIG:
		return -EPERM;
	}

	/* The rest are per vring. */
	if (req < VU_SET_VRING_NUM || req > VU_SET_VRING_ENABLE ||
	    req == VU_GET_PROTOCOL_FEATURES || req == VU_SET_PROTOCOL_FEATURES ||
	    req == VU_GET_QUEUE_NUM)
		return -EOPNOTSUPP;
	if (req == VU_SET_VRING_KICK || req == VU_SET_VRING_CALL ||
	    req == VU_SET_VRING_ERR)
		st.index = u64 & 0xff;
	if (size < 8 || st.index >= 2)
		return -EINVAL;
	vq = &vm->vq[st.index];
	switch (req) {
	case VU_SET_VRING_NUM:
		if (!st.num || st.num > VHD_MAX_QUEUE_SIZE ||
		    (st.num & (st.num - 1)))
			return -EINVAL;
		vm->vq_num[st.index] = st.num;
		return 0;
	case VU_SET_VRING_BASE:
		vq->last_avail = st.num;
		return 0;
	case VU_SET_VRING_ADDR:
		if (size < sizeof(addr))
			return -EINVAL;
		memcpy(&addr, payload, sizeof(addr));
		vm->vq_addr[st.index][0] = addr.desc;
		vm->vq_addr[st.index][1] = addr.avail;
		vm->vq_addr[st.index][2] = addr.used;
		vm->vq_addr_set[st.index] = true;
		return set_vring_addr(vm, st.index);
	case VU_GET_VRING_BASE:
		/* Stop: held chains go back first, so the index is final. */
		vhd_vm_reset_conns(vm);
		vhd_notify_all(vm->d);
		st.num = vq->last_avail;
		vq_stop(vm, st.index);
		memcpy(reply, &st, sizeof(st));
		*reply_size = sizeof(st);
		return 1;
	case VU_SET_VRING_ENABLE:
		vq->enabled = st.num;
		vq_kick(vm, st.index);
		return 0;
	case VU_SET_VRING_KICK:
	case VU_SET_VRING_CALL:
	case VU_SET_VRING_ERR:
		if (!(u64 & VU_NOFD) && nfds != 1)
			return -EINVAL;
		break;
	default:
		return -EOPNOTSUPP;
	}

	/* An eventfd for a vring. */
	if (req == VU_SET_VRING_KICK) {
		vq_drop_kick(vm, st.index);
		if (u64 & VU_NOFD)
			return -EOPNOTSUPP;	/* no polling mode */
		vq->kick_fd = fds[0];
		fds[0] = -1;
		if (vhd_epoll_add(vm->d, vq->kick_fd, EPOLLIN,
				  &vm->kick[st.index].ev) < 0)
			return -errno;
		vq->started = true;
		if (!(vm->acked_features & (1ull << F_PROTOCOL_FEATURES)))
			vq->enabled = true;
		vq_kick(vm, st.index);
		return 0;
	}
	if (req == VU_SET_VRING_CALL) {
		close_fd(&vq->call_fd);
		if (!(u64 & VU_NOFD)) {
			vq->call_fd = fds[0];
			fds[0] = -1;
		}
		return 0;
	}
	close_fd(&vq->err_fd);
	if (!(u64 & VU_NOFD)) {
		vq->err_fd = fds[0];
		fds[0] = -1;
	}
	return 0;

reply_u64:
	memcpy(reply, &u64, sizeof(u64));
	*reply_size = sizeof(u64);
	return 1;
}

static int send_msg(int fd, uint32_t req, const void *payload, uint32_t size)
{
	struct vu_hdr h = { req, VU_VERSION | VU_FLAG_REPLY, size };
	struct iovec v[2] = {
		{ &h, sizeof(h) }, { (void *)payload, size },
	};
	struct msghdr m = { .msg_iov = v, .msg_iovlen = 2 };

	return sendmsg(fd, &m, MSG_NOSIGNAL) == (ssize_t)(sizeof(h) + size) ?
	       0 : -EIO;
}

/* Read exactly len bytes (the socket has a receive timeout). */
static int read_full(int fd, void *buf, size_t len)
{
	size_t done = 0;
	ssize_t r;

	while (done < len) {
		r = recv(fd, (char *)buf + done, len - done, 0);
		if (r <= 0)
			return -EIO;
		done += r;
	}
	return 0;
}

static int recv_msg(int fd, struct vu_hdr *h, void *payload, int *fds,
		    unsigned int *nfds)
{
	union {
		char buf[CMSG_SPACE(VU_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} cm;
	struct iovec v = { h, sizeof(*h) };
	struct msghdr m = {
		.msg_iov = &v, .msg_iovlen = 1,
		.msg_control = cm.buf, .msg_controllen = sizeof(cm.buf),
	};
	struct cmsghdr *c;
	ssize_t r;

	*nfds = 0;
	r = recvmsg(fd, &m, MSG_CMSG_CLOEXEC);
	for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		unsigned int n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		if (*nfds + n > VU_MAX_FDS)
			n = VU_MAX_FDS - *nfds;	/* MSG_CTRUNC closed the rest */
		memcpy(fds + *nfds, CMSG_DATA(c), n * sizeof(int));
		*nfds += n;
	}
	if (r == 0)
		return -ENOTCONN;
	if (r < (ssize_t)sizeof(*h) &&
	    (r < 0 || read_full(fd, (char *)h + r, sizeof(*h) - r)))
		return -EIO;
	if ((h->flags & 3) != VU_VERSION || h->size > VU_MAX_PAYLOAD)
		return -EPROTO;
	return read_full(fd, payload, h->size);
}

void vhd_vu_event(struct vhd_vm *vm)
{
	static uint64_t payload[VU_MAX_PAYLOAD / 8], reply[VU_MAX_PAYLOAD / 8];
	int fds[VU_MAX_FDS];
	unsigned int nfds, i;
	uint32_t reply_size = 0;
	struct vu_hdr h;
	int ret;

	ret = recv_msg(vm->vu_fd, &h, payload, fds, &nfds);
	if (ret) {
		for (i = 0; i < nfds; i++)
			close(fds[i]);
		if (ret != -ENOTCONN)
			vhd_log(vm->d, 0, "cid %llu: bad vhost-user message: %s",
				(unsigned long long)vm->cid, strerror(-ret));
		vhd_vu_disconnect(vm);
		return;
	}
	ret = vhd_vu_handle(vm, h.request, h.flags, payload, h.size, fds, nfds,
			    reply, &reply_size);
	vhd_log(vm->d, ret < 0 ? 0 : 2, "cid %llu: vhost-user request %u size %u: %s",
		(unsigned long long)vm->cid, h.request, h.size,
		ret < 0 ? strerror(-ret) : "ok");
	for (i = 0; i < nfds; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (ret > 0) {
		ret = send_msg(vm->vu_fd, h.request, reply, reply_size);
	} else if ((h.flags & VU_FLAG_NEED_REPLY) &&
		   (vm->protocol_features & (1ull << PF_REPLY_ACK))) {
		uint64_t status = ret < 0;

		ret = send_msg(vm->vu_fd, h.request, &status, sizeof(status));
	} else {
		ret = 0;
	}
	if (ret)
		vhd_vu_disconnect(vm);
	vhd_notify_all(vm->d);
}

void vhd_vu_accept(struct vhd_vm *vm)
{
	struct timeval tv = { .tv_sec = 5 };
	int fd;

	fd = accept4(vm->vu_listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (vm->vu_fd >= 0) {
		vhd_log(vm->d, 0, "cid %llu: %s: already have a frontend",
			(unsigned long long)vm->cid, vm->vu_path);
		close(fd);
		return;
	}
	/* A frontend that stalls mid-message must not hang the daemon. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (vhd_epoll_add(vm->d, fd, EPOLLIN, &vm->vu_ev) < 0) {
		close(fd);
		return;
	}
	vm->vu_fd = fd;
	vhd_log(vm->d, 1, "cid %llu: frontend connected on %s",
		(unsigned long long)vm->cid, vm->vu_path);
}

void vhd_vu_disconnect(struct vhd_vm *vm)
{
	if (vm->vu_fd < 0)
		return;
	vhd_log(vm->d, 1, "cid %llu: frontend disconnected",
		(unsigned long long)vm->cid);
	vm_reset(vm);
	vhd_epoll_del(vm->d, vm->vu_fd);
	close(vm->vu_fd);
	vm->vu_fd = -1;
}
