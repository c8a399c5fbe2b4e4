// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Guest memory table and split virtqueues (virtio 1.x, little endian).
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vring.h"

#define READ_ONCE16(p)	(*(volatile const uint16_t *)(p))

static const struct vhd_region *find_region(const struct vhd_mem *m,
					    uint64_t addr, bool uva)
{
	unsigned int i;

	for (i = 0; i < m->nregions; i++) {
		const struct vhd_region *r = &m->r[i];
		uint64_t start = uva ? r->uva : r->gpa;

		if (addr >= start && addr - start < r->size)
			return r;
	}
	return NULL;
}

static void *to_host(const struct vhd_mem *m, uint64_t addr, uint64_t len,
		     bool uva)
{
	const struct vhd_region *r = find_region(m, addr, uva);
	uint64_t off;

	if (!r)
		return NULL;
	off = addr - (uva ? r->uva : r->gpa);
	if (len > r->size - off)
		return NULL;
	return r->host + off;
}

void *vhd_gpa_to_host(const struct vhd_mem *m, uint64_t gpa, uint64_t len)
{
	return to_host(m, gpa, len, false);
}

void *vhd_uva_to_host(const struct vhd_mem *m, uint64_t uva, uint64_t len)
{
	return to_host(m, uva, len, true);
}

void vhd_mem_unmap(struct vhd_mem *m)
{
	unsigned int i;

	for (i = 0; i < m->nregions; i++)
		if (m->r[i].map)
			munmap(m->r[i].map, m->r[i].map_len);
	memset(m, 0, sizeof(*m));
}

void vhd_chain_init(struct vhd_chain *c)
{
	memset(c, 0, sizeof(*c));
}

void vhd_chain_free(struct vhd_chain *c)
{
	free(c->iov);
	vhd_chain_init(c);
}

static int chain_add(struct vhd_chain *c, void *base, size_t len)
{
	if (c->nout + c->nin == c->cap) {
		unsigned int cap = c->cap ? 2 * c->cap : 64;
		struct iovec *iov;

		if (cap > VHD_MAX_CHAIN_IOV)
			return -E2BIG;
		iov = realloc(c->iov, cap * sizeof(*iov));
		if (!iov)
			return -ENOMEM;
		c->iov = iov;
		c->cap = cap;
	}
	c->iov[c->nout + c->nin].iov_base = base;
	c->iov[c->nout + c->nin].iov_len = len;
	return 0;
}

/* Map [gpa, gpa + len) to one or more iovecs (it may span regions). */
static int chain_map(struct vhd_chain *c, const struct vhd_mem *m,
		     uint64_t gpa, uint32_t len, bool writable)
{
	while (len) {
		const struct vhd_region *r = find_region(m, gpa, false);
		uint64_t off, n;
		int ret;

		if (!r)
			return -EFAULT;
		off = gpa - r->gpa;
		n = r->size - off;
		if (n > len)
			n = len;
		ret = chain_add(c, r->host + off, n);
		if (ret)
			return ret;
		if (writable) {
			c->nin++;
			c->in_len += n;
		} else {
			c->nout++;
			c->out_len += n;
		}
		gpa += n;
		len -= n;
	}
	return 0;
}

