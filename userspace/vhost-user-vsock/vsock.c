// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The virtio-vsock protocol between guests and host UNIX sockets.
 *
 * Guest to host: TX payload goes from guest memory straight into the host
 * socket (sendmsg over the chain's iovecs). A chain whose payload does not
 * fit is held, unreturned, until the socket drains; credit bounds that.
 * Held chains never take more than half of the TX ring: past that, the
 * payload is copied and the chain given back (struct vhd_held).
 * Host to guest: readv from the host socket straight into an RX chain.
 */
#include <endian.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/sockios.h>

#include "vhostd.h"

#define SHUT_BOTH	(VIRTIO_VSOCK_SHUTDOWN_RCV | VIRTIO_VSOCK_SHUTDOWN_SEND)
#define SEQ_FLAGS	(VIRTIO_VSOCK_SEQ_EOM | VIRTIO_VSOCK_SEQ_EOR)
#define VHD_IOV_BATCH	1024	/* IOV_MAX on Linux */

struct host_new {
	struct vhd_ev ev;	/* EV_HOST_NEW */
	struct vhd_vm *vm;
	int fd;
	uint16_t type;		/* VIRTIO_VSOCK_TYPE_* */
};

static void vm_rx_flush(struct vhd_vm *vm);
static int conn_flush_held(struct vhd_conn *c);

uint32_t vhd_peer_credit(uint32_t buf_alloc, uint32_t fwd_cnt,
			 uint32_t tx_cnt)
{
	uint32_t inflight = tx_cnt - fwd_cnt;

	/* A peer that reports more forwarded than sent gets nothing extra. */
	if (inflight > buf_alloc)
		return 0;
	return buf_alloc - inflight;
}

bool vhd_rx_fits(uint32_t buf_alloc, uint32_t fwd_cnt, uint32_t rx_cnt,
		 uint32_t len)
{
	uint32_t inflight = rx_cnt - fwd_cnt;

	return inflight <= buf_alloc && len <= buf_alloc - inflight;
}

/*
 * Checks a TX header against the chain: 0 if good, -EINVAL to drop it
 * silently (spoofed source), another error to answer with RST.
 */
int vhd_check_hdr(const struct vhd_vm *vm, const struct virtio_vsock_hdr *h,
		  uint64_t paylen)
{
	uint16_t type = le16toh(h->type), op = le16toh(h->op);
	uint32_t len = le32toh(h->len);

	if (le64toh(h->src_cid) != vhd_peer_cid(vm))
		return -EINVAL;
	if (type != VIRTIO_VSOCK_TYPE_STREAM &&
	    !(type == VIRTIO_VSOCK_TYPE_SEQPACKET &&
	      (vm->acked_features & (1ull << VIRTIO_VSOCK_F_SEQPACKET))))
		return -EPROTOTYPE;
	if (op < VIRTIO_VSOCK_OP_REQUEST || op > VIRTIO_VSOCK_OP_CREDIT_REQUEST)
		return -EOPNOTSUPP;
	if (len != paylen || len > VHD_MAX_PKT)
		return -EMSGSIZE;
	if (op != VIRTIO_VSOCK_OP_RW && len)
		return -EMSGSIZE;
	return 0;
}

#define F(bit)		(1ull << (bit))
#define KIB64		(64 * 1024)

/* What each device accepts from a guest; see doc/devices.txt. */
static const struct vhd_strict strict_devices[] = {
	{	/* drivers/vhost/vsock.c: iov_iter over the whole chain */
		.name = "vhost-vsock",
		.features = F(VIRTIO_F_VERSION_1) | F(VIRTIO_RING_F_INDIRECT_DESC) |
			    F(VIRTIO_RING_F_EVENT_IDX) | F(VIRTIO_VSOCK_F_SEQPACKET),
		.max_pkt = KIB64, .max_desc = 1024,	/* UIO_MAXIOV */
		.tx_keep = true, .rx_stop = true,
	}, {	/* IoVecBuffer over the whole chain; queues of 256 */
		.name = "firecracker",
		.features = F(VIRTIO_F_VERSION_1),
		.max_pkt = KIB64, .max_desc = 256,
	}, {	/* header in the head; RX: head and one data descriptor */
		.name = "cloud-hypervisor",
		.features = F(VIRTIO_F_VERSION_1),
		.max_pkt = KIB64, .hdr_in_head = true, .hdr_alone = true,
		.rx_desc = 2,
	}, {
		.name = "libkrun",
		.features = F(VIRTIO_F_VERSION_1),
		.max_pkt = KIB64, .hdr_in_head = true, .hdr_alone = true,
		.rx_desc = 2,
	}, {	/* virtio-vsock crate's VsockPacket: one data descriptor */
		.name = "vhost-device-vsock",
		.features = F(VIRTIO_F_VERSION_1) | F(VIRTIO_RING_F_EVENT_IDX),
		.max_pkt = KIB64, .hdr_in_head = true, .hdr_alone = true,
		.tx_data = 1, .rx_desc = 2, .rx_data = KIB64, .tx_keep = true,
	},
};

const char vhd_strict_names[] = "vhost-vsock, firecracker, cloud-hypervisor, "
				"libkrun or vhost-device-vsock";

const struct vhd_strict *vhd_strict_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(strict_devices) / sizeof(strict_devices[0]); i++)
		if (!strcmp(name, strict_devices[i].name))
			return &strict_devices[i];
	return NULL;
}

/* Rules both queues share; 0 or a message in why. */
static int strict_common(const struct vhd_strict *s, const struct vhd_chain *ch,
			 unsigned int nd, bool data, char *why, size_t n)
{
	if (s->max_desc && nd > s->max_desc)
		return snprintf(why, n, "%u descriptors, %s takes at most %u",
				nd, s->name, s->max_desc);
	if (s->hdr_in_head && ch->head_len < VHD_HDR_LEN)
		return snprintf(why, n, "a %u-byte head descriptor, %s wants the header in it",
				ch->head_len, s->name);
	if (s->hdr_alone && data && nd > 1 && ch->head_len != VHD_HDR_LEN)
		return snprintf(why, n, "a %u-byte head descriptor with more after it, %s uses only its header",
				ch->head_len, s->name);
	return 0;
}

static int strict_tx(const struct vhd_strict *s, const struct vhd_chain *ch,
		     uint32_t len, char *why, size_t n)
{
	if (ch->ndin)
		return snprintf(why, n, "%u device-writable descriptor%s",
				ch->ndin, ch->ndin > 1 ? "s" : "");
	if (len > s->max_pkt)
		return snprintf(why, n, "a %u-byte payload, %s takes at most %u",
				len, s->name, s->max_pkt);
	if (s->tx_data && len && ch->ndout - 1 > s->tx_data)
		return snprintf(why, n, "the payload in %u descriptors, %s takes %u",
				ch->ndout - 1, s->name, s->tx_data);
	return strict_common(s, ch, ch->ndout, len, why, n);
}

