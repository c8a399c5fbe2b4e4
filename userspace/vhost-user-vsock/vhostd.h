/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vsock-zc-vhostd: a vhost-user virtio-vsock device backend.
 */
#ifndef VHOSTD_H
#define VHOSTD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/virtio_vsock.h>

#include "vring.h"

#define VHD_HOST_CID		2
#define VHD_HDR_LEN		sizeof(struct virtio_vsock_hdr)
/* Largest payload of one packet, as in Linux. */
#define VHD_MAX_PKT		(64 * 1024)
#define VHD_HASH_SIZE		1024
/* Chains per queue and event, before other events get their turn. */
#define VHD_BUDGET		256
#define VHD_RST_QUEUE		64
/* Connections per guest: a guest must not use up our descriptors. */
#define VHD_MAX_CONNS		4096
/* A seqpacket message to a guest may span this many RX buffers. */
#define VHD_SEQ_CHAINS		64
#define VHD_RXQ			0
#define VHD_TXQ			1

/* A tiny intrusive doubly linked list. */
struct vhd_list {
	struct vhd_list *prev, *next;
};

#define vhd_container_of(p, type, member) \
	((type *)((char *)(p) - offsetof(type, member)))

static inline void vhd_list_init(struct vhd_list *l)
{
	l->prev = l->next = l;
}

static inline bool vhd_list_empty(const struct vhd_list *l)
{
	return l->next == l;
}

static inline void vhd_list_add_tail(struct vhd_list *head, struct vhd_list *e)
{
	e->prev = head->prev;
	e->next = head;
	head->prev->next = e;
	head->prev = e;
}

static inline void vhd_list_del(struct vhd_list *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
	vhd_list_init(e);
}

/* What an epoll event points at. */
enum vhd_ev_kind {
	EV_VU_LISTEN,		/* vhost-user listening socket */
	EV_VU,			/* vhost-user connection to QEMU */
	EV_KICK,		/* a vring's kick eventfd */
	EV_UDS_LISTEN,		/* host endpoints: PATH */
	EV_SEQ_LISTEN,		/* host endpoints, SOCK_SEQPACKET */
	EV_HOST_NEW,		/* accepted, waiting for "CONNECT <port>" */
	EV_CONN,		/* a connection's host socket */
	EV_SIGNAL,
};

struct vhd_ev {
	enum vhd_ev_kind kind;
};

struct vhd_stats {
	unsigned long tx_pkts, rx_pkts;
	unsigned long long tx_bytes, rx_bytes;
	unsigned long bad_chains;	/* malformed descriptor chains */
	unsigned long bad_pkts;		/* bad headers, lengths, ops */
	unsigned long credit_violations;
	unsigned long unknown_conn;	/* packets for no connection */
	unsigned long rst_dropped;	/* RST queue full */
	unsigned long conns_opened, conns_reset;
	unsigned long credit_requests;	/* CREDIT_REQUESTs sent */
	unsigned long rx_no_buffers;	/* RX work waited for buffers */
	unsigned long held_copies;	/* waiting payload copied out of the ring */
};

/*
 * A TX packet kept until its payload has left, in order: its chain, still
 * in the guest's ring, or (past VHD_HELD_SLOTS) a copy, the chain given
 * back at once.
 */
struct vhd_held {
	struct vhd_list link;
	struct vhd_vm *src;		/* TX queue it came from */
	uint16_t head;
	unsigned int slots;		/* ring descriptors held, unless copy */
	void *copy;			/* the copied payload, or NULL */
	struct virtio_vsock_hdr hdr;
	size_t len, off;		/* bytes to move, bytes moved */
	unsigned int niov;
	struct iovec iov[];		/* payload (sibling: with header) */
};

/*
 * Held chains may take at most half of a TX ring's descriptors, so that a
 * host program that stops reading (or a sibling that posts no RX buffers)
 * never leaves the guest without room to send on its other connections.
 * Past that, payload is copied, up to VHD_HELD_COPY_MAX bytes per guest
 * (credit bounds what one connection may have waiting; a guest that
 * ignores credit toward a sibling is held again past the cap). Chains
 * popped through vhd_vq_ops (vhost-vsock-sim) count no slots and are
 * never copied.
 */
#define VHD_HELD_COPY_MAX	(64u << 20)

enum vhd_conn_state {
	CONN_REQUESTED,		/* REQUEST sent to the guest */
	CONN_ESTABLISHED,
};

/* Pending control packets to the guest. */
#define CTL_REQUEST		(1u << 0)
#define CTL_RESPONSE		(1u << 1)
#define CTL_CREDIT_UPDATE	(1u << 2)
#define CTL_CREDIT_REQUEST	(1u << 3)

