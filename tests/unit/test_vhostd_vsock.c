// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit test: vsock-zc-vhostd's virtio-vsock protocol, with two fake
 * guests (CIDs 3 and 4) in synthetic memory and real host UNIX sockets.
 */
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "vhostd-guest.h"
#include "vhostd.h"

#define NUM	64
#define RXBUF	4796

static struct vhd d;
static struct vhd_vm vms[2];
static struct gring rx[2], tx[2];
static struct vhd_mem mem;
static char dir[] = "/tmp/vhostd-test.XXXXXX";
static uint64_t next_buf = G_BASE + G_DATA;
static uint32_t next_port = 47000;

static uint64_t g_alloc(size_t len)
{
	uint64_t a = next_buf;

	next_buf += (len + 63) & ~63ul;
	if (next_buf > G_BASE + G_SIZE)
		exit(99);
	return a;
}

/* The main loop, until nothing is pending. */
static void pump(void)
{
	struct epoll_event e;

	while (epoll_wait(d.epfd, &e, 1, 0) == 1)
		vhd_dispatch(e.data.ptr, e.events);
	vhd_notify_all(&d);
}

/* RX buffers: descriptor pairs (2k, 2k + 1), header and payload apart. */
static void post_rx(int v)
{
	unsigned int k;

	for (k = 0; k < NUM / 2; k++) {
		uint64_t b = g_alloc(RXBUF);

		g_desc(&rx[v], 2 * k, b, VHD_HDR_LEN,
		       VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2 * k + 1);
		g_desc(&rx[v], 2 * k + 1, b + VHD_HDR_LEN, RXBUF - VHD_HDR_LEN,
		       VRING_DESC_F_WRITE, 0);
		g_publish(&rx[v], 2 * k);
	}
}

/* Next packet to guest v: payload length, or -1. */
static int recv_pkt(int v, struct virtio_vsock_hdr *h, void *buf, size_t max)
{
	struct vring_desc *t = g_ptr(rx[v].desc);
	uint32_t len;
	int head = g_used(&rx[v], &len);

	if (head < 0)
		return -1;
	memcpy(h, g_ptr(le64toh(t[head].addr)), sizeof(*h));
	len -= VHD_HDR_LEN;
	if (buf)
		memcpy(buf, g_ptr(le64toh(t[head + 1].addr)),
		       len < max ? len : max);
	g_publish(&rx[v], head);
	return len;
}

static struct virtio_vsock_hdr mkhdr(int v, uint64_t dst_cid,
				     uint32_t src_port, uint32_t dst_port,
				     uint16_t type, uint16_t op, uint32_t len)
{
	struct virtio_vsock_hdr h = {
		.src_cid = htole64(vms[v].cid),
		.dst_cid = htole64(dst_cid),
		.src_port = htole32(src_port),
		.dst_port = htole32(dst_port),
		.len = htole32(len),
		.type = htole16(type),
		.op = htole16(op),
		.buf_alloc = htole32(65536),
	};
	return h;
}

/* Guest v sends h and payload, the payload split over nsplit buffers. */
static void send_raw(int v, const struct virtio_vsock_hdr *h,
		     const void *pay, size_t len, unsigned int nsplit)
{
	struct gring *g = &tx[v];
	uint16_t head = g->next_desc % NUM, i = head;
	uint64_t b = g_alloc(sizeof(*h) + len);
	size_t off = 0;
	unsigned int k;

	memcpy(g_ptr(b), h, sizeof(*h));
	if (len)
		memcpy(g_ptr(b + sizeof(*h)), pay, len);
	g_desc(g, i, b, sizeof(*h), len ? VRING_DESC_F_NEXT : 0, (i + 1) % NUM);
	for (k = 0; k < nsplit && len; k++) {
		size_t n = k == nsplit - 1 ? len - off : len / nsplit;

		i = (i + 1) % NUM;
		g_desc(g, i, b + sizeof(*h) + off, n,
		       k == nsplit - 1 ? 0 : VRING_DESC_F_NEXT, (i + 1) % NUM);
		off += n;
	}
	g->next_desc = i + 1;
	g_publish(g, head);
	vhd_vm_tx_kick(&vms[v]);
	pump();
}

static void send_op(int v, uint32_t sport, uint32_t dport, uint16_t type,
		    uint16_t op, uint32_t flags)
{
	struct virtio_vsock_hdr h = mkhdr(v, 2, sport, dport, type, op, 0);

	h.flags = htole32(flags);
	send_raw(v, &h, NULL, 0, 0);
}

static int listen_at(const char *name, int type)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, type, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", dir, name);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(fd, 16))
		exit(99);
	return fd;
}

static int connect_type(const char *name, int type)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, type, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", dir, name);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		exit(99);
	return fd;
}

static int connect_at(const char *name)
{
	return connect_type(name, SOCK_STREAM);
}

static FILE *log_file;
static int saved_stderr = -1;

/* Catch what the daemon logs at -v, until log_end(). */
static void log_begin(void)
{
	fflush(stderr);
	log_file = tmpfile();
	saved_stderr = dup(STDERR_FILENO);
	if (!log_file || saved_stderr < 0 ||
	    dup2(fileno(log_file), STDERR_FILENO) < 0)
		exit(99);
	d.verbose = 1;
}

/* The first line logged since log_begin(), without its newline. */
static const char *log_end(void)
{
	static char line[256];

	fflush(stderr);
	d.verbose = 0;
	if (dup2(saved_stderr, STDERR_FILENO) < 0)
		exit(99);
	close(saved_stderr);
	rewind(log_file);
	if (!fgets(line, sizeof(line), log_file))
		line[0] = '\0';
	line[strcspn(line, "\n")] = '\0';
	fclose(log_file);
	return line;
}

/* @got is @want; say both if not. */
static void t_log(const char *got, const char *want, const char *name)
{
	t_ok(!strcmp(got, want), "%s: logs '%s'%s%s%s", name, want,
	     strcmp(got, want) ? " (got '" : "", strcmp(got, want) ? got : "",
	     strcmp(got, want) ? "')" : "");
}

static bool is_op(const struct virtio_vsock_hdr *h, uint16_t op)
{
	return le16toh(h->op) == op;
}

