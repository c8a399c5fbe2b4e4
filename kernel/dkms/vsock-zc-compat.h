/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vsock-zc-dkms: included first in every file of the out-of-tree build.
 *
 * The series has two parts outside the vsock modules. Where the running
 * kernel lacks one, the modules behave as its stock core lets them:
 *  - fs/splice.c (SOCK_SUPPORT_SPLICE_MOVE): splice_to_socket() never
 *    takes a page over, so SPLICE_F_MOVE sends by reference, as without
 *    the flag, and nothing is counted as stolen;
 *  - mm/memcontrol.c (__memcg_kmem_recharge_page()): pages that mapped
 *    receive hands out stay charged to the cgroup that allocated them.
 */
#ifndef _VSOCK_ZC_COMPAT_H
#define _VSOCK_ZC_COMPAT_H

#include <linux/memcontrol.h>

#ifndef VSOCK_ZC_CORE_MEMCG_RECHARGE
static inline int memcg_kmem_recharge_page(struct page *page, gfp_t gfp)
{
	return 0;
}
#endif

void vsock_zc_dkms_announce(void);

#endif