/* Walk the chain starting at head; see vhd_vq_pop() for the rules. */
static int walk_chain(struct vhd_vq *vq, struct vhd_chain *c, uint16_t head)
{
	const struct vring_desc *table = vq->desc;
	uint32_t size = vq->num, limit = vq->num, count = 0, idx = head;
	bool in_indirect = false;

	for (;;) {
		struct vring_desc d;
		uint16_t flags;
		uint64_t addr;
		uint32_t len;
		int ret;

		if (idx >= size)
			return -EINVAL;
		/* A loop or an over-long chain runs into the limit. */
		if (++count > limit)
			return -EINVAL;
		memcpy(&d, (const void *)&table[idx], sizeof(d));
		if (!in_indirect)
			c->slots++;
		flags = le16toh(d.flags);
		addr = le64toh(d.addr);
		len = le32toh(d.len);

		if (flags & VRING_DESC_F_INDIRECT) {
			if (!vq->indirect || in_indirect ||
			    (flags & VRING_DESC_F_NEXT))
				return -EINVAL;
			if (len == 0 || len % sizeof(d) ||
			    len / sizeof(d) > VHD_MAX_INDIRECT)
				return -EINVAL;
			table = vhd_gpa_to_host(vq->mem, addr, len);
			if (!table)
				return -EINVAL;
			in_indirect = true;
			size = limit = len / sizeof(d);
			count = 0;
			idx = 0;
			continue;
		}
		/* Device-writable descriptors come after readable ones. */
		if (!(flags & VRING_DESC_F_WRITE) && c->nin)
			return -EINVAL;
		if (!c->ndout && !c->ndin)
			c->head_len = len;
		if (flags & VRING_DESC_F_WRITE)
			c->ndin++;
		else
			c->ndout++;
		ret = chain_map(c, vq->mem, addr, len,
				flags & VRING_DESC_F_WRITE);
		if (ret)
			return -EINVAL;
		if (!(flags & VRING_DESC_F_NEXT))
			return 0;
		idx = le16toh(d.next);
	}
}

void vhd_vq_init(struct vhd_vq *vq, const struct vhd_mem *mem)
{
	memset(vq, 0, sizeof(*vq));
	vq->kick_fd = vq->call_fd = vq->err_fd = -1;
	vq->mem = mem;
}

int vhd_vq_set_rings(struct vhd_vq *vq, uint16_t num, void *desc,
		     void *avail, void *used)
{
	if (!num || num > VHD_MAX_QUEUE_SIZE || (num & (num - 1)))
		return -EINVAL;
	if (!desc || !avail || !used)
		return -EFAULT;
	if (((uintptr_t)desc & 15) || ((uintptr_t)avail & 1) ||
	    ((uintptr_t)used & 3))
		return -EINVAL;
	vq->num = num;
	vq->desc = desc;
	vq->avail = avail;
	vq->used = used;
	vq->used_idx = le16toh(READ_ONCE16(&vq->used->idx));
	vq->signalled_valid = false;
	vq->broken = false;
	return 0;
}

bool vhd_vq_ready(const struct vhd_vq *vq)
{
	return vq->num && vq->desc && vq->enabled && vq->started &&
	       !vq->broken;
}

static void vq_broken(struct vhd_vq *vq)
{
	uint64_t one = 1;

	vq->broken = true;
	vq->errors++;
	if (vq->err_fd >= 0 && write(vq->err_fd, &one, sizeof(one)) < 0) {
		/* nothing more to do: the queue is dead anyway */
	}
}

int vhd_vq_pop(struct vhd_vq *vq, struct vhd_chain *c)
{
	uint16_t avail_idx, head;
	int ret;

	c->slots = 0;
	if (vq->ops)
		return vq->ops->pop(vq, c);
	c->nout = c->nin = 0;
	c->out_len = c->in_len = 0;
	c->ndout = c->ndin = c->head_len = 0;
	if (!vhd_vq_ready(vq))
		return 0;
	avail_idx = le16toh(READ_ONCE16(&vq->avail->idx));
	if (avail_idx == vq->last_avail)
		return 0;
	if ((uint16_t)(avail_idx - vq->last_avail) > vq->num) {
		vq_broken(vq);
		return -EIO;
	}
	/* Read the ring entry only after the index. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	head = le16toh(READ_ONCE16(&vq->avail->ring[vq->last_avail % vq->num]));
	if (head >= vq->num) {
		vq_broken(vq);
		return -EIO;
	}
	vq->last_avail++;
	c->head = head;
	ret = walk_chain(vq, c, head);
	if (ret) {
		vq->errors++;
		c->nout = c->nin = 0;
		c->out_len = c->in_len = 0;
		return ret;
	}
	return 1;
}

void vhd_vq_unpop(struct vhd_vq *vq)
{
	if (vq->ops) {
		vq->ops->unpop(vq);
		return;
	}
	vq->last_avail--;
}

void vhd_vq_push(struct vhd_vq *vq, uint16_t head, uint32_t len)
{
	struct vring_used_elem *e;

	if (vq->ops) {
		vq->ops->push(vq, head, len);
		return;
	}
	if (!vq->num || vq->broken)
		return;
	e = &vq->used->ring[vq->used_idx % vq->num];
	e->id = htole32(head);
	e->len = htole32(len);
	vq->used_idx++;
	/* The element must be visible before the index. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	*(volatile uint16_t *)&vq->used->idx = htole16(vq->used_idx);
}

bool vhd_vq_need_notify(struct vhd_vq *vq)
{
	uint16_t old, event;
	bool need;

	if (!vq->num)
		return false;
	/* The used index must be visible before we read the guest's flags. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!vq->event_idx)
		return !(le16toh(READ_ONCE16(&vq->avail->flags)) &
			 VRING_AVAIL_F_NO_INTERRUPT);
	old = vq->signalled_used;
	event = le16toh(READ_ONCE16(&vq->avail->ring[vq->num]));
	need = !vq->signalled_valid ||
	       (uint16_t)(vq->used_idx - event - 1) <
	       (uint16_t)(vq->used_idx - old);
	vq->signalled_used = vq->used_idx;
	vq->signalled_valid = true;
	return need;
}

void vhd_vq_notify(struct vhd_vq *vq)
{
	uint64_t one = 1;

	if (vq->ops) {
		vq->ops->notify(vq);
		return;
	}
	if (vq->call_fd < 0 || !vhd_vq_need_notify(vq))
		return;
	vq->notifies++;
	if (write(vq->call_fd, &one, sizeof(one)) < 0) {
		/* a full eventfd counter still wakes the guest */
	}
}