/* Guest 0 connects to host port; returns the accepted host socket. */
static int guest_connect(int lfd, uint32_t gport, uint32_t hport, uint16_t type)
{
	struct virtio_vsock_hdr h;

	send_op(0, gport, hport, type, VIRTIO_VSOCK_OP_REQUEST, 0);
	if (recv_pkt(0, &h, NULL, 0) != 0 || !is_op(&h, VIRTIO_VSOCK_OP_RESPONSE))
		return -1;
	return accept(lfd, NULL, NULL);
}

static void fill(uint8_t *p, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 31 + seed);
}

static ssize_t read_all(int fd, uint8_t *p, size_t n)
{
	size_t done = 0;
	ssize_t r;

	while (done < n) {
		r = recv(fd, p + done, n - done, MSG_DONTWAIT);
		if (r <= 0)
			break;
		done += r;
	}
	return done;
}

static void test_connect_and_data(void)
{
	static uint8_t out[20000], in[20000];
	struct virtio_vsock_hdr h;
	int lfd = listen_at("vm3_1000", SOCK_STREAM), fd;
	uint32_t gport = next_port++, used_len;
	size_t got;
	int n;

	send_op(0, gport, 999, VIRTIO_VSOCK_TYPE_STREAM, VIRTIO_VSOCK_OP_REQUEST, 0);
	t_ok(recv_pkt(0, &h, NULL, 0) == 0 && is_op(&h, VIRTIO_VSOCK_OP_RST) &&
	     le32toh(h.dst_port) == gport && le32toh(h.src_port) == 999,
	     "REQUEST to a port nobody listens on: RST");

	fd = guest_connect(lfd, gport, 1000, VIRTIO_VSOCK_TYPE_STREAM);
	t_ok(fd >= 0, "REQUEST: RESPONSE and the host listener accepts");

	fill(out, 10000, 1);
	h = mkhdr(0, 2, gport, 1000, VIRTIO_VSOCK_TYPE_STREAM,
		  VIRTIO_VSOCK_OP_RW, 10000);
	send_raw(0, &h, out, 10000, 7);
	t_ok(read_all(fd, in, sizeof(in)) == 10000 && !memcmp(in, out, 10000),
	     "RW of 10000 bytes in 8 descriptors reaches the host intact");
	while (g_used(&tx[0], &used_len) >= 0)
		;
	t_ok(le16toh(((struct vring_used *)g_ptr(tx[0].used))->idx) ==
	     tx[0].avail_idx, "every TX chain was given back");

	fill(out, 9000, 2);
	t_ok(write(fd, out, 9000) == 9000, "host writes 9000 bytes");
	pump();
	got = 0;
	while ((n = recv_pkt(0, &h, in + got, sizeof(in) - got)) >= 0) {
		if (!is_op(&h, VIRTIO_VSOCK_OP_RW))
			continue;
		got += n;
	}
	t_ok(got == 9000 && !memcmp(in, out, 9000),
	     "guest gets them in 4 KiB buffers, intact");

	send_op(0, gport, 1000, VIRTIO_VSOCK_TYPE_STREAM,
		VIRTIO_VSOCK_OP_SHUTDOWN, 3);
	t_ok(recv_pkt(0, &h, NULL, 0) == 0 && is_op(&h, VIRTIO_VSOCK_OP_RST),
	     "SHUTDOWN both ways: RST completes the close");
	t_ok(read(fd, in, 1) == 0, "host sees end of file");
	t_ok(!vhd_conn_lookup(&vms[0], gport, 1000), "connection is gone");
	close(fd);
	close(lfd);
}

static void test_credit(void)
{
	static uint8_t out[5000], in[5000];
	struct virtio_vsock_hdr h, h2;
	int lfd = listen_at("vm3_1001", SOCK_STREAM), fd;
	uint32_t gport = next_port++;
	int n, got = 0, req = 0;

	/* The guest has 1000 bytes of buffer. */
	h = mkhdr(0, 2, gport, 1001, VIRTIO_VSOCK_TYPE_STREAM,
		  VIRTIO_VSOCK_OP_REQUEST, 0);
	h.buf_alloc = htole32(1000);
	send_raw(0, &h, NULL, 0, 0);
	recv_pkt(0, &h, NULL, 0);
	fd = accept(lfd, NULL, NULL);
	fill(out, 5000, 3);
	if (write(fd, out, 5000) != 5000)
		exit(99);
	pump();
	while ((n = recv_pkt(0, &h, in + got, sizeof(in) - got)) >= 0) {
		if (is_op(&h, VIRTIO_VSOCK_OP_RW))
			got += n;
		req += is_op(&h, VIRTIO_VSOCK_OP_CREDIT_REQUEST);
	}
	t_ok(got == 1000 && req == 1,
	     "guest credit 1000: 1000 bytes, then a CREDIT_REQUEST (%d)", got);

	h = mkhdr(0, 2, gport, 1001, VIRTIO_VSOCK_TYPE_STREAM,
		  VIRTIO_VSOCK_OP_CREDIT_UPDATE, 0);
	h.buf_alloc = htole32(1000);
	h.fwd_cnt = htole32(600);
	send_raw(0, &h, NULL, 0, 0);
	while ((n = recv_pkt(0, &h, in + got, sizeof(in) - got)) >= 0)
		if (is_op(&h, VIRTIO_VSOCK_OP_RW))
			got += n;
	t_ok(got == 1600 && !memcmp(in, out, 1600),
	     "CREDIT_UPDATE fwd_cnt 600: 600 more bytes (%d)", got);

	h.fwd_cnt = htole32(0xfffff000);	/* more than was ever sent */
	send_raw(0, &h, NULL, 0, 0);
	while ((n = recv_pkt(0, &h, in + got, sizeof(in) - got)) >= 0)
		if (is_op(&h, VIRTIO_VSOCK_OP_RW))
			got += n;
	t_ok(got == 1600, "a lying fwd_cnt gains no credit");

	send_op(0, gport, 1001, VIRTIO_VSOCK_TYPE_STREAM,
		VIRTIO_VSOCK_OP_CREDIT_REQUEST, 0);
	t_ok(recv_pkt(0, &h, NULL, 0) == 0 &&
	     is_op(&h, VIRTIO_VSOCK_OP_CREDIT_UPDATE) &&
	     le32toh(h.buf_alloc) == d.buf_alloc,
	     "CREDIT_REQUEST: CREDIT_UPDATE with our buf_alloc");

	/* More than our buffer in one go. */
	h = mkhdr(0, 2, gport, 1001, VIRTIO_VSOCK_TYPE_STREAM,
		  VIRTIO_VSOCK_OP_RW, 5000);
	while (recv_pkt(0, &h2, NULL, 0) >= 0)
		;	/* what the new credit let through */
	d.buf_alloc = 4796;
	vhd_conn_lookup(&vms[0], gport, 1001)->buf_alloc = 4796;
	send_raw(0, &h, out, 5000, 1);
	req = 0;
	while (recv_pkt(0, &h, NULL, 0) >= 0)
		req += is_op(&h, VIRTIO_VSOCK_OP_RST);
	t_ok(req == 1 && vms[0].stats.credit_violations == 1,
	     "RW beyond the credit we gave: RST, counted");
	d.buf_alloc = 65536;
	t_ok(read_all(fd, in, sizeof(in)) == 0, "nothing of it reached the host");
	close(fd);
	close(lfd);
}