struct vhd_conn {
	struct vhd_ev ev;
	struct vhd_list hlink;		/* hash bucket */
	struct vhd_list ctl_link;	/* vm->ctl_list */
	struct vhd_list rx_link;	/* vm->rx_list */
	struct vhd_vm *vm;
	uint32_t gport;			/* guest port */
	uint32_t hport;			/* host port */
	uint16_t type;			/* VIRTIO_VSOCK_TYPE_* */
	enum vhd_conn_state state;
	int fd;				/* host socket */
	uint32_t events;		/* what epoll watches */
	unsigned int ctl;		/* CTL_* */
	/* Guest to host: what we advertise and have forwarded. */
	uint32_t buf_alloc, fwd_cnt, fwd_cnt_sent, rx_cnt;
	/* Host to guest: the guest's receive buffer. */
	uint32_t peer_buf_alloc, peer_fwd_cnt, tx_cnt;
	bool host_eof;			/* read 0: SHUTDOWN sent */
	bool out_wait;			/* host socket full */
	bool want_read;			/* host socket readable */
	bool credit_wait;		/* out of guest credit */
	uint32_t guest_shut;		/* VIRTIO_VSOCK_SHUTDOWN_* seen */
	bool shut_done;			/* guest's SHUT_WR passed on */
	bool peer_reset;		/* RST seen: only held data is left */
	size_t held_bytes;		/* seqpacket: bytes of the message */
	struct vhd_list held;		/* vhd_held, oldest first */
};

/* A header queued for an RST to a connection we do not know. */
struct vhd_rst {
	uint64_t dst_cid;
	uint32_t src_port, dst_port;
	uint16_t type;
	uint64_t src_cid;
};

struct vhd;

/*
 * --strict=DEVICE: refuse the chains another virtio-vsock device would
 * refuse, and handle them as it does (doc/devices.txt has the sources).
 * Descriptors are counted as the guest posted them.
 */
struct vhd_strict {
	const char *name;
	uint64_t features;	/* device and ring features it offers */
	uint32_t max_pkt;	/* TX payload */
	unsigned int max_desc;	/* per chain, 0: no limit of its own */
	bool hdr_in_head;	/* the 44-byte header lies in the head */
	bool hdr_alone;		/* a head with a next holds only the header */
	unsigned int tx_data;	/* TX payload descriptors, 0: any number */
	unsigned int rx_desc;	/* RX descriptors, 0: any number */
	uint32_t rx_data;	/* a separate RX data descriptor, 0: any */
	bool tx_keep;		/* a refused TX chain is never given back */
	bool rx_stop;		/* a refused RX chain is kept, RX waits */
};

/* The device called @name, or NULL; a list of the names for messages. */
const struct vhd_strict *vhd_strict_find(const char *name);
extern const char vhd_strict_names[];

/*
 * One guest. vsock-zc-vhostd is its device: the protocol code's "host"
 * end is ours (VHD_HOST_CID, UNIX sockets here) and the peer is the
 * guest. vhost-vsock-sim plays the guest to the kernel's vhost_vsock:
 * with guest_side set, our end is the guest's CID and the peer is the
 * host, and the queues are driven from the driver's side (vhd_vq_ops).
 */
struct vhd_vm {
	struct vhd *d;
	uint64_t cid;			/* the guest's */
	bool guest_side;		/* we are the guest (vhost-vsock-sim) */
	char *vu_path;			/* vhost-user socket */
	char *uds_path;			/* host endpoints */
	char *seq_path;			/* the same, SOCK_SEQPACKET */
	struct vhd_ev vu_listen_ev, vu_ev, uds_ev, seq_ev;
	struct {
		struct vhd_ev ev;	/* EV_KICK */
		struct vhd_vm *vm;
		unsigned int index;
	} kick[2];
	int vu_listen_fd, vu_fd, uds_fd, seq_fd;
	uint64_t features, acked_features, protocol_features;
	bool owner;
	struct vhd_mem mem;
	struct vhd_vq vq[2];
	uint16_t vq_num[2];
	uint64_t vq_addr[2][3];		/* desc, avail, used (QEMU's) */
	bool vq_addr_set[2];
	struct vhd_chain rx_chain, tx_chain;
	struct vhd_chain seq_chain[VHD_SEQ_CHAINS];
	struct {
		uint16_t head;
		uint32_t len;
	} seq_push[VHD_SEQ_CHAINS];	/* used after rx_chain's */
	unsigned int seq_npush;
	bool rx_starved;		/* a message waits for RX buffers */
	uint32_t next_hport;
	unsigned int nconns;
	struct vhd_list hash[VHD_HASH_SIZE];
	struct vhd_list ctl_list, rx_list;
	struct vhd_list sib_held;	/* packets from siblings, to our RX */
	unsigned int held_slots;	/* TX descriptors held (struct vhd_held) */
	size_t held_copy_bytes;		/* payload held as copies */
	struct vhd_rst rst[VHD_RST_QUEUE];
	unsigned int rst_head, rst_count;
	bool tx_push, rx_push;		/* used entries to notify about */
	bool strict_logged;		/* a --strict refusal was logged */
	struct vhd_stats stats;
};