static void set_avail_event(struct vhd_vq *vq, uint16_t idx)
{
	if (vq->event_idx)
		/* avail_event sits right after the used ring. */
		*(volatile uint16_t *)((char *)vq->used + 4 +
				       8 * (size_t)vq->num) = htole16(idx);
	else
		*(volatile uint16_t *)&vq->used->flags = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

bool vhd_vq_enable_kick(struct vhd_vq *vq)
{
	if (vq->ops)
		return vq->ops->enable_kick(vq);
	if (!vhd_vq_ready(vq))
		return false;
	set_avail_event(vq, vq->last_avail);
	return le16toh(READ_ONCE16(&vq->avail->idx)) != vq->last_avail;
}

void vhd_vq_kick_on_next(struct vhd_vq *vq)
{
	if (vq->ops)
		vq->ops->kick_on_next(vq);
	else if (vhd_vq_ready(vq))
		set_avail_event(vq, le16toh(READ_ONCE16(&vq->avail->idx)));
}

static size_t iov_copy(const struct iovec *iov, unsigned int n, size_t off,
		       char *buf, size_t len, bool to_iov)
{
	size_t done = 0;
	unsigned int i;

	for (i = 0; i < n && done < len; i++) {
		char *p = iov[i].iov_base;
		size_t l = iov[i].iov_len;

		if (off >= l) {
			off -= l;
			continue;
		}
		l -= off;
		if (l > len - done)
			l = len - done;
		if (to_iov)
			memcpy(p + off, buf + done, l);
		else
			memcpy(buf + done, p + off, l);
		done += l;
		off = 0;
	}
	return done;
}

size_t vhd_iov_copy_from(const struct iovec *iov, unsigned int n,
			 size_t off, void *buf, size_t len)
{
	return iov_copy(iov, n, off, buf, len, false);
}

size_t vhd_iov_copy_to(const struct iovec *iov, unsigned int n,
		       size_t off, const void *buf, size_t len)
{
	return iov_copy(iov, n, off, (char *)buf, len, true);
}

unsigned int vhd_iov_slice(const struct iovec *src, unsigned int n,
			   size_t off, size_t len,
			   struct iovec *dst, unsigned int dmax)
{
	unsigned int i, k = 0;

	for (i = 0; i < n && len && k < dmax; i++) {
		size_t l = src[i].iov_len;

		if (off >= l) {
			off -= l;
			continue;
		}
		l -= off;
		if (l > len)
			l = len;
		dst[k].iov_base = (char *)src[i].iov_base + off;
		dst[k].iov_len = l;
		k++;
		len -= l;
		off = 0;
	}
	return k;
}
