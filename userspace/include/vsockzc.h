/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvsockzc: zero-copy helpers for AF_VSOCK.
 *
 * Functions return 0 (or a count) on success and a negative errno value
 * on failure; they never print. Link with -lvsockzc (pkg-config
 * libvsockzc).
 */
#ifndef VSOCKZC_H
#define VSOCKZC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <linux/types.h>
#include <linux/vm_sockets.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * UAPI of the vsock-zc kernel series. These fallbacks let the library
 * build against a stock linux-libc-dev; the numbers and layouts are
 * fixed by the series.
 */
#ifndef SO_VM_SOCKETS_ZEROCOPY
/* int, level AF_VSOCK, before connect()/listen(): opt in to mapped rx */
# define SO_VM_SOCKETS_ZEROCOPY 9
#endif
#ifndef SO_VM_SOCKETS_MAP_RX
/* getsockopt: fill a mapping of the socket with received data */
# define SO_VM_SOCKETS_MAP_RX 10
struct vsock_map_rx {
	__u64 addr;	/* in: mapping start */
	__u32 len;	/* in: mapping length; out: payload bytes mapped */
	__u32 pages;	/* out: data pages mapped after page 0 */
	__u32 flags;	/* in: VSOCK_MAP_RX_F_* */
	__u32 reserved;	/* 0 */
};
#endif
#ifndef VSOCK_MAP_RX_F_RELEASE
/* the call gives back what the last one mapped: no madvise() needed */
# define VSOCK_MAP_RX_F_RELEASE (1U << 0)
#endif
#ifndef SO_VM_SOCKETS_ZC_STATS
/* getsockopt: per-socket zero-copy counters */
# define SO_VM_SOCKETS_ZC_STATS 11
struct vsock_zc_stats {
	__u64 tx_ref_bytes;
	__u64 tx_stolen_bytes;
	__u64 tx_copied_bytes;
	__u64 rx_spliced_bytes;
	__u64 rx_mapped_bytes;
	__u64 rx_copied_bytes;
};
#endif
#ifndef VIRTIO_VSOCK_USR_HDR_F_EOM
/* Page 0 of a receive mapping: an array of these, ended by length 0. */
struct virtio_vsock_usr_hdr {
	__u32 length;
	__u32 flags;
};
# define VIRTIO_VSOCK_USR_HDR_F_EOM (1U << 0)	/* SEQPACKET end of message */
# define VIRTIO_VSOCK_USR_HDR_F_EOR (1U << 1)	/* SEQPACKET end of record */
#endif

/*
 * Addresses
 * ---------
 */

/* Room for any string vsockzc_format_addr() makes, with the NUL. */
#define VSOCKZC_ADDRSTRLEN 32

/* vsockzc_format_*() flags */
#define VSOCKZC_FMT_NAMES (1U << 0)	/* "host", "local", "any", ... */

/*
 * Parse "CID:PORT" into @addr. CID and PORT are base-10 numbers up to
 * UINT32_MAX; CID may also be one of "any", "hypervisor" (0), "local" (1)
 * or "host" (2), and PORT may be "any".
 * Returns 0, or -EINVAL for malformed input and -ERANGE for a number
 * that does not fit in 32 bits.
 */
int vsockzc_parse_addr(const char *str, struct sockaddr_vm *addr);

/* Parse a CID alone (number or name). Same return values. */
int vsockzc_parse_cid(const char *str, uint32_t *cid);

/* Parse a port alone (number or "any"). Same return values. */
int vsockzc_parse_port(const char *str, uint32_t *port);

/*
 * Parse a listening address "[CID:]PORT"; without a CID it is "any".
 * Same return values as vsockzc_parse_addr().
 */
int vsockzc_parse_listen_addr(const char *str, struct sockaddr_vm *addr);

/*
 * Format a CID or a port as a decimal number, or with VSOCKZC_FMT_NAMES
 * as its name where it has one. The result always parses back to the
 * same value. Returns the length of the string (without the NUL), or
 * -ENOSPC if @len is too small (@buf then holds "" when @len > 0).
 */
int vsockzc_format_cid(uint32_t cid, char *buf, size_t len, unsigned int flags);
int vsockzc_format_port(uint32_t port, char *buf, size_t len,
			unsigned int flags);

/*
 * Format @addr as "CID:PORT". Returns the length, -EINVAL if @addr is
 * not AF_VSOCK, or -ENOSPC as above.
 */
int vsockzc_format_addr(const struct sockaddr_vm *addr, char *buf, size_t len,
			unsigned int flags);

/*
 * Endpoints: a vsock address, or a hybrid-vsock UNIX socket
 * "unix:PATH:PORT" (the Firecracker convention: connect to PATH, send
 * "CONNECT PORT\n", read "OK HOSTPORT\n", then a byte stream).
 */