static int strict_rx(const struct vhd_strict *s, const struct vhd_chain *ch,
		     char *why, size_t n)
{
	if (ch->ndout)
		return snprintf(why, n, "%u device-readable descriptor%s",
				ch->ndout, ch->ndout > 1 ? "s" : "");
	if (s->rx_desc && ch->ndin > s->rx_desc)
		return snprintf(why, n, "%u descriptors, %s fills at most %u",
				ch->ndin, s->name, s->rx_desc);
	if (s->rx_data && ch->ndin == 2 && ch->in_len - ch->head_len > s->rx_data)
		return snprintf(why, n, "a %llu-byte data descriptor, %s takes at most %u",
				(unsigned long long)(ch->in_len - ch->head_len),
				s->name, s->rx_data);
	return strict_common(s, ch, ch->ndin, true, why, n);
}

/* A chain --strict refuses: counted, the first one logged. */
static void strict_refused(struct vhd_vm *vm, bool tx, const char *why)
{
	const struct vhd_strict *s = vm->d->strict;

	vm->stats.bad_chains++;
	if (vm->strict_logged)
		return;
	vm->strict_logged = true;
	vhd_log(vm->d, 0, "cid %llu: --strict=%s: %s chain refused: %s; %s (further refusals are only counted)",
		(unsigned long long)vm->cid, s->name, tx ? "TX" : "RX", why,
		tx ? (s->tx_keep ? "dropped, not given back" : "dropped") :
		(s->rx_stop ? "kept, RX waits for the next kick" :
			      "given back unused"));
}

static struct vhd_list *bucket(struct vhd_vm *vm, uint32_t gport,
			       uint32_t hport)
{
	return &vm->hash[(gport * 2654435761u ^ hport) % VHD_HASH_SIZE];
}

struct vhd_conn *vhd_conn_lookup(struct vhd_vm *vm, uint32_t gport,
				 uint32_t hport)
{
	struct vhd_list *b = bucket(vm, gport, hport), *l;

	for (l = b->next; l != b; l = l->next) {
		struct vhd_conn *c = vhd_container_of(l, struct vhd_conn, hlink);

		if (c->gport == gport && c->hport == hport)
			return c;
	}
	return NULL;
}

static void queue_rst(struct vhd_vm *vm, uint64_t src_cid, uint32_t src_port,
		      uint32_t dst_port, uint16_t type)
{
	struct vhd_rst *r;

	if (vm->rst_count == VHD_RST_QUEUE) {
		vm->stats.rst_dropped++;
		return;
	}
	r = &vm->rst[(vm->rst_head + vm->rst_count++) % VHD_RST_QUEUE];
	r->src_cid = src_cid;
	r->dst_cid = vhd_peer_cid(vm);
	r->src_port = src_port;
	r->dst_port = dst_port;
	r->type = type;
}

/* RST in answer to a TX header. */
static void rst_reply(struct vhd_vm *vm, const struct virtio_vsock_hdr *h)
{
	if (le16toh(h->op) == VIRTIO_VSOCK_OP_RST)
		return;
	queue_rst(vm, le64toh(h->dst_cid), le32toh(h->dst_port),
		  le32toh(h->src_port), le16toh(h->type));
}

static void held_release(struct vhd_held *h)
{
	struct vhd_vm *src = h->src;

	vhd_list_del(&h->link);
	if (h->copy) {
		src->held_copy_bytes -= h->len;
		free(h->copy);
	} else {
		src->held_slots -= h->slots;
		if (src->vq[VHD_TXQ].num) {
			vhd_vq_push(&src->vq[VHD_TXQ], h->head, 0);
			src->tx_push = true;
		}
	}
	free(h);
}

/*
 * Keep a TX packet: the part [off, off + len) of its chain's readable
 * iovecs. The chain stays in the ring while that leaves room; otherwise
 * the part is copied and the chain given back now.
 */
static struct vhd_held *held_new(struct vhd_vm *src, const struct vhd_chain *ch,
				 const struct virtio_vsock_hdr *hdr,
				 size_t off, size_t len)
{
	unsigned int slots = ch->slots;
	struct vhd_vq *vq = &src->vq[VHD_TXQ];
	struct vhd_held *h;

	h = calloc(1, sizeof(*h) + (ch->nout ? ch->nout : 1) * sizeof(struct iovec));
	if (!h)
		return NULL;
	h->src = src;
	h->head = ch->head;
	h->hdr = *hdr;
	h->len = len;
	h->niov = vhd_iov_slice(ch->iov, ch->nout, off, len, h->iov, ch->nout);
	vhd_list_init(&h->link);
	if (src->held_slots + slots <= vq->num / 2u ||
	    src->held_copy_bytes + len > VHD_HELD_COPY_MAX) {
		h->slots = slots;
		src->held_slots += slots;
		return h;
	}
	h->copy = malloc(len ? len : 1);
	if (!h->copy) {
		free(h);
		return NULL;
	}
	vhd_iov_copy_from(h->iov, h->niov, 0, h->copy, len);
	h->iov[0].iov_base = h->copy;
	h->iov[0].iov_len = len;
	h->niov = 1;
	src->held_copy_bytes += len;
	src->stats.held_copies++;
	vhd_vq_push(vq, ch->head, 0);
	src->tx_push = true;
	return h;
}

static void conn_set_events(struct vhd_conn *c, uint32_t want)
{
	struct vhd *d = c->vm->d;

	if (want == c->events)
		return;
	if (!want)
		vhd_epoll_del(d, c->fd);
	else if (!c->events)
		vhd_epoll_add(d, c->fd, want, &c->ev);
	else
		vhd_epoll_mod(d, c->fd, want, &c->ev);
	c->events = want;
}

static void conn_update_events(struct vhd_conn *c)
{
	uint32_t want = 0;

	if (c->state == CONN_ESTABLISHED && !c->host_eof && !c->want_read &&
	    !c->credit_wait)
		want |= EPOLLIN;
	if (c->out_wait)
		want |= EPOLLOUT;
	conn_set_events(c, want);
}

static void conn_queue_ctl(struct vhd_conn *c, unsigned int ctl)
{
	c->ctl |= ctl;
	if (vhd_list_empty(&c->ctl_link))
		vhd_list_add_tail(&c->vm->ctl_list, &c->ctl_link);
}

static struct vhd_conn *conn_new(struct vhd_vm *vm, uint32_t gport,
				 uint32_t hport, uint16_t type, int fd)
{
	struct vhd_conn *c;

	if (vm->nconns >= VHD_MAX_CONNS)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	vm->nconns++;
	c->ev.kind = EV_CONN;
	c->vm = vm;
	c->gport = gport;
	c->hport = hport;
	c->type = type;
	c->fd = fd;
	c->buf_alloc = vm->d->buf_alloc;
	if (type == VIRTIO_VSOCK_TYPE_SEQPACKET) {
		/* A message from the guest may be as large as buf_alloc. */
		int sz = c->buf_alloc + 4096;

		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	}
	vhd_list_init(&c->ctl_link);
	vhd_list_init(&c->rx_link);
	vhd_list_init(&c->held);
	vhd_list_add_tail(bucket(vm, gport, hport), &c->hlink);
	vm->stats.conns_opened++;
	return c;
}

