// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vhost-vsock-sim: simulated guests for /dev/vhost-vsock, so that the
 * kernel's vhost_vsock can be tested with no VM (as tools/virtio's
 * vhost_net_test does for vhost_net). Each guest is one vhost fd and
 * one CID; its connections are bridged to UNIX sockets in the hybrid
 * convention of vsock-zc-vhostd.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>

#include "sim.h"
#include "../common/cli.h"

/* Exit codes: 1 usage and setup, 2 the kernel lacks what we need. */
#define EXIT_SETUP		1
#define EXIT_NOT_SUPPORTED	2

#define SIM_FEATURES	((1ull << VIRTIO_F_VERSION_1) | \
			 (1ull << VIRTIO_RING_F_EVENT_IDX) | \
			 (1ull << VIRTIO_VSOCK_F_SEQPACKET))

static void __attribute__((__noreturn__)) usage(void)
{
	FILE *out = stdout;

	fputs("\nUsage:\n", out);
	fprintf(out, " %s [options] --guest CID:PATH [--guest CID:PATH...]\n",
		program_invocation_short_name);

	fputs("\nSimulated guests for /dev/vhost-vsock: each takes a CID, sets up its\n"
	      "memory and virtqueues as a VMM would and plays the guest's\n"
	      "virtio-vsock driver, so that programs on this host reach it over\n"
	      "AF_VSOCK. The guest's programs are UNIX sockets: a connection to the\n"
	      "guest's port P goes to PATH_P, and one to PATH that writes\n"
	      "\"CONNECT P\\n\" connects from the guest to the host's port P (the\n"
	      "same on PATH.seqpacket for SOCK_SEQPACKET).\n", out);

	fputs("\nOptions:\n", out);
	fputs(" -g, --guest CID:PATH      a guest: its CID (3 or more) and UNIX path\n", out);
	fputs(" -d, --device PATH         the vhost device (default /dev/vhost-vsock)\n", out);
	fputs(" -b, --buf-size BYTES      receive buffer per connection (default 262144)\n", out);
	fputs(" -q, --queue-size N        descriptors per virtqueue, a power of 2\n"
	      "                             (default 256)\n", out);
	fputs(" -r, --rx-buffers LAYOUT   linear[:BYTES] (default linear:4096) or page\n"
	      "                             (a header descriptor plus one page)\n", out);
	fputs("     --tx-max BYTES        largest TX payload (default 65536)\n", out);
	fputs("     --tx-seg BYTES        TX payload per descriptor (default 4096);\n"
	      "                             0: header and payload in one descriptor\n", out);
	fputs("     --tx-slots N          TX chains in flight at most (default 32)\n", out);
	fputs("     --rx-paused           post no RX buffers until SIGUSR2\n", out);
	fputs("     --probe-tx-limit PAYLOAD  send one RW packet of PAYLOAD bytes to\n"
	      "                             the host's port 1 and report whether the\n"
	      "                             kernel took the chain; then exit\n", out);
	fputs(" -v, --verbose             more messages (repeat for more)\n", out);

	fputs("\n", out);
	fputs(" -h, --help                display this help\n", out);
	fputs(" -V, --version             display version\n", out);
	fputs("\nSIGUSR1 prints statistics, SIGUSR2 stops or resumes posting RX\n"
	      "buffers, SIGINT and SIGTERM end the program.\n", out);
	fprintf(out, "\nFor more details see %s(8).\n", program_invocation_short_name);
	exit(EXIT_SUCCESS);
}

static void __attribute__((__noreturn__)) bad_arg(const char *opt,
						  const char *arg,
						  const char *want)
{
	cli_usage_error("bad %s '%s' (%s)", opt, arg, want);
}

static unsigned long long num_arg(const char *opt, const char *arg,
				  unsigned long long min,
				  unsigned long long max)
{
	unsigned long long v;

	if (vhd_parse_u64(arg, max, &v) || v < min) {
		char want[64];

		snprintf(want, sizeof(want), "%llu to %llu", min, max);
		bad_arg(opt, arg, want);
	}
	return v;
}