static uint16_t tx_used_idx(void)
{
	return le16toh(((struct vring_used *)g_ptr(tx[0].used))->idx);
}

/* Payload in 1500 two-byte buffers of one indirect table (> IOV_MAX). */
static void send_indirect(uint32_t gport, uint32_t hport, const uint8_t *pay,
			  size_t len)
{
	uint64_t tbl = g_alloc(16 * (len / 2 + 1)), b = g_alloc(44 + len);
	struct virtio_vsock_hdr h = mkhdr(0, 2, gport, hport,
					  VIRTIO_VSOCK_TYPE_STREAM,
					  VIRTIO_VSOCK_OP_RW, len);
	struct vring_desc *t = g_ptr(tbl);
	uint16_t head = tx[0].next_desc % NUM;
	size_t i;

	memcpy(g_ptr(b), &h, sizeof(h));
	memcpy(g_ptr(b + 44), pay, len);
	g_set_desc(t, 0, b, 44, VRING_DESC_F_NEXT, 1);
	for (i = 0; i < len / 2; i++)
		g_set_desc(t, i + 1, b + 44 + 2 * i, 2,
			   i + 1 < len / 2 ? VRING_DESC_F_NEXT : 0, i + 2);
	g_desc(&tx[0], head, tbl, 16 * (len / 2 + 1), VRING_DESC_F_INDIRECT, 0);
	tx[0].next_desc = head + 1;
	g_publish(&tx[0], head);
	vhd_vm_tx_kick(&vms[0]);
	pump();
}

static void test_long_chains_and_backpressure(void)
{
	static uint8_t out[65536], in[65536];
	int lfd = listen_at("vm3_1002", SOCK_STREAM), fd, sz = 4096;
	uint32_t gport = next_port++;
	struct virtio_vsock_hdr h;
	struct vhd_conn *c;
	uint16_t before;
	int i;

	fd = guest_connect(lfd, gport, 1002, VIRTIO_VSOCK_TYPE_STREAM);
	fill(out, sizeof(out), 7);
	send_indirect(gport, 1002, out, 3000);
	t_ok(read_all(fd, in, sizeof(in)) == 3000 && !memcmp(in, out, 3000),
	     "RW in 1501 indirect descriptors (more than IOV_MAX) arrives intact");

	/* A host socket that takes little: chains wait, unreturned. */
	c = vhd_conn_lookup(&vms[0], gport, 1002);
	setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	before = tx_used_idx();
	for (i = 0; i < 4; i++) {
		h = mkhdr(0, 2, gport, 1002, VIRTIO_VSOCK_TYPE_STREAM,
			  VIRTIO_VSOCK_OP_RW, 16384);
		send_raw(0, &h, out + i * 16384, 16384, 4);
	}
	t_ok((uint16_t)(tx_used_idx() - before) < 4 && !vhd_list_empty(&c->held),
	     "host socket full: TX chains are held, not copied");
	t_ok(read_all(fd, in, sizeof(in)) > 0, "host reads some");
	for (i = 0; i < 100 && !vhd_list_empty(&c->held); i++) {
		pump();
		read_all(fd, in, sizeof(in));
	}
	t_ok((uint16_t)(tx_used_idx() - before) == 4 && vhd_list_empty(&c->held),
	     "as the host drains, every chain is given back");
	t_ok(c->fwd_cnt == 3000 + 65536, "fwd_cnt counts what reached the host");
	while (recv_pkt(0, &h, NULL, 0) >= 0)
		;
	close(fd);
	close(lfd);
	pump();
	while (recv_pkt(0, &h, NULL, 0) >= 0)
		;
}

/*
 * A host program that never reads must not take the guest's TX ring:
 * held chains stop at half of it, the rest is copied and given back, and
 * the guest's other connections go on.
 */
static void test_held_bound(void)
{
	static uint8_t out[40 * 512], in[40 * 512];
	int lfd = listen_at("vm3_1003", SOCK_STREAM), lfd2 = listen_at("vm3_1004", SOCK_STREAM);
	uint32_t gport = next_port++, gport2 = next_port++;
	int fd, fd2, sz = 4096, i;
	struct virtio_vsock_hdr h;
	unsigned long copies = vms[0].stats.held_copies;
	size_t got = 0;
	struct vhd_conn *c;
	uint16_t before;

	fd = guest_connect(lfd, gport, 1003, VIRTIO_VSOCK_TYPE_STREAM);
	c = vhd_conn_lookup(&vms[0], gport, 1003);
	setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	fill(out, sizeof(out), 11);
	before = tx_used_idx();
	for (i = 0; i < 40; i++) {
		h = mkhdr(0, 2, gport, 1003, VIRTIO_VSOCK_TYPE_STREAM,
			  VIRTIO_VSOCK_OP_RW, 512);
		send_raw(0, &h, out + i * 512, 512, 1);
	}
	t_ok(vms[0].held_slots > 0 && vms[0].held_slots <= NUM / 2,
	     "a host socket that never reads holds at most half of the TX ring (%u of %u descriptors)",
	     vms[0].held_slots, NUM);
	t_ok((uint16_t)(tx_used_idx() - before) >= 40 - NUM / 4 &&
	     vms[0].stats.held_copies > copies,
	     "the rest of its packets are copied and their chains given back (%u of 40)",
	     (uint16_t)(tx_used_idx() - before));

	fd2 = guest_connect(lfd2, gport2, 1004, VIRTIO_VSOCK_TYPE_STREAM);
	h = mkhdr(0, 2, gport2, 1004, VIRTIO_VSOCK_TYPE_STREAM, VIRTIO_VSOCK_OP_RW, 1000);
	send_raw(0, &h, out, 1000, 2);
	t_ok(fd2 >= 0 && read_all(fd2, in, sizeof(in)) == 1000 && !memcmp(in, out, 1000),
	     "meanwhile another connection of the guest connects and sends");

	for (i = 0; i < 200 && got < sizeof(out); i++) {
		ssize_t r = read_all(fd, in + got, sizeof(in) - got);

		got += r > 0 ? (size_t)r : 0;
		pump();
	}
	t_ok(got == sizeof(out) && !memcmp(in, out, sizeof(out)),
	     "as the host drains, held and copied packets arrive in order, intact");
	t_ok(!vms[0].held_slots && !vms[0].held_copy_bytes &&
	     (uint16_t)(tx_used_idx() - before) == 40 + 2,
	     "every chain is given back and every copy freed");
	while (recv_pkt(0, &h, NULL, 0) >= 0)
		;
	close(fd);
	close(fd2);
	close(lfd);
	close(lfd2);
	pump();
	while (recv_pkt(0, &h, NULL, 0) >= 0)
		;
}