static void conn_free(struct vhd_conn *c)
{
	while (!vhd_list_empty(&c->held))
		held_release(vhd_container_of(c->held.next, struct vhd_held,
					      link));
	conn_set_events(c, 0);
	close(c->fd);
	vhd_list_del(&c->hlink);
	vhd_list_del(&c->ctl_link);
	vhd_list_del(&c->rx_link);
	c->vm->nconns--;
	vhd_log(c->vm->d, 1, "cid %llu: closed %u <-> host %u",
		(unsigned long long)c->vm->cid, c->gport, c->hport);
	free(c);
}

/* Close a connection, telling the guest with RST (unless it reset it). */
static void conn_close(struct vhd_conn *c)
{
	if (!c->peer_reset)
		queue_rst(c->vm, vhd_local_cid(c->vm), c->hport, c->gport,
			  c->type);
	conn_free(c);
}

/* The same after an error. */
static void conn_reset(struct vhd_conn *c)
{
	c->vm->stats.conns_reset++;
	conn_close(c);
}

static void conn_credit_check(struct vhd_conn *c)
{
	if (c->peer_reset)
		return;
	if (c->fwd_cnt - c->fwd_cnt_sent >= c->buf_alloc / 4)
		conn_queue_ctl(c, CTL_CREDIT_UPDATE);
}

/* sendmsg over part of an iovec array; returns bytes or -errno. */
static ssize_t send_iov(int fd, const struct iovec *iov, unsigned int n,
			size_t off, size_t len, bool eor)
{
	struct iovec v[VHD_IOV_BATCH];
	struct msghdr m = { .msg_iov = v };
	ssize_t r;

	m.msg_iovlen = vhd_iov_slice(iov, n, off, len, v, VHD_IOV_BATCH);
	r = sendmsg(fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT | (eor ? MSG_EOR : 0));
	return r < 0 ? -errno : r;
}

/* Guest's SHUTDOWN, once all data before it has left. */
static int conn_apply_shutdown(struct vhd_conn *c)
{
	if ((c->guest_shut & SHUT_BOTH) == SHUT_BOTH) {
		/* The guest closed: RST completes its close. */
		conn_close(c);
		return -1;
	}
	if ((c->guest_shut & VIRTIO_VSOCK_SHUTDOWN_SEND) && !c->shut_done) {
		shutdown(c->fd, SHUT_WR);
		c->shut_done = true;
	}
	return 0;
}

/* Seqpacket: send the first whole message of the held queue. */
static int seq_flush_one(struct vhd_conn *c)
{
	struct iovec v[VHD_IOV_BATCH];
	struct msghdr m = { .msg_iov = v };
	struct vhd_list *l;
	unsigned int n = 0;
	size_t total = 0;
	uint32_t flags = 0;
	ssize_t r;

	for (l = c->held.next; l != &c->held; l = l->next) {
		struct vhd_held *h = vhd_container_of(l, struct vhd_held, link);

		if (n + h->niov > VHD_IOV_BATCH)
			return -EMSGSIZE;
		memcpy(&v[n], h->iov, h->niov * sizeof(*v));
		n += h->niov;
		total += h->len;
		flags = le32toh(h->hdr.flags);
		if (flags & VIRTIO_VSOCK_SEQ_EOM)
			break;
	}
	if (l == &c->held)
		return 0;	/* no end of message yet */
	m.msg_iovlen = n;
	/* AF_UNIX takes MSG_EOR but does not pass it on. */
	r = sendmsg(c->fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT |
		    (flags & VIRTIO_VSOCK_SEQ_EOR ? MSG_EOR : 0));
	if (r < 0)
		return -errno;
	while (c->held.next != l)
		held_release(vhd_container_of(c->held.next, struct vhd_held,
					      link));
	held_release(vhd_container_of(l, struct vhd_held, link));
	c->fwd_cnt += total;
	c->vm->stats.tx_bytes += total;
	return 1;
}

/* Write out held chains; -1 when the connection is gone. */
static int conn_flush_held(struct vhd_conn *c)
{
	ssize_t r;

	while (!vhd_list_empty(&c->held)) {
		struct vhd_held *h = vhd_container_of(c->held.next,
						      struct vhd_held, link);

		if (c->type == VIRTIO_VSOCK_TYPE_SEQPACKET) {
			r = seq_flush_one(c);
			if (r == 0)
				break;
		} else if (h->off == h->len) {
			held_release(h);
			continue;
		} else {
			r = send_iov(c->fd, h->iov, h->niov, h->off,
				     h->len - h->off, false);
			if (r > 0) {
				h->off += r;
				c->fwd_cnt += r;
				c->vm->stats.tx_bytes += r;
			}
		}
		if (r == -EAGAIN) {
			c->out_wait = true;
			conn_update_events(c);
			return 0;
		}
		if (r < 0) {
			vhd_log(c->vm->d, 1, "cid %llu: port %u: host socket: %s",
				(unsigned long long)c->vm->cid, c->gport,
				strerror((int)-r));
			conn_reset(c);
			return -1;
		}
	}
	c->out_wait = false;
	conn_credit_check(c);
	if (vhd_list_empty(&c->held) && conn_apply_shutdown(c) < 0)
		return -1;
	conn_update_events(c);
	return 0;
}