/* "CID:PATH" */
static void parse_guest(const char *arg, struct vhd_vm *vm)
{
	const char *colon = strchr(arg, ':');
	unsigned long long cid;
	char *num;

	if (!colon || colon == arg || !colon[1])
		bad_arg("--guest", arg, "want CID:PATH");
	num = strndup(arg, colon - arg);
	if (!num)
		err(EXIT_SETUP, "strndup");
	if (vhd_parse_u64(num, UINT32_MAX - 1, &cid) || cid < 3)
		bad_arg("--guest", arg, "the CID must be a number from 3 to 4294967294");
	free(num);
	vm->cid = cid;
	vm->uds_path = strdup(colon + 1);
	if (!vm->uds_path ||
	    asprintf(&vm->seq_path, "%s.seqpacket", vm->uds_path) < 0)
		err(EXIT_SETUP, "strdup");
}

static int vhost_ioctl(struct sim_guest *g, unsigned long req,
		       const char *name, void *arg)
{
	if (ioctl(g->fd, req, arg) == 0)
		return 0;
	warn("cid %llu: %s", (unsigned long long)g->vm->cid, name);
	return -1;
}

static int efd(void)
{
	return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

/* What a VMM does: owner, features, memory, vrings, CID, running. */
static int guest_setup(struct sim_guest *g, const char *dev,
		       const struct sim_opts *o)
{
	struct vhd_vm *vm = g->vm;
	struct {
		struct vhost_memory m;
		struct vhost_memory_region r[1];
	} mt;
	uint64_t features, cid = vm->cid;
	unsigned int i;
	int running = 1;

	g->fd = open(dev, O_RDWR | O_CLOEXEC);
	if (g->fd < 0) {
		if (errno == ENOENT)
			warnx("%s: no such device (a kernel with CONFIG_VHOST_VSOCK, or modprobe vhost_vsock)",
			      dev);
		else
			warn("%s", dev);
		return -EXIT_NOT_SUPPORTED;
	}
	if (vhost_ioctl(g, VHOST_SET_OWNER, "VHOST_SET_OWNER", NULL) ||
	    vhost_ioctl(g, VHOST_GET_FEATURES, "VHOST_GET_FEATURES", &features))
		return -1;
	if ((features & SIM_FEATURES) != SIM_FEATURES) {
		warnx("%s offers features %#llx; we need VIRTIO_F_VERSION_1, VIRTIO_RING_F_EVENT_IDX and VIRTIO_VSOCK_F_SEQPACKET (%#llx)",
		      dev, (unsigned long long)features,
		      (unsigned long long)SIM_FEATURES);
		return -EXIT_NOT_SUPPORTED;
	}
	features = SIM_FEATURES;
	if (vhost_ioctl(g, VHOST_SET_FEATURES, "VHOST_SET_FEATURES", &features))
		return -1;
	vm->acked_features = features;

	/* Our memory, mapped at guest physical address == our address. */
	g->mem_len = sim_layout(g, o, NULL);
	g->mem = mmap(NULL, g->mem_len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->mem == MAP_FAILED) {
		warn("cid %llu: mmap %zu bytes", (unsigned long long)cid,
		     g->mem_len);
		return -1;
	}
	sim_layout(g, o, g->mem);
	memset(&mt, 0, sizeof(mt));
	mt.m.nregions = 1;
	mt.r[0].guest_phys_addr = (uintptr_t)g->mem;
	mt.r[0].memory_size = g->mem_len;
	mt.r[0].userspace_addr = (uintptr_t)g->mem;
	if (vhost_ioctl(g, VHOST_SET_MEM_TABLE, "VHOST_SET_MEM_TABLE", &mt))
		return -1;

	for (i = 0; i < 2; i++) {
		struct sim_queue *q = &g->q[i];
		struct vhost_vring_state num = { i, q->num }, base = { i, 0 };
		struct vhost_vring_addr addr = {
			.index = i,
			.desc_user_addr = (uintptr_t)q->desc,
			.avail_user_addr = (uintptr_t)q->avail,
			.used_user_addr = (uintptr_t)q->used,
		};
		struct vhost_vring_file kick, call, errf;

		q->event_idx = true;
		q->kick_fd = efd();
		q->call_fd = efd();
		q->err_fd = efd();
		if (q->kick_fd < 0 || q->call_fd < 0 || q->err_fd < 0) {
			warn("eventfd");
			return -1;
		}
		kick = (struct vhost_vring_file){ i, q->kick_fd };
		call = (struct vhost_vring_file){ i, q->call_fd };
		errf = (struct vhost_vring_file){ i, q->err_fd };
		if (vhost_ioctl(g, VHOST_SET_VRING_NUM, "VHOST_SET_VRING_NUM", &num) ||
		    vhost_ioctl(g, VHOST_SET_VRING_BASE, "VHOST_SET_VRING_BASE", &base) ||
		    vhost_ioctl(g, VHOST_SET_VRING_ADDR, "VHOST_SET_VRING_ADDR", &addr) ||
		    vhost_ioctl(g, VHOST_SET_VRING_KICK, "VHOST_SET_VRING_KICK", &kick) ||
		    vhost_ioctl(g, VHOST_SET_VRING_CALL, "VHOST_SET_VRING_CALL", &call) ||
		    vhost_ioctl(g, VHOST_SET_VRING_ERR, "VHOST_SET_VRING_ERR", &errf))
			return -1;
	}
	sim_attach(g);
	g->rx_paused = o->rx_paused;
	sim_post_rx(g);

	if (ioctl(g->fd, VHOST_VSOCK_SET_GUEST_CID, &cid) < 0) {
		if (errno == EADDRINUSE)
			warnx("cid %llu: in use by another guest on this host",
			      (unsigned long long)cid);
		else
			warn("cid %llu: VHOST_VSOCK_SET_GUEST_CID",
			     (unsigned long long)cid);
		return -1;
	}
	if (vhost_ioctl(g, VHOST_VSOCK_SET_RUNNING, "VHOST_VSOCK_SET_RUNNING",
			&running))
		return -1;
	/* The kernel may have queued packets before it saw our buffers. */
	{
		uint64_t one = 1;

		if (write(g->q[SIM_RX].kick_fd, &one, sizeof(one)) < 0)
			return -1;
	}
	return 0;
}

static int guest_listen(struct vhd *d, struct vhd_vm *vm)
{
	vm->uds_fd = vhd_listen_unix(vm->uds_path, SOCK_STREAM, 12);
	if (vm->uds_fd < 0)
		return -1;
	vm->seq_fd = vhd_listen_unix(vm->seq_path, SOCK_SEQPACKET, 0);
	if (vm->seq_fd < 0)
		return -1;
	if (vhd_epoll_add(d, vm->uds_fd, EPOLLIN, &vm->uds_ev) < 0 ||
	    vhd_epoll_add(d, vm->seq_fd, EPOLLIN, &vm->seq_ev) < 0 ||
	    vhd_epoll_add(d, vm->vq[VHD_TXQ].kick_fd, EPOLLIN,
			  &vm->kick[VHD_TXQ].ev) < 0 ||
	    vhd_epoll_add(d, vm->vq[VHD_RXQ].kick_fd, EPOLLIN,
			  &vm->kick[VHD_RXQ].ev) < 0) {
		warn("epoll_ctl");
		return -1;
	}
	return 0;
}

static void print_stats(struct vhd *d, struct sim_guest *gs)
{
	unsigned int i;

	for (i = 0; i < d->nvms; i++) {
		struct sim_guest *g = &gs[i];
		const struct sim_queue *rx = &g->q[SIM_RX], *tx = &g->q[SIM_TX];
		unsigned int b, tx_out = 0;

		sim_read_errs(g);
		for (b = 0; b < tx->nbufs; b++)
			tx_out += tx->at_device[b];
		vhd_stats_print(g->vm);
		fprintf(stderr, "%s: cid %llu: kicks rx %lu tx %lu, kernel errors rx %llu tx %llu, bad used entries %lu, double posts %lu, TX chains at the kernel %u of %u, RX buffers held back %u (at most %u)%s\n",
			program_invocation_short_name,
			(unsigned long long)g->vm->cid, rx->kicks, tx->kicks,
			rx->errs, tx->errs, rx->bad_used + tx->bad_used,
			rx->double_posts,
			tx_out, tx->nbufs, rx->npending, rx->max_pending,
			g->rx_paused ? ", RX posting paused" : "");
	}
}

static void cleanup(struct vhd *d)
{
	unsigned int i;

	for (i = 0; i < d->nvms; i++) {
		if (d->vms[i].uds_fd >= 0)
			unlink(d->vms[i].uds_path);
		if (d->vms[i].seq_fd >= 0)
			unlink(d->vms[i].seq_path);
	}
}

static struct sim_guest *guests;

/* SIGUSR1: the statistics; SIGUSR2: stop or resume posting RX buffers. */
static void on_signal(struct vhd *d, int signo)
{
	unsigned int i;

	if (signo == SIGUSR1) {
		print_stats(d, guests);
		return;
	}
	for (i = 0; i < d->nvms; i++)
		sim_set_rx_paused(&guests[i], !guests[i].rx_paused);
	vhd_log(d, 1, "RX buffers: %s",
		guests[0].rx_paused ? "held back" : "posted");
}

int main(int argc, char **argv)
{
	enum { OPT_TX_MAX = 256, OPT_TX_SEG, OPT_TX_SLOTS, OPT_RX_PAUSED,
	       OPT_PROBE };
	static const struct option longopts[] = {
		{ "guest", required_argument, NULL, 'g' },
		{ "device", required_argument, NULL, 'd' },
		{ "buf-size", required_argument, NULL, 'b' },
		{ "queue-size", required_argument, NULL, 'q' },
		{ "rx-buffers", required_argument, NULL, 'r' },
		{ "tx-max", required_argument, NULL, OPT_TX_MAX },
		{ "tx-seg", required_argument, NULL, OPT_TX_SEG },
		{ "tx-slots", required_argument, NULL, OPT_TX_SLOTS },
		{ "rx-paused", no_argument, NULL, OPT_RX_PAUSED },
		{ "probe-tx-limit", required_argument, NULL, OPT_PROBE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct sim_opts o = {
		.queue_size = 256, .rx_layout = SIM_RX_LINEAR, .rx_buf = 4096,
		.tx_max = VHD_MAX_PKT, .tx_seg = 4096, .tx_slots = 32,
	};
	struct vhd d = { .epfd = -1, .buf_alloc = 256 * 1024 };
	const char *dev = "/dev/vhost-vsock";
	long long probe = -1;
	struct sim_guest *gs;
	unsigned int i, j;
	int c, sfd, ret;

	setlocale(LC_ALL, "");
	atexit(close_stdout);

	d.vms = calloc(argc, sizeof(*d.vms));
	gs = calloc(argc, sizeof(*gs));
	if (!d.vms || !gs)
		err(EXIT_SETUP, "calloc");
	while ((c = getopt_long(argc, argv, "g:d:b:q:r:vhV", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'g':
			vhd_vm_init(&d, &d.vms[d.nvms]);
			d.vms[d.nvms].guest_side = true;
			parse_guest(optarg, &d.vms[d.nvms]);
			gs[d.nvms].vm = &d.vms[d.nvms];
			gs[d.nvms].fd = -1;
			d.nvms++;
			break;
		case 'd':
			dev = optarg;
			break;
		case 'b':
			d.buf_alloc = num_arg("--buf-size", optarg, 4096, 1u << 30);
			break;
		case 'q':
			o.queue_size = num_arg("--queue-size", optarg, 2, 32768);
			if (o.queue_size & (o.queue_size - 1))
				bad_arg("--queue-size", optarg, "a power of 2");
			break;
		case 'r':
			if (!strcmp(optarg, "page")) {
				o.rx_layout = SIM_RX_PAGE;
			} else if (!strcmp(optarg, "linear")) {
				o.rx_layout = SIM_RX_LINEAR;
			} else if (!strncmp(optarg, "linear:", 7)) {
				o.rx_layout = SIM_RX_LINEAR;
				o.rx_buf = num_arg("--rx-buffers linear:", optarg + 7,
						   VHD_HDR_LEN + 1, 1u << 20);
			} else {
				bad_arg("--rx-buffers", optarg, "linear, linear:BYTES or page");
			}
			break;
		case OPT_TX_MAX:
			o.tx_max = num_arg("--tx-max", optarg, 1, VHD_MAX_PKT);
			break;
		case OPT_TX_SEG:
			o.tx_seg = num_arg("--tx-seg", optarg, 0, VHD_MAX_PKT);
			break;
		case OPT_TX_SLOTS:
			o.tx_slots = num_arg("--tx-slots", optarg, 1, 32768);
			break;
		case OPT_RX_PAUSED:
			o.rx_paused = true;
			break;
		case OPT_PROBE:
			probe = num_arg("--probe-tx-limit", optarg, 0, 1u << 20);
			break;
		case 'v':
			d.verbose++;
			break;
		case 'h':
			usage();
		case 'V':
			cli_print_version();
		default:
			cli_try_help();
		}
	}
	cli_no_more_args(argc, argv);
	if (!d.nvms)
		cli_usage_error("no guest given (--guest CID:PATH)");
	for (i = 0; i < d.nvms; i++)
		for (j = 0; j < i; j++)
			if (d.vms[i].cid == d.vms[j].cid)
				errx(EXIT_SETUP, "CID %llu given twice",
				     (unsigned long long)d.vms[i].cid);
			else if (!strcmp(d.vms[i].uds_path, d.vms[j].uds_path))
				errx(EXIT_SETUP, "%s given twice",
				     d.vms[i].uds_path);
	if (probe >= 0) {
		/* TX buffers that hold the probe's packet */
		o.tx_max = probe ? probe : 1;
		if (o.tx_slots < 2)
			o.tx_slots = 2;
	}
	if (o.tx_seg > o.tx_max)
		o.tx_seg = 0;
	if (1 + (o.tx_seg ? (o.tx_max + o.tx_seg - 1) / o.tx_seg : 0) >
	    o.queue_size)
		errx(EXIT_SETUP, "a TX chain of --tx-max %u in --tx-seg %u pieces does not fit a queue of %u",
		     o.tx_max, o.tx_seg, o.queue_size);
	if (o.rx_layout == SIM_RX_PAGE && o.queue_size < 2)
		errx(EXIT_SETUP, "--rx-buffers page needs a queue size of 2 or more");

	sfd = vhd_setup_loop(&d, SIGUSR1, SIGUSR2, 0);
	if (sfd < 0)
		return EXIT_SETUP;

	ret = EXIT_SETUP;
	for (i = 0; i < d.nvms; i++) {
		int r = guest_setup(&gs[i], dev, &o);

		if (r < 0) {
			ret = r == -EXIT_NOT_SUPPORTED ? EXIT_NOT_SUPPORTED :
			      EXIT_SETUP;
			goto out;
		}
		if (probe >= 0) {
			ret = sim_probe_tx_limit(&gs[i], probe);
			goto out;
		}
		if (guest_listen(&d, &d.vms[i]) < 0)
			goto out;
		vhd_log(&d, 1, "cid %llu: on %s, its programs on %s and %s (SOCK_SEQPACKET)",
			(unsigned long long)d.vms[i].cid, dev,
			d.vms[i].uds_path, d.vms[i].seq_path);
	}
	guests = gs;
	ret = vhd_run(&d, sfd, on_signal) ? EXIT_FAILURE : EXIT_SUCCESS;
	if (!ret && d.verbose)
		print_stats(&d, gs);
out:
	cleanup(&d);
	return ret;
}