static void test_bad_packets(void)
{
	static uint8_t buf[100];
	struct vhd_stats *s = &vms[0].stats;
	struct virtio_vsock_hdr h;
	unsigned long bad = s->bad_pkts;
	struct vring_desc *t = g_ptr(tx[0].desc);
	uint16_t head;

	h = mkhdr(0, 2, 5, 1000, VIRTIO_VSOCK_TYPE_STREAM,
		  VIRTIO_VSOCK_OP_RW, 50);
	send_raw(0, &h, buf, 47, 1);
	t_ok(recv_pkt(0, &h, NULL, 0) == 0 && is_op(&h, VIRTIO_VSOCK_OP_RST) &&
	     s->bad_pkts == bad + 1, "header length != payload length: RST");
	h = mkhdr(0, 2, 5, 1000, VIRTIO_VSOCK_TYPE_STREAM, 47, 0);
	send_raw(0, &h, NULL, 0, 0);
	t_ok(recv_pkt(0, &h, NULL, 0) == 0 && is_op(&h, VIRTIO_VSOCK_OP_RST),
	     "unknown op: RST");
	h = mkhdr(0, 2, 5, 1000, 7, VIRTIO_VSOCK_OP_REQUEST, 0);
	send_raw(0, &h, NULL, 0, 0);
	t_ok(recv_pkt(0, &h, NULL, 0) == 0 && is_op(&h, VIRTIO_VSOCK_OP_RST),
	     "unknown socket type: RST");
	h = mkhdr(0, 2, 5, 1000, VIRTIO_VSOCK_TYPE_STREAM,
		  VIRTIO_VSOCK_OP_REQUEST, 0);
	h.src_cid = htole64(77);
	send_raw(0, &h, NULL, 0, 0);
	t_ok(recv_pkt(0, &h, NULL, 0) < 0 && s->bad_pkts == bad + 4,
	     "spoofed source CID: dropped, counted");
	h = mkhdr(0, 2, 5, 1000, VIRTIO_VSOCK_TYPE_STREAM,
		  VIRTIO_VSOCK_OP_RW, 100);
	send_raw(0, &h, buf, 100, 3);
	t_ok(recv_pkt(0, &h, NULL, 0) == 0 && is_op(&h, VIRTIO_VSOCK_OP_RST) &&
	     s->unknown_conn == 1, "RW for no connection: RST");
	h = mkhdr(0, 2, 5, 1000, VIRTIO_VSOCK_TYPE_STREAM,
		  VIRTIO_VSOCK_OP_RST, 0);
	send_raw(0, &h, NULL, 0, 0);
	t_ok(recv_pkt(0, &h, NULL, 0) < 0, "RST for no connection: silence");
	h = mkhdr(0, 99, 5, 1000, VIRTIO_VSOCK_TYPE_STREAM,
		  VIRTIO_VSOCK_OP_REQUEST, 0);
	send_raw(0, &h, NULL, 0, 0);
	t_ok(recv_pkt(0, &h, NULL, 0) == 0 && is_op(&h, VIRTIO_VSOCK_OP_RST) &&
	     le64toh(h.src_cid) == 99, "unknown destination CID: RST from it");

	/* A header shorter than 44 bytes, and a loop. */
	head = tx[0].next_desc % NUM;
	g_desc(&tx[0], head, G_BASE + G_DATA, 20, 0, 0);
	g_publish(&tx[0], head);
	g_desc(&tx[0], (head + 1) % NUM, G_BASE + G_DATA, 20,
	       VRING_DESC_F_NEXT, (head + 1) % NUM);
	g_publish(&tx[0], (head + 1) % NUM);
	tx[0].next_desc = head + 2;
	vhd_vm_tx_kick(&vms[0]);
	pump();
	t_ok(s->bad_pkts == bad + 5 && s->bad_chains == 1,
	     "short header and descriptor loop: counted");
	(void)t;
	send_op(0, 6, 999, VIRTIO_VSOCK_TYPE_STREAM, VIRTIO_VSOCK_OP_REQUEST, 0);
	t_ok(recv_pkt(0, &h, NULL, 0) == 0 && is_op(&h, VIRTIO_VSOCK_OP_RST),
	     "and the queue still works");
	while (g_used(&tx[0], NULL) >= 0)
		;
	t_ok(le16toh(((struct vring_used *)g_ptr(tx[0].used))->idx) ==
	     tx[0].avail_idx, "bad chains were given back too");
}

