// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Logging, epoll, number and socket helpers for vsock-zc-vhostd and
 * vhost-vsock-sim.
 */
#include <err.h>
#include <errno.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "vhostd.h"

void vhd_log(const struct vhd *d, int level, const char *fmt, ...)
{
	va_list ap;

	if (level > d->verbose)
		return;
	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
}

static int epoll_op(struct vhd *d, int op, int fd, uint32_t events,
		    struct vhd_ev *ev)
{
	struct epoll_event e = { .events = events, .data.ptr = ev };

	return epoll_ctl(d->epfd, op, fd, &e);
}

int vhd_epoll_add(struct vhd *d, int fd, uint32_t events, struct vhd_ev *ev)
{
	return epoll_op(d, EPOLL_CTL_ADD, fd, events, ev);
}

int vhd_epoll_mod(struct vhd *d, int fd, uint32_t events, struct vhd_ev *ev)
{
	return epoll_op(d, EPOLL_CTL_MOD, fd, events, ev);
}

void vhd_epoll_del(struct vhd *d, int fd)
{
	epoll_op(d, EPOLL_CTL_DEL, fd, 0, NULL);
}

/* Hand an epoll event to its owner (all kinds but EV_SIGNAL). */
void vhd_dispatch(struct vhd_ev *ev, uint32_t events)
{
	struct vhd_vm *vm;
	uint64_t cnt;

	switch (ev->kind) {
	case EV_VU_LISTEN:
		vm = vhd_container_of(ev, struct vhd_vm, vu_listen_ev);
		vhd_vu_accept(vm);
		break;
	case EV_VU:
		vm = vhd_container_of(ev, struct vhd_vm, vu_ev);
		vhd_vu_event(vm);
		break;
	case EV_KICK: {
		typeof(vm->kick[0]) *k = (void *)ev;

		if (read(k->vm->vq[k->index].kick_fd, &cnt, sizeof(cnt)) < 0 &&
		    errno != EAGAIN)
			break;
		if (k->index == VHD_TXQ)
			vhd_vm_tx_kick(k->vm);
		else
			vhd_vm_rx_kick(k->vm);
		break;
	}
	case EV_UDS_LISTEN:
		vm = vhd_container_of(ev, struct vhd_vm, uds_ev);
		vhd_host_accept(vm, false);
		break;
	case EV_SEQ_LISTEN:
		vm = vhd_container_of(ev, struct vhd_vm, seq_ev);
		vhd_host_accept(vm, true);
		break;
	case EV_HOST_NEW:
		vhd_host_new_event(ev);
		break;
	case EV_CONN:
		vhd_conn_event((struct vhd_conn *)ev, events);
		break;
	case EV_SIGNAL:
		break;
	}
}

int vhd_parse_u64(const char *s, unsigned long long max,
		  unsigned long long *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 10);
	if (errno || *end || *v > max)
		return -ERANGE;
	return 0;
}

/* 0 if a socket listens at @sa; -ECONNREFUSED if it is stale. */
static int probe_unix(const struct sockaddr_un *sa, int type)
{
	int fd, ret = 0;

	fd = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0)
		ret = errno == EAGAIN || errno == EPROTOTYPE ? 0 : -errno;
	close(fd);
	return ret;
}

/*
 * Listen on path. A stale socket there (connect() is refused) is
 * replaced; one that a program serves, or anything else, is not.
 * room: bytes to keep free in sun_path for the "_PORT" names beside it.
 */
int vhd_listen_unix(const char *path, int type, size_t room)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, ret;

	if (strlen(path) >= sizeof(sa.sun_path) - room) {
		warnx("%s: path too long", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			warnx("%s: exists and is not a socket", path);
			return -1;
		}
		ret = probe_unix(&sa, type);
		if (ret == 0) {
			warnx("%s: in use: a program listens there (another vsock-zc-vhostd?)",
			      path);
			return -1;
		}
		if (ret != -ECONNREFUSED) {
			errno = -ret;
			warn("%s", path);
			return -1;
		}
		unlink(path);
	}
	fd = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 128) < 0) {
		warn("%s", path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int vhd_setup_loop(struct vhd *d, int sig1, ...)
{
	struct rlimit rl;
	sigset_t mask;
	va_list ap;
	int sfd, s;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	va_start(ap, sig1);
	for (s = sig1; s; s = va_arg(ap, int))
		sigaddset(&mask, s);
	va_end(ap);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (sfd < 0 || d->epfd < 0) {
		warn("%s", sfd < 0 ? "signalfd" : "epoll_create1");
		return -1;
	}
	return sfd;
}

int vhd_run(struct vhd *d, int sfd, void (*on_signal)(struct vhd *d, int signo))
{
	struct vhd_ev sig_ev = { EV_SIGNAL };
	struct signalfd_siginfo si;
	struct epoll_event evs[1];
	struct vhd_ev *ev;
	int n;

	if (vhd_epoll_add(d, sfd, EPOLLIN, &sig_ev) < 0)
		return -1;
	for (;;) {
		/* One event at a time: a handler may free what others name. */
		n = epoll_wait(d->epfd, evs, 1, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			warn("epoll_wait");
			return -1;
		}
		ev = evs[0].data.ptr;
		if (n == 1 && ev->kind != EV_SIGNAL) {
			vhd_dispatch(ev, evs[0].events);
		} else if (n == 1 && read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM)
				return 0;
			on_signal(d, si.ssi_signo);
		}
		vhd_notify_all(d);
	}
}