/* Guest connects to host port: connect to "<uds>_<port>". */
static void conn_connect(struct vhd_vm *vm, const struct virtio_vsock_hdr *h)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	uint16_t type = le16toh(h->type);
	uint32_t port = le32toh(h->dst_port);
	struct vhd_conn *c;
	int fd, n;

	n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s_%u",
		     vm->uds_path, port);
	fd = socket(AF_UNIX, (type == VIRTIO_VSOCK_TYPE_SEQPACKET ?
			      SOCK_SEQPACKET : SOCK_STREAM) |
		    SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (n >= (int)sizeof(sa.sun_path) || fd < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		vhd_log(vm->d, 1, "cid %llu: connect to %s: %s",
			(unsigned long long)vm->cid, sa.sun_path,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		rst_reply(vm, h);
		return;
	}
	c = conn_new(vm, le32toh(h->src_port), port, type, fd);
	if (!c) {
		close(fd);
		rst_reply(vm, h);
		return;
	}
	c->state = CONN_ESTABLISHED;
	c->peer_buf_alloc = le32toh(h->buf_alloc);
	c->peer_fwd_cnt = le32toh(h->fwd_cnt);
	conn_queue_ctl(c, CTL_RESPONSE);
	conn_update_events(c);
	vhd_log(vm->d, 1, "cid %llu: port %u -> host %s",
		(unsigned long long)vm->cid, c->gport, sa.sun_path);
}

/* An RW packet; returns true if the chain was kept. */
static bool conn_rw(struct vhd_conn *c, const struct vhd_chain *ch,
		    const struct virtio_vsock_hdr *h)
{
	uint32_t len = le32toh(h->len);
	struct vhd_held *held;
	ssize_t r = 0;

	if (!vhd_rx_fits(c->buf_alloc, c->fwd_cnt, c->rx_cnt, len)) {
		c->vm->stats.credit_violations++;
		conn_reset(c);
		return false;
	}
	c->rx_cnt += len;
	if (c->type == VIRTIO_VSOCK_TYPE_STREAM && vhd_list_empty(&c->held)) {
		r = send_iov(c->fd, ch->iov, ch->nout, VHD_HDR_LEN, len, false);
		if (r < 0 && r != -EAGAIN) {
			conn_reset(c);
			return false;
		}
		if (r < 0)
			r = 0;
		c->fwd_cnt += r;
		c->vm->stats.tx_bytes += r;
		if ((uint32_t)r == len) {
			conn_credit_check(c);
			return false;
		}
	}
	held = held_new(c->vm, ch, h, VHD_HDR_LEN + r, len - r);
	if (!held) {
		conn_reset(c);
		return false;
	}
	vhd_list_add_tail(&c->held, &held->link);
	if (c->type == VIRTIO_VSOCK_TYPE_SEQPACKET) {
		c->held_bytes += len;
		if (le32toh(h->flags) & VIRTIO_VSOCK_SEQ_EOM) {
			c->held_bytes = 0;
			conn_flush_held(c);
		}
	} else {
		c->out_wait = true;
		conn_update_events(c);
	}
	return true;
}

/* Log why a host CONNECT of @line (@len bytes, or none) was refused. */
static void host_refused(const struct vhd_vm *vm, uint16_t type,
			 const char *line, ssize_t len, const char *why)
{
	char shown[48] = "connection";
	ssize_t i;

	/* the line as sent, without its newline, unprintable bytes as '?' */
	if (line) {
		shown[0] = '"';
		for (i = 0; i < len && i < (ssize_t)sizeof(shown) - 3 &&
		     !(i == len - 1 && line[i] == '\n'); i++)
			shown[i + 1] = line[i] >= ' ' && line[i] <= '~' ?
				       line[i] : '?';
		strcpy(shown + i + 1, "\"");
	}
	vhd_log(vm->d, 1, "cid %llu: host %s %s refused: %s",
		(unsigned long long)vm->cid,
		type == VIRTIO_VSOCK_TYPE_SEQPACKET ? "SOCK_SEQPACKET" : "SOCK_STREAM",
		shown, why);
}

/* A TX packet for the host; returns true if the chain was kept. */
static bool host_packet(struct vhd_vm *vm, const struct vhd_chain *ch,
			const struct virtio_vsock_hdr *h)
{
	uint16_t op = le16toh(h->op);
	struct vhd_conn *c;

	c = vhd_conn_lookup(vm, le32toh(h->src_port), le32toh(h->dst_port));
	if (c && c->peer_reset) {
		/* A reset connection still writing out what it received:
		 * nothing more comes on it, unless the ports are reused.
		 */
		if (op != VIRTIO_VSOCK_OP_REQUEST)
			return false;
		conn_free(c);
		c = NULL;
	}
	if (!c) {
		if (op == VIRTIO_VSOCK_OP_REQUEST) {
			conn_connect(vm, h);
		} else if (op != VIRTIO_VSOCK_OP_RST) {
			vhd_log(vm->d, 2, "cid %llu: op %u for no connection %u -> %u",
				(unsigned long long)vm->cid, op,
				le32toh(h->src_port), le32toh(h->dst_port));
			vm->stats.unknown_conn++;
			rst_reply(vm, h);
		}
		return false;
	}
	if (le16toh(h->type) != c->type) {
		vm->stats.bad_pkts++;
		conn_reset(c);
		return false;
	}
	c->peer_buf_alloc = le32toh(h->buf_alloc);
	c->peer_fwd_cnt = le32toh(h->fwd_cnt);
	if (c->credit_wait && vhd_peer_credit(c->peer_buf_alloc,
					      c->peer_fwd_cnt, c->tx_cnt)) {
		c->credit_wait = false;
		conn_update_events(c);
	}

	switch (op) {
	case VIRTIO_VSOCK_OP_RESPONSE:
		if (c->state != CONN_REQUESTED) {
			conn_reset(c);
			break;
		} else {
			char line[32];
			int n = snprintf(line, sizeof(line), "OK %u\n", c->hport);

			if (send(c->fd, line, n, MSG_NOSIGNAL | MSG_DONTWAIT) != n) {
				conn_reset(c);
				break;
			}
			c->state = CONN_ESTABLISHED;
			conn_update_events(c);
		}
		break;
	case VIRTIO_VSOCK_OP_RST:
		if (c->state == CONN_REQUESTED) {
			char line[24];
			int n = snprintf(line, sizeof(line), "CONNECT %u",
					 c->gport);

			host_refused(vm, c->type, line, n, vm->guest_side ?
				     "the host refused the port (does anything listen on it?)" :
				     "the guest refused the port (does anything listen on it?)");
		}
		/*
		 * What the peer sent before its RST is ours, as for a Linux
		 * socket, which reads its queue after a reset: a stream
		 * socket that still holds data writes it out first, then
		 * closes without answering. (A Linux peer, guest or
		 * vhost_vsock, resets a socket 8 s after close() even while
		 * its data is still on the way: the RST of
		 * virtio_transport_close_timeout() comes right behind it.)
		 */
		if (c->type == VIRTIO_VSOCK_TYPE_STREAM &&
		    !vhd_list_empty(&c->held)) {
			vhd_log(vm->d, 1, "cid %llu: %u <-> host %u: reset with data not yet written out; writing it first",
				(unsigned long long)vm->cid, c->gport, c->hport);
			c->peer_reset = true;
			c->guest_shut = SHUT_BOTH;
			c->host_eof = true;	/* nothing more to the peer */
			c->want_read = false;
			c->credit_wait = false;
			c->ctl = 0;
			vhd_list_del(&c->ctl_link);
			vhd_list_del(&c->rx_link);
			conn_update_events(c);
			break;
		}
		conn_free(c);
		break;
	case VIRTIO_VSOCK_OP_SHUTDOWN:
		c->guest_shut |= le32toh(h->flags) & SHUT_BOTH;
		if (vhd_list_empty(&c->held))
			conn_apply_shutdown(c);
		break;
	case VIRTIO_VSOCK_OP_RW:
		if (c->state != CONN_ESTABLISHED ||
		    (c->guest_shut & VIRTIO_VSOCK_SHUTDOWN_SEND)) {
			vm->stats.bad_pkts++;
			conn_reset(c);
			break;
		}
		return conn_rw(c, ch, h);
	case VIRTIO_VSOCK_OP_CREDIT_REQUEST:
		conn_queue_ctl(c, CTL_CREDIT_UPDATE);
		break;
	case VIRTIO_VSOCK_OP_CREDIT_UPDATE:
		break;
	default:	/* REQUEST on an existing connection */
		vm->stats.bad_pkts++;
		conn_reset(c);
		break;
	}
	return false;
}

static struct vhd_vm *find_vm(struct vhd *d, uint64_t cid)
{
	unsigned int i;

	for (i = 0; i < d->nvms; i++)
		if (d->vms[i].cid == cid)
			return &d->vms[i];
	return NULL;
}

/* A TX packet for a sibling guest: it waits for the sibling's RX. */
static bool sibling_packet(struct vhd_vm *vm, struct vhd_vm *sib,
			   const struct vhd_chain *ch,
			   const struct virtio_vsock_hdr *h)
{
	struct vhd_held *held;

	if (!vhd_vq_ready(&sib->vq[VHD_RXQ])) {
		rst_reply(vm, h);
		return false;
	}
	held = held_new(vm, ch, h, 0, VHD_HDR_LEN + le32toh(h->len));
	if (!held) {
		rst_reply(vm, h);
		return false;
	}
	vhd_list_add_tail(&sib->sib_held, &held->link);
	vm_rx_flush(sib);
	return true;
}

static void tx_packet(struct vhd_vm *vm, const struct vhd_chain *ch)
{
	struct virtio_vsock_hdr h;
	struct vhd_vm *sib;
	uint64_t dst;
	bool kept = false;
	char why[160];
	int ret;

	if (ch->out_len < VHD_HDR_LEN) {
		vm->stats.bad_pkts++;
		goto done;
	}
	vhd_iov_copy_from(ch->iov, ch->nout, 0, &h, sizeof(h));
	if (vm->d->strict && strict_tx(vm->d->strict, ch, le32toh(h.len),
				       why, sizeof(why))) {
		strict_refused(vm, true, why);
		kept = vm->d->strict->tx_keep;
		goto done;
	}
	ret = vhd_check_hdr(vm, &h, ch->out_len - VHD_HDR_LEN);
	if (ret) {
		struct vhd_conn *c = NULL;

		vm->stats.bad_pkts++;
		if (ret == -EINVAL)
			goto done;
		if (le64toh(h.dst_cid) == vhd_local_cid(vm))
			c = vhd_conn_lookup(vm, le32toh(h.src_port),
					    le32toh(h.dst_port));
		if (c)
			conn_reset(c);
		else
			rst_reply(vm, &h);
		goto done;
	}
	vm->stats.tx_pkts++;
	dst = le64toh(h.dst_cid);
	if (dst == vhd_local_cid(vm))
		kept = host_packet(vm, ch, &h);
	else if (!vm->guest_side && (sib = find_vm(vm->d, dst)) && sib != vm)
		kept = sibling_packet(vm, sib, ch, &h);
	else
		rst_reply(vm, &h);
done:
	if (!kept) {
		vhd_vq_push(&vm->vq[VHD_TXQ], ch->head, 0);
		vm->tx_push = true;
	}
}

/* Come back to a queue later, after the other events. */
static void self_kick(struct vhd_vq *vq)
{
	uint64_t one = 1;

	if (vq->kick_fd >= 0 && write(vq->kick_fd, &one, sizeof(one)) < 0) {
		/* a full counter means a kick is pending anyway */
	}
}

void vhd_vm_tx_kick(struct vhd_vm *vm)
{
	struct vhd_vq *vq = &vm->vq[VHD_TXQ];
	unsigned int budget = VHD_BUDGET;
	int ret;

	for (;;) {
		if (!budget--) {
			/* A guest refilling as fast as we go must not starve others. */
			self_kick(vq);
			break;
		}
		ret = vhd_vq_pop(vq, &vm->tx_chain);
		if (ret == 0 && vhd_vq_enable_kick(vq))
			continue;
		if (ret == 0 || ret == -EIO)
			break;
		if (ret < 0) {
			vm->stats.bad_chains++;
			vhd_vq_push(vq, vm->tx_chain.head, 0);
			vm->tx_push = true;
			continue;
		}
		tx_packet(vm, &vm->tx_chain);
	}
	vm_rx_flush(vm);
}

void vhd_vm_rx_kick(struct vhd_vm *vm)
{
	vm_rx_flush(vm);
}

static void hdr_to_guest(struct virtio_vsock_hdr *h, struct vhd_conn *c,
			 uint16_t op, uint32_t flags, uint32_t len)
{
	memset(h, 0, sizeof(*h));
	h->src_cid = htole64(vhd_local_cid(c->vm));
	h->dst_cid = htole64(vhd_peer_cid(c->vm));
	h->src_port = htole32(c->hport);
	h->dst_port = htole32(c->gport);
	h->len = htole32(len);
	h->type = htole16(c->type);
	h->op = htole16(op);
	h->flags = htole32(flags);
	h->buf_alloc = htole32(c->buf_alloc);
	h->fwd_cnt = htole32(c->fwd_cnt);
	c->fwd_cnt_sent = c->fwd_cnt;
}

static uint32_t put_hdr(const struct vhd_chain *ch,
			const struct virtio_vsock_hdr *h)
{
	vhd_iov_copy_to(ch->iov + ch->nout, ch->nin, 0, h, sizeof(*h));
	return VHD_HDR_LEN;
}

static uint32_t ctl_fill(struct vhd_conn *c, const struct vhd_chain *ch)
{
	static const uint16_t ops[] = {
		VIRTIO_VSOCK_OP_REQUEST, VIRTIO_VSOCK_OP_RESPONSE,
		VIRTIO_VSOCK_OP_CREDIT_UPDATE, VIRTIO_VSOCK_OP_CREDIT_REQUEST,
	};
	struct virtio_vsock_hdr h;
	unsigned int i;

	for (i = 0; !(c->ctl & (1u << i)); i++)
		;
	c->ctl &= ~(1u << i);
	if (!c->ctl)
		vhd_list_del(&c->ctl_link);
	if (ops[i] == VIRTIO_VSOCK_OP_CREDIT_REQUEST)
		c->vm->stats.credit_requests++;
	hdr_to_guest(&h, c, ops[i], 0, 0);
	return put_hdr(ch, &h);
}

static uint32_t rst_fill(struct vhd_vm *vm, const struct vhd_chain *ch)
{
	struct vhd_rst *r = &vm->rst[vm->rst_head];
	struct virtio_vsock_hdr h = {
		.src_cid = htole64(r->src_cid),
		.dst_cid = htole64(r->dst_cid),
		.src_port = htole32(r->src_port),
		.dst_port = htole32(r->dst_port),
		.type = htole16(r->type),
		.op = htole16(VIRTIO_VSOCK_OP_RST),
	};

	vm->rst_head = (vm->rst_head + 1) % VHD_RST_QUEUE;
	vm->rst_count--;
	return put_hdr(ch, &h);
}

/* Copy (part of) a sibling's packet into our RX chain. */
static uint32_t sib_fill(struct vhd_vm *vm, struct vhd_held *held,
			 const struct vhd_chain *ch)
{
	struct virtio_vsock_hdr h = held->hdr;
	size_t pay = held->len - VHD_HDR_LEN, left = pay - held->off;
	size_t n = ch->in_len - VHD_HDR_LEN;
	struct iovec v[VHD_IOV_BATCH];
	size_t done = 0;

	if (n > left)
		n = left;
	h.len = htole32(n);
	if (n < left)
		h.flags &= ~htole32(SEQ_FLAGS);
	while (done < n) {
		unsigned int k, i;

		k = vhd_iov_slice(held->iov, held->niov,
				  VHD_HDR_LEN + held->off + done, n - done,
				  v, VHD_IOV_BATCH);
		for (i = 0; i < k; i++) {
			vhd_iov_copy_to(ch->iov + ch->nout, ch->nin,
					VHD_HDR_LEN + done, v[i].iov_base,
					v[i].iov_len);
			done += v[i].iov_len;
		}
	}
	held->off += n;
	if (held->off == pay)
		held_release(held);
	vm->stats.rx_bytes += n;
	return put_hdr(ch, &h) + n;
}

/*
 * Seqpacket: a message larger than one RX buffer is read with one
 * recvmsg into several chains; EOM goes on the last.
 */
static uint32_t seq_rx_multi(struct vhd_conn *c, const struct vhd_chain *ch,
			     size_t msg)
{
	struct vhd_vm *vm = c->vm;
	struct vhd_vq *vq = &vm->vq[VHD_RXQ];
	const struct vhd_chain *chains[VHD_SEQ_CHAINS + 1] = { ch };
	size_t part[VHD_SEQ_CHAINS + 1], total = 0;
	struct iovec v[VHD_IOV_BATCH];
	struct virtio_vsock_hdr h;
	struct msghdr m = { .msg_iov = v };
	unsigned int k = 1, n = 0, i;
	ssize_t r;
	int ret;

	for (;;) {
		const struct vhd_chain *x = chains[k - 1];

		part[k - 1] = x->in_len - VHD_HDR_LEN;
		if (part[k - 1] > msg - total)
			part[k - 1] = msg - total;
		total += part[k - 1];
		n += vhd_iov_slice(x->iov + x->nout, x->nin, VHD_HDR_LEN,
				   part[k - 1], v + n, VHD_IOV_BATCH - n);
		if (total == msg)
			break;
		if (k == VHD_SEQ_CHAINS + 1 || n == VHD_IOV_BATCH)
			goto too_big;
		ret = vhd_vq_pop(vq, &vm->seq_chain[k - 1]);
		if (ret == 0) {
			/* Wait for more buffers, this message first. */
			for (i = 1; i < k; i++)
				vhd_vq_unpop(vq);
			vhd_vq_kick_on_next(vq);
			vm->rx_starved = true;
			vhd_list_add_tail(&vm->rx_list, &c->rx_link);
			return 0;
		}
		if (ret < 0 || vm->seq_chain[k - 1].in_len <= VHD_HDR_LEN)
			goto too_big;	/* a guest that breaks its ring */
		chains[k] = &vm->seq_chain[k - 1];
		k++;
	}
	m.msg_iovlen = n;
	r = recvmsg(c->fd, &m, MSG_DONTWAIT);
	if (r != (ssize_t)msg)
		goto too_big;
	for (i = 0; i < k; i++) {
		hdr_to_guest(&h, c, VIRTIO_VSOCK_OP_RW,
			     i == k - 1 ? SEQ_FLAGS : 0, part[i]);
		put_hdr(chains[i], &h);
		if (i) {
			vm->seq_push[i - 1].head = chains[i]->head;
			vm->seq_push[i - 1].len = VHD_HDR_LEN + part[i];
		}
	}
	vm->seq_npush = k - 1;
	c->tx_cnt += msg;
	vm->stats.rx_bytes += msg;
	vhd_list_add_tail(&vm->rx_list, &c->rx_link);
	return VHD_HDR_LEN + part[0];

too_big:
	vhd_log(vm->d, 0, "cid %llu: port %u: %zu-byte message does not fit the RX buffers",
		(unsigned long long)vm->cid, c->gport, msg);
	for (i = 1; i < k; i++)
		vhd_vq_push(vq, chains[i]->head, 0);
	conn_reset(c);
	return 0;
}

/*
 * Seqpacket: the length of the host's next message, 0 at end of file,
 * -errno. recv() returns 0 for an empty message too; Linux never sends
 * one over vsock, so they are dropped here. An empty message is told
 * from the end by the peer's shutdown and the bytes still queued.
 */
static ssize_t seq_next_len(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLRDHUP };
	unsigned int i;
	ssize_t r;
	int q;

	for (i = 0; i < VHD_BUDGET; i++) {
		r = recv(fd, NULL, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
		if (r)
			return r < 0 ? -errno : r;
		if (poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP)) &&
		    (ioctl(fd, SIOCINQ, &q) || q == 0))
			return 0;
		if (recv(fd, NULL, 0, MSG_DONTWAIT) < 0)
			return -errno;
	}
	return -EAGAIN;		/* a flood of empty messages: later */
}

