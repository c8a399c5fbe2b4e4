// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target for vsock-zc-vhostd: the input becomes guest memory (rings,
 * descriptor tables, packets) of two guests, or a vhost-user message.
 * Host programs listen on host ports 1 (SOCK_STREAM) and 2 (SOCK_SEQPACKET)
 * and answer each connection with data or messages cut from the input.
 * Built with libFuzzer by 'make fuzz'; without it, main() below runs a
 * fixed number of deterministic mutations of a valid input (make check).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "vhostd.h"

#define MEM_SIZE	65536
#define GPA		0x10000ull
#define NUM		16
/* Layout per guest: TX ring at 0, RX ring at 0x800, buffers after. */
#define TX_OFF		0
#define RX_OFF		0x800

static struct vhd d;
static struct vhd_vm vms[2];
static uint8_t *mem[2];
static char dir[96] = "/tmp/vhostd-fuzz.XXXXXX";
static char path[2][128];
static int lfd = -1, lfd_seq = -1;

static void cleanup(void)
{
	char p[160];

	snprintf(p, sizeof(p), "%s/vm3_1", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/vm3_2", dir);
	unlink(p);
	rmdir(dir);
}

static void setup_once(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int i;

	if (d.epfd)
		return;
	/* make fuzz gives a directory: libFuzzer ends without atexit. */
	if (getenv("VHOSTD_FUZZ_DIR"))
		snprintf(dir, sizeof(dir), "%s", getenv("VHOSTD_FUZZ_DIR"));
	else if (!mkdtemp(dir))
		abort();
	atexit(cleanup);
	d.epfd = epoll_create1(0);
	d.vms = vms;
	d.nvms = 2;
	d.buf_alloc = 8192;
	for (i = 0; i < 2; i++) {
		mem[i] = aligned_alloc(4096, MEM_SIZE);
		snprintf(path[i], sizeof(path[i]), "%s/vm%d", dir, 3 + i);
	}
	/* Host port 1 of guest 3 has a listener. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/vm3_1", dir);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 64))
		abort();
	/* Host port 2, SOCK_SEQPACKET. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/vm3_2", dir);
	lfd_seq = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0);
	if (bind(lfd_seq, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(lfd_seq, 64))
		abort();
}

#define MAX_HOST	16
static int host_fd[MAX_HOST];
static unsigned int nhost;

/*
 * Accept what the guests connected and answer: up to three writes (or
 * messages, one of them maybe empty) of 0 to ~16 KiB cut from the input,
 * then maybe a half-close.
 */
static void host_answer(const uint8_t *data, size_t size)
{
	int l, fd;

	for (l = 0; l < 2; l++) {
		while (nhost < MAX_HOST &&
		       (fd = accept4(l ? lfd_seq : lfd, NULL, NULL,
				     SOCK_NONBLOCK)) >= 0) {
			unsigned int k, x = data[(nhost * 7) % size];

			for (k = 0; k < 1 + x % 3; k++) {
				size_t len = (size_t)data[(nhost * 7 + k + 1) %
							  size] * 64;

				if (len > size)
					len = size;
				if (send(fd, data, len,
					 MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
					break;
			}
			if (x & 4)
				shutdown(fd, SHUT_WR);
			host_fd[nhost++] = fd;
		}
	}
}

static void host_close(void)
{
	while (nhost)
		close(host_fd[--nhost]);
}

static void setup_vm(int i, const uint8_t *data, size_t size, uint8_t flags)
{
	struct vhd_vm *vm = &vms[i];
	uint8_t *m = mem[i];
	int q;

	memset(vm, 0, sizeof(*vm));
	vhd_vm_init(&d, vm);
	vm->cid = 3 + i;
	vm->uds_path = path[i];
	vm->acked_features = (flags & 1) << VIRTIO_VSOCK_F_SEQPACKET;
	memset(m, 0, MEM_SIZE);
	memcpy(m, data, size < MEM_SIZE ? size : MEM_SIZE);
	vm->mem.nregions = 2;
	/* Two regions, the second half first, to test the lookup. */
	vm->mem.r[0].gpa = GPA + MEM_SIZE / 2;
	vm->mem.r[0].size = MEM_SIZE / 2;
	vm->mem.r[0].host = m + MEM_SIZE / 2;
	vm->mem.r[1].gpa = GPA;
	vm->mem.r[1].size = MEM_SIZE / 2;
	vm->mem.r[1].host = m;
	for (q = 0; q < 2; q++) {
		struct vhd_vq *vq = &vm->vq[q];
		uint8_t *base = m + (q == VHD_TXQ ? TX_OFF : RX_OFF);

		vq->event_idx = flags & 2;
		vq->indirect = flags & 4;
		vq->enabled = vq->started = true;
		vhd_vq_set_rings(vq, NUM, base, base + 16 * NUM,
				 base + 0x400);
	}
}

static void run_rings(const uint8_t *data, size_t size)
{
	struct epoll_event e;
	int i, fd, n = 0;

	setup_vm(0, data + 1, size - 1, data[0]);
	/* Guest 4's memory: the input again, from its middle. */
	setup_vm(1, data + size / 2, size - size / 2, data[0] >> 3);
	for (i = 0; i < 3; i++) {
		vhd_vm_tx_kick(&vms[0]);
		vhd_vm_tx_kick(&vms[1]);
		while (epoll_wait(d.epfd, &e, 1, 0) == 1 && n++ < 64)
			vhd_dispatch(e.data.ptr, e.events);
		host_answer(data, size);
		while (epoll_wait(d.epfd, &e, 1, 0) == 1 && n++ < 128)
			vhd_dispatch(e.data.ptr, e.events);
		vhd_vm_rx_kick(&vms[0]);
		vhd_vm_rx_kick(&vms[1]);
		vhd_notify_all(&d);
	}
	for (i = 0; i < 2; i++)
		vhd_vm_reset_conns(&vms[i]);
	for (i = 0; i < 2; i++)
		vhd_vm_free_chains(&vms[i]);
	host_close();
	while ((fd = accept(lfd, NULL, NULL)) >= 0)
		close(fd);
	while ((fd = accept(lfd_seq, NULL, NULL)) >= 0)
		close(fd);
}

static void run_message(const uint8_t *data, size_t size)
{
	static uint64_t reply[512];
	uint32_t reply_size = 0, req = data[1];
	int fds[1] = { -1 };

	setup_vm(0, data, size, 7);
	setup_vm(1, data, size, 7);	/* reset_conns looks at siblings */
	vms[0].mem.r[0].uva = 0x1000000;
	vms[0].mem.r[1].uva = 0x2000000;
	vms[0].vu_fd = -1;
	/* No memory-table message: it would map file descriptors. */
	if (req == 5)
		req = 24;
	if (size > 2 + 4096)
		size = 2 + 4096;
	vhd_vu_handle(&vms[0], req, 1, data + 2, size - 2, fds, 0, reply,
		      &reply_size);
	vhd_vm_tx_kick(&vms[0]);
	vhd_vm_reset_conns(&vms[0]);
	vhd_vm_free_chains(&vms[0]);
	vhd_vm_free_chains(&vms[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup_once();
	if (size < 2)
		return 0;
	if (data[0] == 0xff)
		run_message(data, size);
	else
		run_rings(data, size);
	return 0;
}

#ifndef VHOSTD_LIBFUZZER
/* A valid start: guest 3 sends REQUEST then RW to host port 1. */
static size_t seed(uint8_t *in, size_t cap)
{
	static uint64_t mm[0x3000 / 8];
	uint8_t *m = (uint8_t *)mm;
	struct vring_desc *t = (void *)(m + TX_OFF);
	struct vring_avail *a = (void *)(m + TX_OFF + 16 * NUM);
	struct vring_desc *rt = (void *)(m + RX_OFF);
	struct vring_avail *ra = (void *)(m + RX_OFF + 16 * NUM);
	struct virtio_vsock_hdr h = {
		.src_cid = htole64(3), .dst_cid = htole64(2),
		.src_port = htole32(7), .dst_port = htole32(1),
		.type = htole16(1), .op = htole16(1),
		.buf_alloc = htole32(65536),
	};
	unsigned int i;

	memset(in, 0, cap);
	in[0] = 7;
	memcpy(m + 0x1000, &h, sizeof(h));
	h.op = htole16(VIRTIO_VSOCK_OP_RW);
	h.len = htole32(100);
	memcpy(m + 0x1100, &h, sizeof(h));
	t[0] = (struct vring_desc){ GPA + 0x1000, 44, 0, 0 };
	t[1] = (struct vring_desc){ GPA + 0x1100, 44, VRING_DESC_F_NEXT, 2 };
	t[2] = (struct vring_desc){ GPA + 0x1200, 100, 0, 0 };
	a->ring[0] = 0;
	a->ring[1] = 1;
	a->idx = 2;
	for (i = 0; i < 4; i++) {
		rt[i] = (struct vring_desc){ GPA + 0x2000 + i * 0x400, 0x400,
					     VRING_DESC_F_WRITE, 0 };
		ra->ring[i] = i;
	}
	ra->idx = 4;
	memcpy(in + 1, m, sizeof(mm));
	return 1 + sizeof(mm);
}

int main(int argc, char **argv)
{
	static uint8_t base[0x4000], in[0x4000];
	unsigned long runs = argc > 1 ? strtoul(argv[1], NULL, 0) : 3000;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	size_t len = seed(base, sizeof(base));
	unsigned long r;
	FILE *f;
	int k;

	if (argc == 3 && !strcmp(argv[1], "--write-seed")) {
		/* A corpus start for libFuzzer. */
		f = fopen(argv[2], "w");
		if (!f || fwrite(base, 1, len, f) != len || fclose(f))
			return 1;
		return 0;
	}

	for (r = 0; r < runs; r++) {
		memcpy(in, base, len);
		/* A few random byte changes, mostly in the rings. */
		for (k = 0; k < 1 + (int)(r % 8); k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			in[1 + (x >> 8) % (k & 1 ? 0x1300 : 0x900)] = x >> 56;
		}
		if (r % 50 == 49)
			in[0] = 0xff;	/* now and then, a vhost-user message */
		LLVMFuzzerTestOneInput(in, len);
	}
	printf("1..1\nok 1 - %lu deterministic fuzz inputs, no crash\n", runs);
	return 0;
}
#endif
