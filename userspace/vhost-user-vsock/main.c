// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vsock-zc-vhostd: a vhost-user virtio-vsock device backend, so that
 * QEMU's vhost-user-vsock-pci works without /dev/vhost-vsock.
 */
#include <err.h>
#include <errno.h>
#include <locale.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "vhostd.h"
#include "../common/cli.h"
#include "../common/sockpath.h"

#define EXIT_SETUP	1

static void __attribute__((__noreturn__)) usage(void)
{
	FILE *out = stdout;

	fputs("\nUsage:\n", out);
	fprintf(out, " %s [options] --vm cid=CID,socket=PATH,uds=PATH[,seqpacket=PATH] [--vm ...]\n",
		program_invocation_short_name);

	fputs("\nA vhost-user virtio-vsock device backend for QEMU's\n"
	      "vhost-user-vsock-pci. Host programs reach guest port P by\n"
	      "connecting to the uds PATH and writing \"CONNECT P\\n\"; a guest\n"
	      "connecting to CID 2 port P reaches the UNIX socket PATH_P.\n"
	      "The same over a SOCK_SEQPACKET socket on the seqpacket PATH\n"
	      "(default: the uds PATH with \".seqpacket\" added) connects\n"
	      "with SOCK_SEQPACKET, one message per vsock message.\n"
	      "Guests on one daemon reach each other by CID.\n", out);

	fputs("\nOptions:\n", out);
	fputs(" -g, --vm SPEC          a guest: cid=CID,socket=VHOST_USER_SOCKET,uds=PATH\n"
	      "                        [,seqpacket=PATH]\n", out);
	fputs(" -b, --buf-size BYTES   receive buffer per connection (default 262144)\n", out);
	fputs("     --strict DEVICE    refuse what DEVICE would: vhost-vsock, firecracker,\n"
	      "                        cloud-hypervisor, libkrun or vhost-device-vsock\n", out);
	fputs(" -v, --verbose          more messages (repeat for more)\n", out);

	fputs("\n", out);
	fputs(" -h, --help             display this help\n", out);
	fputs(" -V, --version          display version\n", out);
	fprintf(out, "\nFor more details see %s(8).\n", program_invocation_short_name);
	exit(EXIT_SUCCESS);
}

/* The keys of --vm, in the order of vm_path(). */
static const char *const vm_keys[] = { "socket", "uds", "seqpacket", "cid" };
#define VM_NPATHS	3

static char **vm_path(struct vhd_vm *vm, unsigned int k)
{
	char **paths[VM_NPATHS] = { &vm->vu_path, &vm->uds_path, &vm->seq_path };

	return paths[k];
}

/*
 * "cid=N,socket=PATH,uds=PATH[,seqpacket=PATH]", each key once. 0, or
 * -1 with what is wrong in @why.
 */