static void test_seqpacket(void)
{
	static uint8_t out[300], in[470], big[10000], bigin[12000];
	int got, pkts, eom;
	struct virtio_vsock_hdr h;
	int lfd = listen_at("vm3_2000", SOCK_SEQPACKET), fd;
	uint32_t gport = next_port++;
	ssize_t n;

	fd = guest_connect(lfd, gport, 2000, VIRTIO_VSOCK_TYPE_SEQPACKET);
	t_ok(fd >= 0, "seqpacket REQUEST reaches a SOCK_SEQPACKET listener");
	fill(out, 300, 4);
	h = mkhdr(0, 2, gport, 2000, VIRTIO_VSOCK_TYPE_SEQPACKET,
		  VIRTIO_VSOCK_OP_RW, 100);
	send_raw(0, &h, out, 100, 2);
	t_ok(recv(fd, in, sizeof(in), MSG_DONTWAIT) < 0,
	     "no message before EOM");
	h.len = htole32(50);
	h.flags = htole32(VIRTIO_VSOCK_SEQ_EOM);
	send_raw(0, &h, out + 100, 50, 1);
	n = recv(fd, in, sizeof(in), MSG_DONTWAIT);
	t_ok(n == 150 && !memcmp(in, out, 150),
	     "two fragments, EOM on the last: one 150-byte message");
	t_ok(send(fd, out, 300, 0) == 300, "host sends a 300-byte message");
	pump();
	n = recv_pkt(0, &h, in, sizeof(in));
	t_ok(n == 300 && !memcmp(in, out, 300) &&
	     (le32toh(h.flags) & VIRTIO_VSOCK_SEQ_EOM),
	     "guest gets it whole with EOM");

	/* Larger than one RX buffer: one recvmsg, several buffers. */
	fill(big, sizeof(big), 6);
	t_ok(send(fd, big, sizeof(big), 0) == sizeof(big) &&
	     send(fd, out, 10, 0) == 10, "host sends 10000 then 10 bytes");
	pump();
	got = pkts = eom = 0;
	while ((n = recv_pkt(0, &h, bigin + got, sizeof(bigin) - got)) >= 0) {
		got += n;
		pkts++;
		if (le32toh(h.flags) & VIRTIO_VSOCK_SEQ_EOM)
			eom = eom * 100 + pkts;
	}
	t_ok(got == sizeof(big) + 10 && pkts == 4 && eom == 304 &&
	     !memcmp(bigin, big, sizeof(big)) &&
	     !memcmp(bigin + sizeof(big), out, 10),
	     "10000 bytes in 3 packets with EOM on the third, then 10 (%d %d %d)",
	     got, pkts, eom);
	close(fd);
	pump();
	while (recv_pkt(0, &h, NULL, 0) >= 0)
		;
	close(lfd);
}

/* A host program asks vm3 for @port: its socket; the guest's packet in @h. */
static int host_request(uint32_t port, struct virtio_vsock_hdr *h, int *n)
{
	char req[32];
	int fd = connect_at("vm3"), len;

	len = snprintf(req, sizeof(req), "CONNECT %u\n", port);
	if (write(fd, req, len) != len)
		exit(99);
	pump();
	*n = recv_pkt(0, h, NULL, 0);
	return fd;
}

static void test_host_connect(void)
{
	struct virtio_vsock_hdr h;
	char line[32];
	uint32_t hport;
	int fd, n;

	fd = host_request(5555, &h, &n);
	hport = le32toh(h.src_port);
	t_ok(n == 0 && is_op(&h, VIRTIO_VSOCK_OP_REQUEST) &&
	     le32toh(h.dst_port) == 5555 && le64toh(h.src_cid) == 2,
	     "CONNECT 5555: guest gets a REQUEST for port 5555");
	h = mkhdr(0, 2, 5555, hport, VIRTIO_VSOCK_TYPE_STREAM,
		  VIRTIO_VSOCK_OP_RESPONSE, 0);
	send_raw(0, &h, NULL, 0, 0);
	n = read(fd, line, sizeof(line) - 1);
	line[n > 0 ? n : 0] = 0;
	snprintf((char *)g_ptr(G_BASE + G_DATA), 32, "OK %u\n", hport);
	t_ok(!strcmp(line, (char *)g_ptr(G_BASE + G_DATA)),
	     "RESPONSE: host reads \"OK <hostport>\"");
	close(fd);
	pump();
	n = recv_pkt(0, &h, NULL, 0);
	t_ok(n == 0 && is_op(&h, VIRTIO_VSOCK_OP_SHUTDOWN) &&
	     le32toh(h.flags) == VIRTIO_VSOCK_SHUTDOWN_SEND,
	     "host closes: guest gets SHUTDOWN (no more data)");
	send_op(0, 5555, hport, VIRTIO_VSOCK_TYPE_STREAM, VIRTIO_VSOCK_OP_RST, 0);
	t_ok(!vhd_conn_lookup(&vms[0], 5555, hport), "guest's RST frees it");

	fd = connect_at("vm3");
	if (write(fd, "CONNECT 12x\n", 12) != 12)
		exit(99);
	log_begin();
	pump();
	t_log(log_end(), "vsock-zc-vhostd: cid 3: host SOCK_STREAM \"CONNECT 12x\" "
	      "refused: bad line (want \"CONNECT PORT\")", "CONNECT 12x");
	n = read(fd, line, sizeof(line));
	t_ok(n == 0 && recv_pkt(0, &h, NULL, 0) < 0,
	     "CONNECT with a bad port: closed, guest sees nothing");
	close(fd);
	pump();

	/* The guest answers RST: nothing listens on the port. */
	fd = host_request(5559, &h, &n);
	hport = le32toh(h.src_port);
	log_begin();
	send_op(0, 5559, hport, VIRTIO_VSOCK_TYPE_STREAM, VIRTIO_VSOCK_OP_RST, 0);
	t_log(log_end(), "vsock-zc-vhostd: cid 3: host SOCK_STREAM \"CONNECT 5559\" "
	      "refused: the guest refused the port (does anything listen on it?)",
	      "guest's RST to a REQUEST");
	t_ok(n == 0 && read(fd, line, sizeof(line)) == 0,
	     "guest's RST to a REQUEST: the host socket is closed");
	close(fd);
	pump();
}