enum vsockzc_ep_type {
	VSOCKZC_EP_VSOCK = 1,
	VSOCKZC_EP_UNIX,
};

struct vsockzc_endpoint {
	enum vsockzc_ep_type type;
	struct sockaddr_vm vm;	/* VSOCKZC_EP_VSOCK */
	char path[108];		/* VSOCKZC_EP_UNIX: sun_path, NUL-terminated */
	uint32_t port;		/* VSOCKZC_EP_UNIX: port to CONNECT to */
};

/*
 * Parse "CID:PORT" or "unix:PATH:PORT" (PATH may hold colons; the port
 * is after the last one). Returns 0, -EINVAL, -ERANGE, or
 * -ENAMETOOLONG for a PATH that does not fit in a sockaddr_un.
 */
int vsockzc_parse_endpoint(const char *str, struct vsockzc_endpoint *ep);

/*
 * Parse a hybrid-vsock reply line of @len bytes, "OK HOSTPORT\n", into
 * @hostport. Returns 0, or -ECONNREFUSED for any other line.
 */
int vsockzc_parse_hybrid_reply(const char *line, size_t len,
			       uint32_t *hostport);

/*
 * Connect to the hybrid-vsock UNIX socket @path and ask for @port.
 * Waits at most @timeout_ms (negative: no limit) for the connection and
 * the reply. Returns a connected, blocking socket, or -errno
 * (-ECONNREFUSED if the peer answered anything but "OK").
 * The host-side port from the reply goes to @hostport when not NULL.
 */
int vsockzc_hybrid_connect(const char *path, uint32_t port, int timeout_ms,
			   uint32_t *hostport);

/*
 * The same over a SOCK_SEQPACKET socket at @path (vsock-zc-vhostd's
 * PATH.seqpacket): "CONNECT PORT\n" is one message and so is the reply;
 * after it each message is one vsock message. Returns a connected,
 * blocking SOCK_SEQPACKET socket or -errno (-EPROTOTYPE: @path is not a
 * SOCK_SEQPACKET socket).
 */
int vsockzc_hybrid_connect_seqpacket(const char *path, uint32_t port,
				     int timeout_ms, uint32_t *hostport);

/*
 * Sockets and features
 * --------------------
 */

/*
 * The CID of this machine from IOCTL_VM_SOCKETS_GET_LOCAL_CID on
 * /dev/vsock. Returns 0 or -errno (-ENOENT: no /dev/vsock).
 */
int vsockzc_local_cid(uint32_t *cid);

/*
 * The kernel module that provides a transport towards @cid, for
 * messages about ENODEV: vsock_loopback for "local", a guest driver
 * (virtio_vsock) for the host and the hypervisor, vhost_vsock for
 * a guest. Never NULL.
 */
const char *vsockzc_transport_hint(uint32_t cid);

/* Features of the running kernel, from vsockzc_probe(). */
#define VSOCKZC_F_MAP_RX	(1U << 0)	/* mmap receive ring */
#define VSOCKZC_F_ZC_STATS	(1U << 1)	/* SO_VM_SOCKETS_ZC_STATS */

/*
 * Probe the zero-copy features on the AF_VSOCK socket @fd (not yet
 * connected, for VSOCKZC_F_MAP_RX: the probe opts @fd in to mapped
 * receive). Returns a mask of VSOCKZC_F_*, or -errno for errors other
 * than "not supported".
 */
int vsockzc_probe(int fd);

/* Opt in to mapped receive before connect()/listen(). 0 or -errno. */
int vsockzc_enable_map_rx(int fd);

/*
 * The kernel's zero-copy counters of @fd. Returns 0, or -ENOPROTOOPT or
 * -EOPNOTSUPP on a kernel without them, or another -errno.
 */
int vsockzc_get_stats(int fd, struct vsock_zc_stats *st);

/* True for the errors that mean "this kernel lacks the feature". */
int vsockzc_is_unsupported(int err);

/*
 * Splice helpers
 * --------------
 * They move data without a copy through user space. On a kernel
 * without the vsock-zc series, splice into and out of vsock works but
 * the kernel copies.
 */

/* A pipe used as the in-kernel buffer between two splice() calls. */
struct vsockzc_pipe {
	int fd[2];
	size_t size;	/* capacity in bytes */
};

/*
 * Open @p with room for @size bytes (rounded by the kernel; the default
 * pipe size if F_SETPIPE_SZ is refused). Returns 0 or -errno.
 */
int vsockzc_pipe_open(struct vsockzc_pipe *p, size_t size);
void vsockzc_pipe_close(struct vsockzc_pipe *p);

/*
 * Move up to @len bytes from the regular file or socket @in to @out
 * through @p: splice into the pipe, then splice all of it out (with
 * @flags, e.g. SPLICE_F_MOVE). The pipe is empty again on success.
 * Returns the bytes moved, 0 at end of input, or -errno.
 */