/* Host socket to guest; 0 when nothing was put in the chain. */
static uint32_t conn_rx(struct vhd_conn *c, const struct vhd_chain *ch)
{
	uint32_t credit = vhd_peer_credit(c->peer_buf_alloc, c->peer_fwd_cnt,
					  c->tx_cnt);
	size_t max = ch->in_len - VHD_HDR_LEN;
	struct virtio_vsock_hdr h;
	struct iovec v[VHD_IOV_BATCH];
	unsigned int n;
	uint32_t flags = 0;
	ssize_t r;

	vhd_list_del(&c->rx_link);
	if (!credit) {
		c->want_read = false;
		c->credit_wait = true;
		conn_queue_ctl(c, CTL_CREDIT_REQUEST);
		conn_update_events(c);
		return 0;
	}
	if (max > credit)
		max = credit;
	if (max > VHD_MAX_PKT)
		max = VHD_MAX_PKT;
	if (c->type == VIRTIO_VSOCK_TYPE_SEQPACKET) {
		/* A message goes whole: it needs the credit for all of it. */
		r = seq_next_len(c->fd);
		if (r > 0 && (size_t)r > credit) {
			if (r > c->peer_buf_alloc) {
				vhd_log(c->vm->d, 0, "cid %llu: port %u: %zd-byte message exceeds the guest's buffer",
					(unsigned long long)c->vm->cid,
					c->gport, r);
				conn_reset(c);
				return 0;
			}
			c->want_read = false;
			c->credit_wait = true;
			conn_queue_ctl(c, CTL_CREDIT_REQUEST);
			conn_update_events(c);
			return 0;
		}
		if (r > 0 && (size_t)r > max)
			return seq_rx_multi(c, ch, r);
		flags = SEQ_FLAGS;
	}
	if (c->type != VIRTIO_VSOCK_TYPE_SEQPACKET || r > 0) {
		n = vhd_iov_slice(ch->iov + ch->nout, ch->nin, VHD_HDR_LEN,
				  max, v, VHD_IOV_BATCH);
		r = readv(c->fd, v, n);
		if (r < 0)
			r = -errno;
	}
	if (r == -EAGAIN || r == -EINTR) {
		c->want_read = false;
		conn_update_events(c);
		return 0;
	}
	if (r < 0) {
		conn_reset(c);
		return 0;
	}
	if (r == 0) {
		/* The guest closes when it has read all: then RST. */
		c->host_eof = true;
		c->want_read = false;
		hdr_to_guest(&h, c, VIRTIO_VSOCK_OP_SHUTDOWN,
			     VIRTIO_VSOCK_SHUTDOWN_SEND, 0);
		conn_update_events(c);
		return put_hdr(ch, &h);
	}
	c->tx_cnt += r;
	c->vm->stats.rx_bytes += r;
	hdr_to_guest(&h, c, VIRTIO_VSOCK_OP_RW, flags, r);
	vhd_list_add_tail(&c->vm->rx_list, &c->rx_link);
	return put_hdr(ch, &h) + r;
}