/* A host program connects over SOCK_SEQPACKET on PATH.seqpacket. */
static void test_host_connect_seqpacket(void)
{
	static uint8_t big[10000], in[12000], out[300];
	struct virtio_vsock_hdr h;
	int fd, n, got, pkts, eom, eor, bad;
	char line[32], want[32];
	uint32_t hport;

	fd = connect_type("vm3.seqpacket", SOCK_SEQPACKET);
	if (send(fd, "CONNECT 5556", 12, 0) != 12)
		exit(99);
	pump();
	n = recv_pkt(0, &h, NULL, 0);
	hport = le32toh(h.src_port);
	t_ok(n == 0 && is_op(&h, VIRTIO_VSOCK_OP_REQUEST) &&
	     le16toh(h.type) == VIRTIO_VSOCK_TYPE_SEQPACKET &&
	     le32toh(h.dst_port) == 5556,
	     "seqpacket CONNECT 5556 (one message, no newline): SEQPACKET REQUEST");
	h = mkhdr(0, 2, 5556, hport, VIRTIO_VSOCK_TYPE_SEQPACKET,
		  VIRTIO_VSOCK_OP_RESPONSE, 0);
	send_raw(0, &h, NULL, 0, 0);
	n = recv(fd, line, sizeof(line) - 1, MSG_DONTWAIT);
	line[n > 0 ? n : 0] = 0;
	snprintf(want, sizeof(want), "OK %u\n", hport);
	t_ok(!strcmp(line, want), "RESPONSE: one message \"OK <hostport>\\n\"");

	/* Host to guest: 300 bytes, 10000 (3 RX buffers), empty, 10. */
	fill(out, sizeof(out), 8);
	fill(big, sizeof(big), 9);
	if (send(fd, out, 300, 0) != 300 || send(fd, big, 10000, 0) != 10000 ||
	    send(fd, "", 0, 0) != 0 || send(fd, out, 10, MSG_EOR) != 10)
		exit(99);
	pump();
	got = pkts = eom = eor = bad = 0;
	while ((n = recv_pkt(0, &h, in + got, sizeof(in) - got)) >= 0) {
		uint32_t f = le32toh(h.flags);

		if (!is_op(&h, VIRTIO_VSOCK_OP_RW) ||
		    le16toh(h.type) != VIRTIO_VSOCK_TYPE_SEQPACKET) {
			bad++;
			continue;
		}
		got += n;
		pkts++;
		if (f & VIRTIO_VSOCK_SEQ_EOM)
			eom = eom * 10 + pkts;
		eor += !!(f & VIRTIO_VSOCK_SEQ_EOR);
	}
	t_ok(got == 10310 && pkts == 5 && eom == 145 && eor == 3 && !bad &&
	     !memcmp(in, out, 300) && !memcmp(in + 300, big, 10000) &&
	     !memcmp(in + 10300, out, 10),
	     "guest gets 300, 10000 in 3 packets, 10: EOM+EOR ending each, "
	     "the empty message dropped (%d %d %d %d)", got, pkts, eom, eor);

	/* Guest to host: two fragments, EOM|EOR on the second. */
	h = mkhdr(0, 2, 5556, hport, VIRTIO_VSOCK_TYPE_SEQPACKET,
		  VIRTIO_VSOCK_OP_RW, 100);
	send_raw(0, &h, big, 100, 2);
	t_ok(recv(fd, in, sizeof(in), MSG_DONTWAIT) < 0, "no message before EOM");
	h.len = htole32(7000);
	h.flags = htole32(VIRTIO_VSOCK_SEQ_EOM | VIRTIO_VSOCK_SEQ_EOR);
	send_raw(0, &h, big + 100, 7000, 3);
	h.len = htole32(5);
	h.flags = htole32(VIRTIO_VSOCK_SEQ_EOM);
	send_raw(0, &h, out, 5, 1);
	n = recv(fd, in, sizeof(in), MSG_DONTWAIT);
	t_ok(n == 7100 && !memcmp(in, big, 7100) &&
	     recv(fd, in, sizeof(in), MSG_DONTWAIT) == 5 && !memcmp(in, out, 5),
	     "guest's 2-fragment message and the next: two host messages (%d)", n);

	shutdown(fd, SHUT_WR);
	pump();
	n = recv_pkt(0, &h, NULL, 0);
	t_ok(n == 0 && is_op(&h, VIRTIO_VSOCK_OP_SHUTDOWN) &&
	     le32toh(h.flags) == VIRTIO_VSOCK_SHUTDOWN_SEND,
	     "host shuts down: SHUTDOWN, not an empty message");
	send_op(0, 5556, hport, VIRTIO_VSOCK_TYPE_SEQPACKET,
		VIRTIO_VSOCK_OP_RST, 0);
	close(fd);

	/* A guest that did not negotiate VIRTIO_VSOCK_F_SEQPACKET. */
	vms[0].acked_features = 0;
	fd = connect_type("vm3.seqpacket", SOCK_SEQPACKET);
	if (send(fd, "CONNECT 5557\n", 13, 0) != 13)
		exit(99);
	log_begin();
	pump();
	t_log(log_end(), "vsock-zc-vhostd: cid 3: host SOCK_SEQPACKET \"CONNECT 5557\" "
	      "refused: the guest did not negotiate SOCK_SEQPACKET "
	      "(VIRTIO_VSOCK_F_SEQPACKET)", "seqpacket CONNECT, not negotiated");
	t_ok(recv(fd, line, sizeof(line), 0) == 0 && recv_pkt(0, &h, NULL, 0) < 0,
	     "without VIRTIO_VSOCK_F_SEQPACKET: closed, guest sees nothing");
	close(fd);
	vms[0].acked_features = 1ull << VIRTIO_VSOCK_F_SEQPACKET;

	fd = connect_type("vm3.seqpacket", SOCK_SEQPACKET);
	memset(big, 'x', 100);
	memcpy(big, "CONNECT 5558", 12);
	if (send(fd, big, 100, 0) != 100)
		exit(99);
	pump();
	t_ok(recv(fd, line, sizeof(line), 0) == 0 && recv_pkt(0, &h, NULL, 0) < 0,
	     "an over-long CONNECT message: closed");
	close(fd);
	pump();
}