struct vhd {
	int epfd;
	unsigned int nvms;
	struct vhd_vm *vms;
	uint32_t buf_alloc;		/* per connection, guest to host */
	int verbose;
	const struct vhd_strict *strict;	/* --strict, or NULL */
};

/* Our end's CID, and the peer's. */
static inline uint64_t vhd_local_cid(const struct vhd_vm *vm)
{
	return vm->guest_side ? vm->cid : VHD_HOST_CID;
}

static inline uint64_t vhd_peer_cid(const struct vhd_vm *vm)
{
	return vm->guest_side ? VHD_HOST_CID : vm->cid;
}

/* Logging: level 0 errors, 1 connections, 2 messages. */
void vhd_log(const struct vhd *d, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* vsock.c: the virtio-vsock protocol. */
void vhd_vm_init(struct vhd *d, struct vhd_vm *vm);
void vhd_vm_reset_conns(struct vhd_vm *vm);
void vhd_vm_free_chains(struct vhd_vm *vm);
void vhd_vm_tx_kick(struct vhd_vm *vm);
void vhd_vm_rx_kick(struct vhd_vm *vm);
void vhd_conn_event(struct vhd_conn *c, uint32_t events);
/* A host program on uds_path, or on seq_path when seqpacket. */
void vhd_host_accept(struct vhd_vm *vm, bool seqpacket);
void vhd_host_new_event(struct vhd_ev *ev);
struct vhd_conn *vhd_conn_lookup(struct vhd_vm *vm, uint32_t gport,
				 uint32_t hport);
uint32_t vhd_peer_credit(uint32_t buf_alloc, uint32_t fwd_cnt,
			 uint32_t tx_cnt);
bool vhd_rx_fits(uint32_t buf_alloc, uint32_t fwd_cnt, uint32_t rx_cnt,
		 uint32_t len);
int vhd_check_hdr(const struct vhd_vm *vm,
		  const struct virtio_vsock_hdr *h, uint64_t paylen);
void vhd_stats_print(const struct vhd_vm *vm);
void vhd_notify_all(struct vhd *d);

/* vhost_user.c: the frontend protocol. */
void vhd_vu_accept(struct vhd_vm *vm);
void vhd_vu_event(struct vhd_vm *vm);
void vhd_vu_disconnect(struct vhd_vm *vm);
/* Handle one message; fds are consumed (closed or kept). */
int vhd_vu_handle(struct vhd_vm *vm, uint32_t req, uint32_t flags,
		  const void *payload, uint32_t size, int *fds,
		  unsigned int nfds, void *reply, uint32_t *reply_size);

/* util.c: a decimal number up to max; 0 or -errno. */
int vhd_parse_u64(const char *s, unsigned long long max,
		  unsigned long long *v);
/*
 * Listen on path (a stale socket there is replaced, a served one is
 * not), keeping room bytes of sun_path free for "_PORT" names beside
 * it. The fd, or -1 after a message.
 */
int vhd_listen_unix(const char *path, int type, size_t room);

/*
 * util.c: the event loop. vhd_setup_loop() raises RLIMIT_NOFILE,
 * ignores SIGPIPE, blocks SIGINT, SIGTERM and the signals given (a list
 * ended by 0) and creates d->epfd; it returns a signalfd for them, or
 * -1 after a message. vhd_run() serves events until SIGINT or SIGTERM
 * (0) or an error (-1), and hands the other signals to on_signal.
 */
int vhd_setup_loop(struct vhd *d, int sig1, ...);
int vhd_run(struct vhd *d, int sfd, void (*on_signal)(struct vhd *d, int signo));

/* util.c: epoll helpers. */
int vhd_epoll_add(struct vhd *d, int fd, uint32_t events, struct vhd_ev *ev);
int vhd_epoll_mod(struct vhd *d, int fd, uint32_t events, struct vhd_ev *ev);
void vhd_epoll_del(struct vhd *d, int fd);
void vhd_dispatch(struct vhd_ev *ev, uint32_t events);

#endif