static bool rx_work(const struct vhd_vm *vm)
{
	return vm->rst_count || !vhd_list_empty(&vm->ctl_list) ||
	       !vhd_list_empty(&vm->sib_held) || !vhd_list_empty(&vm->rx_list);
}

/* Fill one RX chain; 0 when there was nothing to send. */
static uint32_t rx_fill(struct vhd_vm *vm, const struct vhd_chain *ch)
{
	uint32_t n;

	for (;;) {
		if (vm->rst_count)
			return rst_fill(vm, ch);
		if (!vhd_list_empty(&vm->ctl_list))
			return ctl_fill(vhd_container_of(vm->ctl_list.next,
							 struct vhd_conn,
							 ctl_link), ch);
		if (!vhd_list_empty(&vm->sib_held))
			return sib_fill(vm, vhd_container_of(vm->sib_held.next,
							     struct vhd_held,
							     link), ch);
		if (vhd_list_empty(&vm->rx_list) || vm->rx_starved)
			return 0;
		n = conn_rx(vhd_container_of(vm->rx_list.next,
					     struct vhd_conn, rx_link), ch);
		if (n)
			return n;
	}
}

static void vm_rx_flush(struct vhd_vm *vm)
{
	struct vhd_vq *vq = &vm->vq[VHD_RXQ];
	struct vhd_chain *ch = &vm->rx_chain;
	unsigned int i, budget = VHD_BUDGET;
	char why[160];
	uint32_t n;
	int ret;

	vm->rx_starved = false;
	while (rx_work(vm)) {
		if (!budget--) {
			self_kick(vq);
			break;
		}
		ret = vhd_vq_pop(vq, ch);
		if (ret == 0 && vhd_vq_enable_kick(vq))
			continue;
		if (ret == 0 || ret == -EIO) {
			/* Work waits for the guest's buffers. */
			vm->stats.rx_no_buffers += ret == 0;
			break;
		}
		if (ret > 0 && vm->d->strict &&
		    strict_rx(vm->d->strict, ch, why, sizeof(why))) {
			strict_refused(vm, false, why);
			if (vm->d->strict->rx_stop)
				break;
			vhd_vq_push(vq, ch->head, 0);
			vm->rx_push = true;
			continue;
		}
		if (ret < 0 || ch->in_len <= VHD_HDR_LEN) {
			vm->stats.bad_chains++;
			vhd_vq_push(vq, ch->head, 0);
			vm->rx_push = true;
			continue;
		}
		n = rx_fill(vm, ch);
		if (!n) {
			vhd_vq_unpop(vq);
			break;
		}
		vm->stats.rx_pkts++;
		vhd_vq_push(vq, ch->head, n);
		for (i = 0; i < vm->seq_npush; i++)
			vhd_vq_push(vq, vm->seq_push[i].head,
				    vm->seq_push[i].len);
		vm->stats.rx_pkts += vm->seq_npush;
		vm->seq_npush = 0;
		vm->rx_push = true;
	}
}