static void test_siblings(void)
{
	static uint8_t out[10000], in[10000];
	struct virtio_vsock_hdr h, h2;
	int n, got = 0, pkts = 0;
	uint16_t used_before = le16toh(((struct vring_used *)g_ptr(tx[0].used))->idx);

	h = mkhdr(0, 4, 77, 88, VIRTIO_VSOCK_TYPE_STREAM,
		  VIRTIO_VSOCK_OP_REQUEST, 0);
	send_raw(0, &h, NULL, 0, 0);
	t_ok(recv_pkt(1, &h2, NULL, 0) == 0 && !memcmp(&h, &h2, sizeof(h)),
	     "guest 3 to guest 4: REQUEST arrives unchanged");
	fill(out, 10000, 5);
	h = mkhdr(0, 4, 77, 88, VIRTIO_VSOCK_TYPE_SEQPACKET,
		  VIRTIO_VSOCK_OP_RW, 10000);
	h.flags = htole32(VIRTIO_VSOCK_SEQ_EOM);
	send_raw(0, &h, out, 10000, 3);
	while ((n = recv_pkt(1, &h2, in + got, sizeof(in) - got)) >= 0) {
		got += n;
		pkts++;
		if (got < 10000 && le32toh(h2.flags))
			break;
	}
	t_ok(got == 10000 && pkts == 3 && !memcmp(in, out, 10000) &&
	     le32toh(h2.flags) == VIRTIO_VSOCK_SEQ_EOM,
	     "10000 bytes arrive in 3 packets, EOM only on the last");
	t_ok(le16toh(((struct vring_used *)g_ptr(tx[0].used))->idx) ==
	     (uint16_t)(used_before + 2), "sender's chains given back after the copy");

	vms[1].vq[VHD_RXQ].enabled = false;
	h = mkhdr(0, 4, 78, 88, VIRTIO_VSOCK_TYPE_STREAM,
		  VIRTIO_VSOCK_OP_REQUEST, 0);
	send_raw(0, &h, NULL, 0, 0);
	t_ok(recv_pkt(0, &h, NULL, 0) == 0 && is_op(&h, VIRTIO_VSOCK_OP_RST),
	     "sibling without a running RX queue: RST");
	vms[1].vq[VHD_RXQ].enabled = true;
}

static void test_reset(void)
{
	int lfd = listen_at("vm3_3000", SOCK_STREAM), fd;
	char c;

	fd = guest_connect(lfd, next_port++, 3000, VIRTIO_VSOCK_TYPE_STREAM);
	vhd_vm_reset_conns(&vms[0]);
	t_ok(fd >= 0 && read(fd, &c, 1) == 0,
	     "device reset closes host connections");
	close(fd);
	close(lfd);
}

/* Guest 0 sends h and payload, the bytes cut into descriptors of lens[]. */
static void send_cut(const struct virtio_vsock_hdr *h, const void *pay,
		     const uint32_t *lens, unsigned int n)
{
	struct gring *g = &tx[0];
	uint16_t head = g->next_desc % NUM, i = head;
	uint32_t len = le32toh(h->len), off = 0;
	uint64_t b = g_alloc(sizeof(*h) + len);
	unsigned int k;

	memcpy(g_ptr(b), h, sizeof(*h));
	memcpy(g_ptr(b + sizeof(*h)), pay, len);
	for (k = 0; k < n; k++) {
		g_desc(g, i, b + off, lens[k], k + 1 < n ? VRING_DESC_F_NEXT : 0,
		       (i + 1) % NUM);
		off += lens[k];
		if (k + 1 < n)
			i = (i + 1) % NUM;
	}
	g->next_desc = i + 1;
	g_publish(g, head);
	vhd_vm_tx_kick(&vms[0]);
	pump();
}

/* A fresh RX ring for guest 0: the chain of lens[] (flags[]), then a pair. */
static void rx_post_cut(const uint32_t *lens, const uint16_t *flags,
			unsigned int n)
{
	struct vhd_vq *vq = &vms[0].vq[VHD_RXQ];
	uint64_t b = g_alloc(70000 + 4796);
	unsigned int k;

	g_ring_init(&rx[0], vq, 0, NUM, true, true);
	vq->last_avail = 0;
	for (k = 0; k < n; k++)
		g_desc(&rx[0], k, b + (k ? 2048 * k : 0), lens[k],
		       flags[k] | (k + 1 < n ? VRING_DESC_F_NEXT : 0), k + 1);
	g_publish(&rx[0], 0);
	b += 70000;
	g_desc(&rx[0], n, b, VHD_HDR_LEN, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT,
	       n + 1);
	g_desc(&rx[0], n + 1, b + VHD_HDR_LEN, 4796 - VHD_HDR_LEN,
	       VRING_DESC_F_WRITE, 0);
	g_publish(&rx[0], n);
	vhd_vm_rx_kick(&vms[0]);
}

/* What each device refuses: a TX chain, then an RX buffer. */
static const struct {
	const char *name;
	uint32_t tx[4];			/* descriptor lengths, 0 ends */
	uint32_t tx_len;		/* payload */
	uint32_t rx[3];
	uint16_t rx_flags[3];
} refused[] = {
	/* beyond UIO_MAXIOV descriptors (tx_len / 2 + 1, indirect) */
	{ "vhost-vsock", { 0 }, 2200, { 44, 4000 }, { 0, VRING_DESC_F_WRITE } },
	{ "firecracker", { 0 }, 600, { 44, 4000 }, { 0, VRING_DESC_F_WRITE } },
	{ "cloud-hypervisor", { 20, 24, 100 }, 100, { 44, 2000, 2000 },
	  { VRING_DESC_F_WRITE, VRING_DESC_F_WRITE, VRING_DESC_F_WRITE } },
	{ "libkrun", { 94, 50 }, 100, { 20, 4000 },
	  { VRING_DESC_F_WRITE, VRING_DESC_F_WRITE } },
	{ "vhost-device-vsock", { 44, 40, 30, 30 }, 100, { 44, 70000 },
	  { VRING_DESC_F_WRITE, VRING_DESC_F_WRITE } },
};

/* The log lines, as tests/expected/vsock-zc-vhostd/strict-log pins them. */
static void t_strict_log(const char *lines)
{
	char path[512], want[4096];
	const char *src = getenv("srcdir");
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/tests/expected/vsock-zc-vhostd/strict-log",
		 src ? src : ".");
	f = fopen(path, "r");
	n = f ? fread(want, 1, sizeof(want) - 1, f) : 0;
	want[n] = '\0';
	if (f)
		fclose(f);
	if (getenv("EXPECT_WRITE") && (f = fopen(path, "w"))) {
		fputs(lines, f);
		fclose(f);
	}
	t_ok(!strcmp(want, lines), "--strict refusals log as %s says%s%s", path,
	     strcmp(want, lines) ? ":\n# " : "", strcmp(want, lines) ? lines : "");
}

