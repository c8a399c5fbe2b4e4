// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sim-loop DIR: vhost-vsock-sim's guest end and vsock-zc-vhostd's device
 * end of the virtio-vsock protocol in one process, on one guest's rings
 * in this process's memory: no kernel vsock and no VM. Host programs use
 * DIR/host (CONNECT P reaches the guest's DIR/guest_P), the guest's
 * programs DIR/guest (CONNECT P reaches the host's DIR/host_P); both
 * with .seqpacket beside them. SIGTERM ends it, printing both ends'
 * statistics. For tests/cli/vhost-vsock-sim-loop.test.
 */
#include <err.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include "sim.h"

static void listen_both(struct vhd *d, struct vhd_vm *vm, const char *dir,
			const char *name)
{
	if (asprintf(&vm->uds_path, "%s/%s", dir, name) < 0 ||
	    asprintf(&vm->seq_path, "%s/%s.seqpacket", dir, name) < 0)
		err(99, "asprintf");
	vm->uds_fd = vhd_listen_unix(vm->uds_path, SOCK_STREAM, 12);
	vm->seq_fd = vhd_listen_unix(vm->seq_path, SOCK_SEQPACKET, 0);
	if (vm->uds_fd < 0 || vm->seq_fd < 0 ||
	    vhd_epoll_add(d, vm->uds_fd, EPOLLIN, &vm->uds_ev) < 0 ||
	    vhd_epoll_add(d, vm->seq_fd, EPOLLIN, &vm->seq_ev) < 0 ||
	    vhd_epoll_add(d, vm->vq[0].kick_fd, EPOLLIN, &vm->kick[0].ev) < 0 ||
	    vhd_epoll_add(d, vm->vq[1].kick_fd, EPOLLIN, &vm->kick[1].ev) < 0)
		errx(99, "%s: set-up failed", vm->uds_path);
}

static struct sim_guest g;

static void on_signal(struct vhd *d, int signo)
{
	(void)d;
	(void)signo;
}

int main(int argc, char **argv)
{
	struct sim_opts o = {
		.queue_size = 256, .rx_layout = SIM_RX_LINEAR, .rx_buf = 4096,
		.tx_max = VHD_MAX_PKT, .tx_seg = 4096, .tx_slots = 32,
	};
	struct vhd d = { .epfd = -1, .buf_alloc = 256 * 1024, .nvms = 2,
			 .verbose = 1 };
	struct vhd_vm *dev, *gst;
	unsigned int i;
	int sfd, ret;

	if (argc < 2)
		errx(99, "usage: sim-loop DIR [page | linear:BYTES | tx-seg:BYTES]...");
	for (i = 2; i < (unsigned int)argc; i++) {
		if (!strcmp(argv[i], "page"))
			o.rx_layout = SIM_RX_PAGE;
		else if (!strncmp(argv[i], "linear:", 7))
			o.rx_buf = atoi(argv[i] + 7);
		else if (!strncmp(argv[i], "tx-seg:", 7))
			o.tx_seg = atoi(argv[i] + 7);
		else
			errx(99, "%s: unknown", argv[i]);
	}
	d.vms = calloc(2, sizeof(*d.vms));
	if (!d.vms)
		err(99, "calloc");
	dev = &d.vms[0];
	gst = &d.vms[1];
	vhd_vm_init(&d, dev);
	vhd_vm_init(&d, gst);
	dev->cid = gst->cid = 3;
	gst->guest_side = true;
	dev->acked_features = gst->acked_features =
		1ull << VIRTIO_VSOCK_F_SEQPACKET;

	/* The guest: its memory, rings and eventfds, as vhost-vsock-sim's. */
	g.vm = gst;
	g.mem_len = sim_layout(&g, &o, NULL);
	g.mem = aligned_alloc(4096, g.mem_len);
	if (!g.mem)
		err(99, "aligned_alloc");
	memset(g.mem, 0, g.mem_len);
	sim_layout(&g, &o, g.mem);
	for (i = 0; i < 2; i++) {
		g.q[i].event_idx = true;
		g.q[i].kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		g.q[i].call_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		g.q[i].err_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	}
	sim_attach(&g);

	/* The device: the same memory, the same rings, the other ends. */
	dev->mem.nregions = 1;
	dev->mem.r[0].gpa = dev->mem.r[0].uva = (uintptr_t)g.mem;
	dev->mem.r[0].size = g.mem_len;
	dev->mem.r[0].host = g.mem;
	for (i = 0; i < 2; i++) {
		struct vhd_vq *vq = &dev->vq[i];

		vq->event_idx = vq->enabled = vq->started = true;
		if (vhd_vq_set_rings(vq, g.q[i].num, g.q[i].desc,
				     g.q[i].avail, g.q[i].used))
			errx(99, "vhd_vq_set_rings");
		vq->kick_fd = g.q[i].kick_fd;
		vq->call_fd = g.q[i].call_fd;
	}

	sfd = vhd_setup_loop(&d, 0);
	if (sfd < 0)
		return 99;
	listen_both(&d, dev, argv[1], "host");
	listen_both(&d, gst, argv[1], "guest");
	sim_post_rx(&g);
	printf("ready\n");
	fflush(stdout);
	ret = vhd_run(&d, sfd, on_signal);
	vhd_stats_print(dev);
	vhd_stats_print(gst);
	return ret ? 1 : 0;
}