void vhd_conn_event(struct vhd_conn *c, uint32_t events)
{
	struct vhd_vm *vm = c->vm;

	if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) && c->out_wait &&
	    conn_flush_held(c) < 0)
		goto out;
	if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP)) &&
	    (c->events & EPOLLIN)) {
		c->want_read = true;
		if (vhd_list_empty(&c->rx_link))
			vhd_list_add_tail(&vm->rx_list, &c->rx_link);
		conn_update_events(c);
	}
out:
	vm_rx_flush(vm);
}

void vhd_host_accept(struct vhd_vm *vm, bool seqpacket)
{
	struct host_new *hn;
	int fd;

	fd = accept4(seqpacket ? vm->seq_fd : vm->uds_fd, NULL, NULL,
		     SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	hn = calloc(1, sizeof(*hn));
	if (!hn || vhd_epoll_add(vm->d, fd, EPOLLIN, &hn->ev) < 0) {
		free(hn);
		close(fd);
		return;
	}
	hn->ev.kind = EV_HOST_NEW;
	hn->vm = vm;
	hn->fd = fd;
	hn->type = seqpacket ? VIRTIO_VSOCK_TYPE_SEQPACKET :
			       VIRTIO_VSOCK_TYPE_STREAM;
}

/* "CONNECT <port>\n" with a decimal port and nothing else. */
static int parse_connect(const char *line, size_t len, uint32_t *port)
{
	unsigned long long v = 0;
	size_t i;

	if (len < 10 || memcmp(line, "CONNECT ", 8) || line[len - 1] != '\n')
		return -EINVAL;
	for (i = 8; i < len - 1; i++) {
		if (line[i] < '0' || line[i] > '9' || i > 18)
			return -EINVAL;
		v = v * 10 + (line[i] - '0');
	}
	if (i == 8 || v > UINT32_MAX)
		return -EINVAL;
	*port = v;
	return 0;
}

void vhd_host_new_event(struct vhd_ev *ev)
{
	struct host_new *hn = vhd_container_of(ev, struct host_new, ev);
	struct vhd_vm *vm = hn->vm;
	const char *why = NULL;
	struct vhd_conn *c;
	char buf[64];
	char *nl = NULL;
	uint32_t port;
	ssize_t r;

	if (hn->type == VIRTIO_VSOCK_TYPE_SEQPACKET) {
		/* One message, the line; its newline may be left out. */
		r = recv(hn->fd, buf, sizeof(buf) - 1, MSG_TRUNC);
		if (r < 0 && errno == EAGAIN)
			return;
		vhd_epoll_del(vm->d, hn->fd);
		if (r <= 0)
			why = "closed before a CONNECT line";
		else if (r >= (ssize_t)sizeof(buf))
			why = "bad line: too long";
		else if (buf[r - 1] != '\n')
			buf[r++] = '\n';
		if (!why)
			nl = buf + r - 1;
	} else {
		r = recv(hn->fd, buf, sizeof(buf), MSG_PEEK);
		if (r < 0 && errno == EAGAIN)
			return;
		nl = r > 0 ? memchr(buf, '\n', r) : NULL;
		if (!nl && r > 0 && r < (ssize_t)sizeof(buf))
			return;		/* wait for the rest of the line */
		vhd_epoll_del(vm->d, hn->fd);
		if (r <= 0)
			why = "closed before a CONNECT line";
		else if (!nl)
			why = "bad line: no newline in 64 bytes";
		else if (recv(hn->fd, buf, nl - buf + 1, 0) != nl - buf + 1)
			why = "closed in the CONNECT line";
	}
	if (!why && parse_connect(buf, nl - buf + 1, &port))
		why = "bad line (want \"CONNECT PORT\")";
	else if (!why && !vhd_vq_ready(&vm->vq[VHD_RXQ]))
		why = "no guest attached";
	else if (!why && hn->type == VIRTIO_VSOCK_TYPE_SEQPACKET &&
		 !(vm->acked_features & (1ull << VIRTIO_VSOCK_F_SEQPACKET)))
		why = "the guest did not negotiate SOCK_SEQPACKET (VIRTIO_VSOCK_F_SEQPACKET)";
	if (why)
		goto fail;
	do
		vm->next_hport = vm->next_hport < 1024 ? 1024 :
				 vm->next_hport + 1;
	while (vhd_conn_lookup(vm, port, vm->next_hport));
	c = conn_new(vm, port, vm->next_hport, hn->type, hn->fd);
	if (!c) {
		why = vm->nconns >= VHD_MAX_CONNS ? "too many connections" :
		      "out of memory";
		goto fail;
	}
	c->state = CONN_REQUESTED;
	conn_queue_ctl(c, CTL_REQUEST);
	vhd_log(vm->d, 1, "cid %llu: host %u -> port %u",
		(unsigned long long)vm->cid, c->hport, port);
	free(hn);
	vm_rx_flush(vm);
	return;
fail:
	host_refused(vm, hn->type, nl ? buf : NULL, nl ? nl - buf + 1 : 0, why);
	close(hn->fd);
	free(hn);
}

/* Drop packets that came from src and wait in vm's sibling queue. */
static void purge_sib(struct vhd_vm *vm, const struct vhd_vm *src)
{
	struct vhd_list *l, *next;

	for (l = vm->sib_held.next; l != &vm->sib_held; l = next) {
		struct vhd_held *h = vhd_container_of(l, struct vhd_held, link);

		next = l->next;
		if (!src || h->src == src)
			held_release(h);
	}
}

void vhd_vm_reset_conns(struct vhd_vm *vm)
{
	unsigned int i;

	for (i = 0; i < VHD_HASH_SIZE; i++)
		while (!vhd_list_empty(&vm->hash[i]))
			conn_free(vhd_container_of(vm->hash[i].next,
						   struct vhd_conn, hlink));
	vm->rst_count = 0;
	purge_sib(vm, NULL);
	for (i = 0; i < vm->d->nvms; i++)
		if (&vm->d->vms[i] != vm)
			purge_sib(&vm->d->vms[i], vm);
}

void vhd_vm_free_chains(struct vhd_vm *vm)
{
	unsigned int i;

	vhd_chain_free(&vm->rx_chain);
	vhd_chain_free(&vm->tx_chain);
	for (i = 0; i < VHD_SEQ_CHAINS; i++)
		vhd_chain_free(&vm->seq_chain[i]);
}

void vhd_vm_init(struct vhd *d, struct vhd_vm *vm)
{
	unsigned int i;

	vm->d = d;
	vm->vu_listen_ev.kind = EV_VU_LISTEN;
	vm->vu_ev.kind = EV_VU;
	vm->uds_ev.kind = EV_UDS_LISTEN;
	vm->seq_ev.kind = EV_SEQ_LISTEN;
	vm->vu_listen_fd = vm->vu_fd = vm->uds_fd = vm->seq_fd = -1;
	for (i = 0; i < 2; i++) {
		vhd_vq_init(&vm->vq[i], &vm->mem);
		vm->kick[i].ev.kind = EV_KICK;
		vm->kick[i].vm = vm;
		vm->kick[i].index = i;
	}
	vhd_chain_init(&vm->rx_chain);
	vhd_chain_init(&vm->tx_chain);
	for (i = 0; i < VHD_SEQ_CHAINS; i++)
		vhd_chain_init(&vm->seq_chain[i]);
	for (i = 0; i < VHD_HASH_SIZE; i++)
		vhd_list_init(&vm->hash[i]);
	vhd_list_init(&vm->ctl_list);
	vhd_list_init(&vm->rx_list);
	vhd_list_init(&vm->sib_held);
}

/* Interrupt the guests that have new used entries. */
void vhd_notify_all(struct vhd *d)
{
	unsigned int i;

	for (i = 0; i < d->nvms; i++) {
		struct vhd_vm *vm = &d->vms[i];

		if (vm->tx_push)
			vhd_vq_notify(&vm->vq[VHD_TXQ]);
		if (vm->rx_push)
			vhd_vq_notify(&vm->vq[VHD_RXQ]);
		vm->tx_push = vm->rx_push = false;
	}
}

void vhd_stats_print(const struct vhd_vm *vm)
{
	const struct vhd_stats *s = &vm->stats;

	fprintf(stderr, "%s: cid %llu: tx %lu pkts %llu bytes, rx %lu pkts %llu bytes, interrupts rx %lu tx %lu, credit requests %lu, RX ring empty %lu, held copies %lu, conns %lu opened %lu reset, errors: chains %lu, packets %lu, credit %lu, unknown conn %lu, rst dropped %lu, vq %lu/%lu\n",
		program_invocation_short_name,
		(unsigned long long)vm->cid, s->tx_pkts, s->tx_bytes,
		s->rx_pkts, s->rx_bytes, vm->vq[VHD_RXQ].notifies,
		vm->vq[VHD_TXQ].notifies, s->credit_requests, s->rx_no_buffers,
		s->held_copies, s->conns_opened, s->conns_reset,
		s->bad_chains, s->bad_pkts, s->credit_violations,
		s->unknown_conn, s->rst_dropped, vm->vq[0].errors,
		vm->vq[1].errors);
}