ssize_t vsockzc_splice_via_pipe(int in, int out, struct vsockzc_pipe *p,
				size_t len, unsigned int flags);

/*
 * Move up to @len bytes directly between @in and @out, one of which is
 * a pipe: a pipe into a socket (use SPLICE_F_MOVE to let the kernel
 * steal the pages), or a socket into a pipe. Returns the bytes moved,
 * 0 at end of input, or -errno.
 */
ssize_t vsockzc_splice_direct(int in, int out, size_t len,
			      unsigned int flags);

/*
 * Gift buffers: page-aligned anonymous memory that is handed to the
 * kernel with vmsplice(SPLICE_F_GIFT) and then forgotten.
 */

/* A page-aligned buffer of @len bytes (rounded up to pages), or NULL. */
void *vsockzc_gift_alloc(size_t len);

/* Free a buffer from vsockzc_gift_alloc() that was never gifted. */
void vsockzc_gift_free(void *buf, size_t len);

/*
 * Gift the first @len bytes of @buf (from vsockzc_gift_alloc(@size)) to
 * the kernel and send them to @out: vmsplice(SPLICE_F_GIFT) into @p,
 * then splice(SPLICE_F_MOVE) to @out. @buf is unmapped in any case and
 * must not be used again. Returns @len or -errno.
 */
ssize_t vsockzc_gift_send(int out, struct vsockzc_pipe *p, void *buf,
			  size_t len, size_t size);

/*
 * The mmap receive ring
 * ---------------------
 * Page 0 of the mapping holds struct virtio_vsock_usr_hdr records, one
 * per packet, ended by a record of length 0. Each packet's data starts
 * on a fresh page after page 0 and takes ceil(length / page size)
 * pages.
 */

/* One packet of a filled mapping. */
struct vsockzc_pkt {
	const void *data;
	uint32_t len;
	uint32_t flags;		/* VIRTIO_VSOCK_USR_HDR_F_* */
};

/* Walks the records of a mapping; see vsockzc_ring_iter_init(). */
struct vsockzc_ring_iter {
	const unsigned char *base;
	size_t len;		/* bytes of the mapping that may be read */
	size_t page_size;
	size_t hdr;		/* index of the next record */
	size_t page;		/* next data page */
	int err;		/* sticky error */
};

/*
 * Start walking the @len readable bytes at @base, laid out with pages of
 * @page_size bytes (a power of two, at least 64). Returns 0 or -EINVAL.
 */
int vsockzc_ring_iter_init(struct vsockzc_ring_iter *it, const void *base,
			   size_t len, size_t page_size);

/*
 * The next packet into @pkt. Returns 1 for a packet, 0 at the
 * terminating record, -EBADMSG for a truncated header area or one
 * without a terminator, and -EOVERFLOW for a packet whose data would
 * lie past the end of the mapping. Never reads outside [base, base+len).
 * After an error every call returns the same error.
 */
int vsockzc_ring_next(struct vsockzc_ring_iter *it, struct vsockzc_pkt *pkt);

/* A receive mapping of a vsock socket. */
struct vsockzc_ring {
	void *map;
	size_t map_len;
	size_t page_size;
	size_t filled;		/* bytes of the mapping in use after fill */
	/* flags of each fill: vsockzc_ring_map() sets
	 * VSOCK_MAP_RX_F_RELEASE, so that the kernel gives the last fill's
	 * pages back; clear it to have each fill madvise() them first.
	 */
	unsigned int map_flags;
};

/*
 * mmap @len bytes (rounded up to pages, at least two) of the socket @fd.
 * Returns 0, -ENODEV when the kernel cannot map vsock sockets, or
 * another -errno.
 */
int vsockzc_ring_map(struct vsockzc_ring *r, int fd, size_t len);

/*
 * Ask the kernel to map received data into @r (SO_VM_SOCKETS_MAP_RX).
 * Waits like recv() on a blocking socket. Returns the payload bytes
 * mapped (0 at end of stream), -ENOPROTOOPT or -EOPNOTSUPP without
 * kernel support, -EAGAIN when data is waiting that the kernel did not
 * map (read it with recv()), or another -errno. Walk the result with
 * vsockzc_ring_iter_init(it, r->map, r->filled, r->page_size). The
 * next fill gives the pages back (see map_flags).
 */
ssize_t vsockzc_ring_fill(struct vsockzc_ring *r, int fd);

/* Give the mapped pages back now (madvise(MADV_DONTNEED)), say before a
 * long wait; the next fill would. 0 or -errno.
 */
int vsockzc_ring_release(struct vsockzc_ring *r);

/* Undo vsockzc_ring_map(). */
void vsockzc_ring_unmap(struct vsockzc_ring *r);

#ifdef __cplusplus
}
#endif

#endif /* VSOCKZC_H */
