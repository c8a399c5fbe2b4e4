// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit test: vsock-zc-vhostd's vhost-user message handling, with a memfd
 * for guest memory and eventfds, as QEMU would send them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vhostd.h"

#define MEMSZ	(1u << 20)
#define UVA	0x10000000ull

static unsigned int t_n, t_failed;
static struct vhd d;
static struct vhd_vm vm;
static uint64_t reply[512];
static uint32_t reply_size;

static void t_ok(int cond, const char *name)
{
	printf("%sok %u - %s\n", cond ? "" : "not ", ++t_n, name);
	if (!cond)
		t_failed++;
}

static int msg(uint32_t req, const void *p, uint32_t size, int *fds,
	       unsigned int nfds)
{
	reply_size = 0;
	return vhd_vu_handle(&vm, req, 1, p, size, fds, nfds, reply,
			     &reply_size);
}

static int msg_u64(uint32_t req, uint64_t v, int fd)
{
	int fds[1] = { fd };
	int ret = msg(req, &v, 8, fds, fd >= 0);

	if (fds[0] >= 0)
		close(fds[0]);	/* not taken */
	return ret;
}

static int msg_state(uint32_t req, uint32_t index, uint32_t num)
{
	uint32_t st[2] = { index, num };

	return msg(req, st, sizeof(st), NULL, 0);
}

static int set_mem(int fd, uint64_t size, unsigned int nfds)
{
	struct {
		uint32_t n, pad;
		uint64_t gpa, size, uva, off;
	} mt = { 1, 0, 0, size, UVA, 0 };
	int fds[1] = { fd };

	return msg(5, &mt, sizeof(mt), fds, nfds);
}

static int set_addr(uint32_t index, uint64_t desc, uint64_t avail,
		    uint64_t used)
{
	struct {
		uint32_t index, flags;
		uint64_t desc, used, avail, log;
	} a = { index, 0, desc, used, avail, 0 };

	return msg(9, &a, sizeof(a), NULL, 0);
}

static void test_handle(void)
{
	uint32_t cfg[5] = { 0, 8, 0 };
	int mfd = memfd_create("guest", 0);

	t_ok(msg(1, NULL, 0, NULL, 0) == 1 && reply_size == 8 &&
	     (reply[0] & (1ull << 32)) && (reply[0] & (1ull << 30)) &&
	     (reply[0] & (1ull << 29)) && (reply[0] & (1ull << 28)) &&
	     (reply[0] & (1ull << 1)),
	     "GET_FEATURES: VERSION_1, PROTOCOL_FEATURES, EVENT_IDX, INDIRECT, SEQPACKET");
	t_ok(msg(15, NULL, 0, NULL, 0) == 1 && (reply[0] & (1ull << 9)) &&
	     (reply[0] & (1ull << 3)), "GET_PROTOCOL_FEATURES: CONFIG, REPLY_ACK");
	t_ok(msg_u64(16, reply[0], -1) == 0 && msg(3, NULL, 0, NULL, 0) == 0,
	     "SET_PROTOCOL_FEATURES, SET_OWNER");
	t_ok(msg_u64(2, (1ull << 32) | (1ull << 30) | (1ull << 29) |
		     (1ull << 28) | 2, -1) == 0 && vm.vq[0].event_idx &&
	     vm.vq[1].indirect, "SET_FEATURES");
	t_ok(msg(24, cfg, 12 + 8, NULL, 0) == 1 && reply_size == 20 &&
	     !memcmp((char *)reply + 12, "\x2a\0\0\0\0\0\0\0", 8),
	     "GET_CONFIG: 8-byte guest CID");
	cfg[0] = 4;
	cfg[1] = 4;
	t_ok(msg(24, cfg, 12 + 4, NULL, 0) == 1 &&
	     !memcmp((char *)reply + 12, "\0\0\0\0", 4),
	     "GET_CONFIG at offset 4");
	cfg[1] = 0x7fffffff;
	t_ok(msg(24, cfg, 12, NULL, 0) < 0, "GET_CONFIG of 2 GiB fails");
	t_ok(msg(24, cfg, 4, NULL, 0) < 0, "GET_CONFIG too short fails");

	if (mfd < 0 || ftruncate(mfd, MEMSZ))
		exit(99);
	t_ok(set_mem(dup(mfd), 2 * MEMSZ, 1) < 0,
	     "SET_MEM_TABLE: region larger than its memfd refused");
	t_ok(set_mem(-1, MEMSZ, 0) < 0, "SET_MEM_TABLE without fd refused");
	t_ok(set_mem(dup(mfd), MEMSZ, 1) == 0 && vm.mem.nregions == 1,
	     "SET_MEM_TABLE with a memfd maps it");

	t_ok(msg_state(8, 0, 100) < 0, "SET_VRING_NUM 100 (not a power of 2)");
	t_ok(msg_state(8, 2, 64) < 0, "vring index 2 refused (QEMU keeps the event queue)");
	t_ok(msg_state(8, 0, 64) == 0 && msg_state(10, 0, 5) == 0,
	     "SET_VRING_NUM 64, SET_VRING_BASE 5");
	t_ok(set_addr(0, UVA + MEMSZ - 512, UVA + 0x1000, UVA + 0x2000) < 0,
	     "SET_VRING_ADDR past guest memory refused");
	t_ok(set_addr(0, UVA, UVA + 0x1000, UVA + 0x2000) == 0,
	     "SET_VRING_ADDR inside guest memory");
	t_ok(msg_u64(13, 0, eventfd(0, 0)) == 0 && vm.vq[0].call_fd >= 0,
	     "SET_VRING_CALL keeps the eventfd");
	t_ok(msg_u64(12, 0, -1) < 0, "SET_VRING_KICK without an fd refused");
	t_ok(msg_u64(12, 0, eventfd(0, 0)) == 0 && vm.vq[0].started &&
	     !vhd_vq_ready(&vm.vq[0]), "SET_VRING_KICK starts, still disabled");
	t_ok(msg_state(18, 0, 1) == 0 && vhd_vq_ready(&vm.vq[0]),
	     "SET_VRING_ENABLE 1: ready");
	t_ok(msg(99, NULL, 0, NULL, 0) == -EOPNOTSUPP, "unknown request refused");
	t_ok(msg_state(11, 0, 0) == 1 && reply[0] == (5ull << 32) &&
	     !vm.vq[0].started && !vhd_vq_ready(&vm.vq[0]),
	     "GET_VRING_BASE stops the ring and returns 5");
	t_ok(msg(4, NULL, 0, NULL, 0) == 0 && vm.mem.nregions == 0 &&
	     vm.vq[0].call_fd < 0, "RESET_OWNER forgets memory and fds");
	close(mfd);
}

