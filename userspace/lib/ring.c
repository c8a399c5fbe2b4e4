// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libvsockzc: the mmap receive ring.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vsockzc.h"

int vsockzc_ring_iter_init(struct vsockzc_ring_iter *it, const void *base,
			   size_t len, size_t page_size)
{
	memset(it, 0, sizeof(*it));
	if (!base || page_size < 64 || (page_size & (page_size - 1))) {
		it->err = -EINVAL;
		return -EINVAL;
	}
	it->base = base;
	it->len = len;
	it->page_size = page_size;
	it->page = 1;
	return 0;
}

int vsockzc_ring_next(struct vsockzc_ring_iter *it, struct vsockzc_pkt *pkt)
{
	struct virtio_vsock_usr_hdr hdr;
	size_t hdr_area, off, npages, pages_total;

	if (it->err)
		return it->err;

	/* The records live in page 0, or what there is of it. */
	hdr_area = it->len < it->page_size ? it->len : it->page_size;
	off = it->hdr * sizeof(hdr);
	if (off + sizeof(hdr) > hdr_area) {
		it->err = -EBADMSG;	/* truncated, or no terminator */
		return it->err;
	}
	memcpy(&hdr, it->base + off, sizeof(hdr));
	if (hdr.length == 0)
		return 0;

	npages = hdr.length / it->page_size +
		 (hdr.length % it->page_size ? 1 : 0);
	pages_total = it->len / it->page_size;
	if (it->page >= pages_total || npages > pages_total - it->page) {
		it->err = -EOVERFLOW;
		return it->err;
	}

	pkt->data = it->base + it->page * it->page_size;
	pkt->len = hdr.length;
	pkt->flags = hdr.flags;
	it->page += npages;
	it->hdr++;
	return 1;
}

int vsockzc_ring_map(struct vsockzc_ring *r, int fd, size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	void *map;

	memset(r, 0, sizeof(*r));
	len = (len + page - 1) & ~(page - 1);
	if (len < 2 * page)
		len = 2 * page;
	if (len > UINT32_MAX)	/* vsock_map_rx.len is 32 bits */
		return -EINVAL;
	map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	r->map = map;
	r->map_len = len;
	r->page_size = page;
	r->map_flags = VSOCK_MAP_RX_F_RELEASE;
	return 0;
}

ssize_t vsockzc_ring_fill(struct vsockzc_ring *r, int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct vsock_map_rx m;
	socklen_t len;
	size_t used;
	char c;
	ssize_t n;

	/* Without the kernel's release, the last fill's pages go first. */
	if (!(r->map_flags & VSOCK_MAP_RX_F_RELEASE)) {
		int ret = vsockzc_ring_release(r);

		if (ret < 0)
			return ret;
	}
	r->filled = 0;
	/* The kernel waits like recv(); a non-blocking socket needs poll(). */
	for (;;) {
		memset(&m, 0, sizeof(m));
		m.addr = (uintptr_t)r->map;
		m.len = (__u32)r->map_len;
		m.flags = r->map_flags;
		len = sizeof(m);
		if (getsockopt(fd, AF_VSOCK, SO_VM_SOCKETS_MAP_RX, &m, &len) == 0)
			break;
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
		if (errno == EAGAIN && poll(&pfd, 1, -1) < 0 && errno != EINTR)
			return -errno;
	}

	if (m.len == 0) {
		/* Nothing mapped: end of stream, or data to read by hand. */
		n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
		if (n == 0)
			return 0;
		if (n < 0 && errno != EAGAIN)
			return -errno;
		return -EAGAIN;
	}
	/* Trust the kernel's page count only as far as the mapping goes. */
	used = ((size_t)m.pages + 1) * r->page_size;
	r->filled = used < r->map_len ? used : r->map_len;
	return m.len;
}

int vsockzc_ring_release(struct vsockzc_ring *r)
{
	if (!r->filled)
		return 0;
	if (madvise(r->map, r->filled, MADV_DONTNEED) < 0)
		return -errno;
	r->filled = 0;
	return 0;
}

void vsockzc_ring_unmap(struct vsockzc_ring *r)
{
	if (r->map)
		munmap(r->map, r->map_len);
	memset(r, 0, sizeof(*r));
}