static void test_strict(void)
{
	static uint8_t out[4096], in[4096];
	static char logs[4096];
	struct vhd_stats *s = &vms[0].stats;
	int lfd = listen_at("vm3_4000", SOCK_STREAM), fd;
	uint32_t gport = next_port++, used_len;
	const uint32_t good[] = { 44, 100 };
	struct virtio_vsock_hdr h;
	unsigned int i, k;
	unsigned long bad;
	uint16_t before;
	int head;

	fd = guest_connect(lfd, gport, 4000, VIRTIO_VSOCK_TYPE_STREAM);
	fill(out, sizeof(out), 11);
	logs[0] = '\0';
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		const char *name = refused[i].name;

		d.strict = vhd_strict_find(name);
		vms[0].strict_logged = false;
		h = mkhdr(0, 2, gport, 4000, VIRTIO_VSOCK_TYPE_STREAM,
			  VIRTIO_VSOCK_OP_RW, 100);
		before = tx_used_idx();
		send_cut(&h, out, good, 2);
		t_ok(d.strict && read_all(fd, in, sizeof(in)) == 100 &&
		     !memcmp(in, out, 100) && tx_used_idx() == before + 1,
		     "%s: header and one data descriptor: accepted", name);

		bad = s->bad_chains;
		before = tx_used_idx();
		log_begin();
		if (!refused[i].tx[0]) {
			send_indirect(gport, 4000, out, refused[i].tx_len);
		} else {
			h.len = htole32(refused[i].tx_len);
			for (k = 0; k < 4 && refused[i].tx[k]; k++)
				;
			send_cut(&h, out, refused[i].tx, k);
		}
		strcat(logs, log_end());
		strcat(logs, "\n");
		t_ok(read_all(fd, in, sizeof(in)) == 0 && s->bad_chains == bad + 1 &&
		     tx_used_idx() == (uint16_t)(before + !d.strict->tx_keep) &&
		     recv_pkt(0, &h, NULL, 0) < 0,
		     "%s: refused TX chain dropped, no RST, %s", name,
		     d.strict->tx_keep ? "not given back" : "given back");

		/* RX: the refused buffer first, then a good one. */
		while (recv_pkt(0, &h, NULL, 0) >= 0)
			;
		for (k = 0; k < 3 && refused[i].rx[k]; k++)
			;
		vms[0].strict_logged = false;
		bad = s->bad_chains;
		log_begin();
		rx_post_cut(refused[i].rx, refused[i].rx_flags, k);
		if (write(fd, out, 10) != 10)
			exit(99);
		pump();
		strcat(logs, log_end());
		strcat(logs, "\n");
		if (d.strict->rx_stop) {
			t_ok(g_used(&rx[0], NULL) < 0 && s->bad_chains == bad + 1,
			     "%s: refused RX buffer kept, RX waits", name);
			vhd_vm_rx_kick(&vms[0]);
			pump();
		} else {
			head = g_used(&rx[0], &used_len);
			t_ok(head == 0 && used_len == 0 && s->bad_chains == bad + 1,
			     "%s: refused RX buffer given back unused", name);
		}
		head = g_used(&rx[0], &used_len);
		t_ok(head == (int)k && used_len == VHD_HDR_LEN + 10,
		     "%s: the next buffer, header + data, gets the packet", name);
	}
	t_strict_log(logs);
	d.strict = NULL;
	g_ring_init(&rx[0], &vms[0].vq[VHD_RXQ], 0, NUM, true, true);
	vms[0].vq[VHD_RXQ].last_avail = 0;
	post_rx(0);
	close(fd);
	pump();
	while (recv_pkt(0, &h, NULL, 0) >= 0)
		;
	close(lfd);
}

int main(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char path[2][128];
	int i;

	program_invocation_short_name = "vsock-zc-vhostd";
	if (!mkdtemp(dir))
		return 99;
	g_mem_init(&mem);
	d.epfd = epoll_create1(0);
	d.vms = vms;
	d.nvms = 2;
	d.buf_alloc = 65536;
	for (i = 0; i < 2; i++) {
		struct vhd_vm *vm = &vms[i];

		vhd_vm_init(&d, vm);
		vm->cid = 3 + i;
		snprintf(path[i], sizeof(path[i]), "%s/vm%d", dir, 3 + i);
		vm->uds_path = path[i];
		vm->mem = mem;
		vm->acked_features = 1ull << VIRTIO_VSOCK_F_SEQPACKET;
		g_ring_init(&rx[i], &vm->vq[VHD_RXQ], 2 * i, NUM, true, true);
		g_ring_init(&tx[i], &vm->vq[VHD_TXQ], 2 * i + 1, NUM, true, true);
		post_rx(i);
	}
	strcpy(sa.sun_path, path[0]);
	vms[0].uds_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (bind(vms[0].uds_fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(vms[0].uds_fd, 4) ||
	    vhd_epoll_add(&d, vms[0].uds_fd, EPOLLIN, &vms[0].uds_ev))
		return 99;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/vm3.seqpacket", dir);
	vms[0].seq_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0);
	if (bind(vms[0].seq_fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(vms[0].seq_fd, 4) ||
	    vhd_epoll_add(&d, vms[0].seq_fd, EPOLLIN, &vms[0].seq_ev))
		return 99;

	printf("1..85\n");
	test_connect_and_data();
	test_credit();
	test_long_chains_and_backpressure();
	test_held_bound();
	test_bad_packets();
	test_seqpacket();
	test_host_connect();
	test_host_connect_seqpacket();
	test_siblings();
	test_strict();
	test_reset();
	if (t_n != 85)
		printf("# planned 85, ran %u\n", t_n);
	for (i = 0; i < 2; i++)
		unlink(path[i]);
	for (i = 0; i < 9; i++) {
		static const char *const names[] = {
			"vm3_1000", "vm3_1001", "vm3_1002", "vm3_2000",
			"vm3_3000", "vm3.seqpacket", "vm3_4000", "vm3_1003",
			"vm3_1004",
		};

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", dir, names[i]);
		unlink(sa.sun_path);
	}
	rmdir(dir);
	return t_failed || t_n != 85 ? EXIT_FAILURE : EXIT_SUCCESS;
}