static int parse_vm(char *spec, struct vhd_vm *vm, char *why, size_t len)
{
	char *tok, *val, *save = NULL;
	unsigned long long cid;
	unsigned int k, seen = 0;

	for (tok = strtok_r(spec, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		val = strchr(tok, '=');
		for (k = 0; val && k < VM_NPATHS + 1; k++)
			if ((size_t)(val - tok) == strlen(vm_keys[k]) &&
			    !strncmp(tok, vm_keys[k], val - tok))
				break;
		if (!val || k == VM_NPATHS + 1) {
			snprintf(why, len, "'%s': not cid=, socket=, uds= or seqpacket=",
				 tok);
			return -1;
		}
		if (seen & (1u << k)) {
			snprintf(why, len, "%s= given twice", vm_keys[k]);
			return -1;
		}
		seen |= 1u << k;
		val++;
		if (k < VM_NPATHS && !*val) {
			snprintf(why, len, "'%s': empty path", tok);
			return -1;
		}
		if (k < VM_NPATHS) {
			*vm_path(vm, k) = val;
		} else if (vhd_parse_u64(val, UINT32_MAX - 1, &cid) || cid < 3) {
			snprintf(why, len, "'%s': the CID must be a number from 3 to 4294967294",
				 tok);
			return -1;
		} else {
			vm->cid = cid;
		}
	}
	for (k = 0; k < 3; k++) {
		static const unsigned int required[] = { 3, 0, 1 };

		if (!(seen & (1u << required[k]))) {
			snprintf(why, len, "no %s= given", vm_keys[required[k]]);
			return -1;
		}
	}
	/* SOCK_SEQPACKET host endpoints: PATH.seqpacket by default. */
	if (!vm->seq_path &&
	    asprintf(&vm->seq_path, "%s.seqpacket", vm->uds_path) < 0)
		err(EXIT_SETUP, "asprintf");
	return 0;
}

/*
 * The port of @path if it is @uds "_PORT", where a guest's connection
 * to host port PORT goes (as "%s_%u" writes it); else -1.
 */
static long long guest_port_path(const char *path, const char *uds)
{
	size_t n = strlen(uds);
	unsigned long long port;
	const char *p = path + n + 1;

	if (strncmp(path, uds, n) || path[n] != '_' ||
	    (p[0] == '0' && p[1]) || vhd_parse_u64(p, UINT32_MAX, &port))
		return -1;
	return (long long)port;
}

/* One CID and one socket path for each use: a second bind() would steal. */
static void check_unique(struct vhd *d)
{
	unsigned int i, j, k, l;
	long long port;

	for (i = 0; i < d->nvms; i++)
		for (j = 0; j < i; j++)
			if (d->vms[i].cid == d->vms[j].cid)
				errx(EXIT_SETUP, "CID %llu given twice",
				     (unsigned long long)d->vms[i].cid);
	for (i = 0; i < d->nvms; i++)
		for (k = 0; k < VM_NPATHS; k++)
			for (j = 0; j <= i; j++)
				for (l = 0; l < (j < i ? VM_NPATHS : k); l++)
					if (!strcmp(*vm_path(&d->vms[i], k),
						    *vm_path(&d->vms[j], l)))
						errx(EXIT_SETUP, "%s: both the %s of cid %llu and the %s of cid %llu",
						     *vm_path(&d->vms[i], k),
						     vm_keys[l],
						     (unsigned long long)d->vms[j].cid,
						     vm_keys[k],
						     (unsigned long long)d->vms[i].cid);
	/* nor where a guest's connections to a host port go */
	for (i = 0; i < d->nvms; i++)
		for (k = 0; k < VM_NPATHS; k++)
			for (j = 0; j < d->nvms; j++) {
				port = guest_port_path(*vm_path(&d->vms[i], k),
						       d->vms[j].uds_path);
				if (port >= 0)
					errx(EXIT_SETUP, "%s: both the %s of cid %llu and where cid %llu's guest reaches host port %lld (uds=%s)",
					     *vm_path(&d->vms[i], k), vm_keys[k],
					     (unsigned long long)d->vms[i].cid,
					     (unsigned long long)d->vms[j].cid,
					     port, d->vms[j].uds_path);
			}
}

/* The files bound at each --vm's paths, in vm_path() order. */
static struct sockpath_id (*vm_ids)[VM_NPATHS];

/* Listen on path @k of guest @i; its file is remembered for cleanup(). */
static int vm_listen(struct vhd *d, unsigned int i, unsigned int k)
{
	static const int type[VM_NPATHS] = { SOCK_STREAM, SOCK_STREAM,
					     SOCK_SEQPACKET };
	/* room for the "_PORT" names beside the uds path */
	static const size_t room[VM_NPATHS] = { 0, 12, 0 };
	const char *path = *vm_path(&d->vms[i], k);
	int fd = vhd_listen_unix(path, type[k], room[k]);

	if (fd >= 0)
		sockpath_remember(path, &vm_ids[i][k]);
	return fd;
}

/* Remove the sockets we bound, unless others have taken their paths. */
static void cleanup(struct vhd *d)
{
	unsigned int i, k;

	for (i = 0; i < d->nvms; i++)
		for (k = 0; k < VM_NPATHS; k++)
			sockpath_unlink(*vm_path(&d->vms[i], k), &vm_ids[i][k]);
}

static void print_stats(struct vhd *d)
{
	unsigned int i;

	for (i = 0; i < d->nvms; i++)
		vhd_stats_print(&d->vms[i]);
}

/* SIGUSR1: the statistics. */
static void on_signal(struct vhd *d, int signo)
{
	(void)signo;
	print_stats(d);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "vm", required_argument, NULL, 'g' },
		{ "buf-size", required_argument, NULL, 'b' },
		{ "strict", required_argument, NULL, 'S' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct vhd d = { .epfd = -1, .buf_alloc = 256 * 1024 };
	unsigned long long v;
	unsigned int i;
	char why[160], *spec;
	int c, sfd, ret = EXIT_SETUP;

	setlocale(LC_ALL, "");
	atexit(close_stdout);

	d.vms = calloc(argc, sizeof(*d.vms));
	vm_ids = calloc(argc, sizeof(*vm_ids));
	if (!d.vms || !vm_ids)
		err(EXIT_SETUP, "calloc");
	while ((c = getopt_long(argc, argv, "g:b:vhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'g':
			vhd_vm_init(&d, &d.vms[d.nvms]);
			/* parse_vm() cuts its copy; paths point into it */
			spec = strdup(optarg);
			if (!spec)
				err(EXIT_SETUP, "strdup");
			if (parse_vm(spec, &d.vms[d.nvms], why, sizeof(why)))
				cli_usage_error("bad --vm '%s': %s", optarg, why);
			d.nvms++;
			break;
		case 'b':
			if (vhd_parse_u64(optarg, 1u << 30, &v) || v < 4096)
				cli_usage_error("bad --buf-size '%s' (4096 to 1073741824)",
						optarg);
			d.buf_alloc = v;
			break;
		case 'S':
			d.strict = vhd_strict_find(optarg);
			if (!d.strict) {
				warnx("bad --strict '%s' (%s)", optarg,
				      vhd_strict_names);
				cli_try_help();
			}
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
		cli_usage_error("no guest given (--vm)");
	check_unique(&d);

	/* Room for VHD_MAX_CONNS host sockets per guest. */
	sfd = vhd_setup_loop(&d, SIGUSR1, 0);
	if (sfd < 0)
		return EXIT_SETUP;
	for (i = 0; i < d.nvms; i++) {
		struct vhd_vm *vm = &d.vms[i];

		vm->vu_listen_fd = vm_listen(&d, i, 0);
		if (vm->vu_listen_fd < 0)
			goto out;
		vm->uds_fd = vm_listen(&d, i, 1);
		if (vm->uds_fd < 0)
			goto out;
		vm->seq_fd = vm_listen(&d, i, 2);
		if (vm->seq_fd < 0)
			goto out;
		if (vhd_epoll_add(&d, vm->vu_listen_fd, EPOLLIN,
				  &vm->vu_listen_ev) < 0 ||
		    vhd_epoll_add(&d, vm->uds_fd, EPOLLIN, &vm->uds_ev) < 0 ||
		    vhd_epoll_add(&d, vm->seq_fd, EPOLLIN, &vm->seq_ev) < 0)
			goto out;
		vhd_log(&d, 1, "cid %llu: vhost-user on %s, host endpoints on %s and %s (SOCK_SEQPACKET)",
			(unsigned long long)vm->cid, vm->vu_path, vm->uds_path,
			vm->seq_path);
	}
	ret = vhd_run(&d, sfd, on_signal) ? EXIT_FAILURE : EXIT_SUCCESS;
	if (!ret && d.verbose)
		print_stats(&d);
out:
	cleanup(&d);
	return ret;
}