/* Whole messages over a socket pair: replies, REPLY_ACK, bad input. */
static void test_wire(void)
{
	struct {
		uint32_t req, flags, size;
		uint64_t u64;
	} __attribute__((packed)) m = { 16, 1, 8, 1ull << 3 }, r;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		exit(99);
	vm.vu_fd = sv[0];
	vhd_epoll_add(&d, sv[0], EPOLLIN, &vm.vu_ev);
	if (write(sv[1], &m, sizeof(m)) != sizeof(m))
		exit(99);
	vhd_vu_event(&vm);
	m.req = 3;		/* SET_OWNER, with NEED_REPLY */
	m.flags = 1 | 8;
	m.size = 0;
	if (write(sv[1], &m, 12) != 12)
		exit(99);
	vhd_vu_event(&vm);
	t_ok(read(sv[1], &r, sizeof(r)) == 20 && r.req == 3 && r.flags == 5 &&
	     r.size == 8 && r.u64 == 0, "NEED_REPLY with REPLY_ACK: ack 0");
	m.req = 1;
	m.flags = 1;
	if (write(sv[1], &m, 12) != 12)
		exit(99);
	vhd_vu_event(&vm);
	t_ok(read(sv[1], &r, sizeof(r)) == 20 && r.req == 1 && r.flags == 5,
	     "GET_FEATURES reply on the wire");
	m.flags = 2;		/* wrong version */
	if (write(sv[1], &m, 12) != 12)
		exit(99);
	vhd_vu_event(&vm);
	t_ok(vm.vu_fd < 0, "bad version: frontend disconnected");
	close(sv[1]);
}

int main(void)
{
	d.epfd = epoll_create1(0);
	d.vms = &vm;
	d.nvms = 1;
	d.buf_alloc = 65536;
	vhd_vm_init(&d, &vm);
	vm.cid = 42;
	vm.vu_path = vm.uds_path = "/nonexistent";
	printf("1..26\n");
	test_handle();
	test_wire();
	if (t_n != 26)
		printf("# planned 26, ran %u\n", t_n);
	return t_failed || t_n != 26 ? EXIT_FAILURE : EXIT_SUCCESS;
}
