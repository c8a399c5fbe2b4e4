// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Logging and epoll helpers for vsock-zc-vhostd.
 */
#include <err.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/epoll.h>

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
