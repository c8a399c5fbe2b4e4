// SPDX-License-Identifier: GPL-2.0-only
/*
 * vsock-zc-dkms: what this out-of-tree build of the vsock modules has, in
 * modinfo, in /sys/module/vsock/parameters and in a line at load.
 */
#include <linux/module.h>
#include <linux/printk.h>

#ifdef VSOCK_ZC_CORE_SPLICE_MOVE
#define CORE_SPLICE_MOVE true
#define CORE_SPLICE_MOVE_INFO "present"
#else
#define CORE_SPLICE_MOVE false
#define CORE_SPLICE_MOVE_INFO "absent: SPLICE_F_MOVE sends by reference"
#endif

#ifdef VSOCK_ZC_CORE_MEMCG_RECHARGE
#define CORE_MEMCG_RECHARGE true
#define CORE_MEMCG_RECHARGE_INFO "present"
#else
#define CORE_MEMCG_RECHARGE false
#define CORE_MEMCG_RECHARGE_INFO "absent: mapped pages stay charged to the sender"
#endif

static bool core_splice_move = CORE_SPLICE_MOVE;
module_param(core_splice_move, bool, 0444);
MODULE_PARM_DESC(core_splice_move,
		 "The kernel's splice core takes SPLICE_F_MOVE pages over (read-only)");

static bool core_memcg_recharge = CORE_MEMCG_RECHARGE;
module_param(core_memcg_recharge, bool, 0444);
MODULE_PARM_DESC(core_memcg_recharge,
		 "Mapped receive charges pages to the receiver's memcg (read-only)");

static char *features = "zc_stats,splice_write,splice_read,map_rx";
module_param(features, charp, 0444);
MODULE_PARM_DESC(features, "vsock-zc features of these modules (read-only)");

MODULE_INFO(vsock_zc, "vsock-zc-dkms " VSOCK_ZC_VERSION);
MODULE_INFO(vsock_zc_core_splice_move, CORE_SPLICE_MOVE_INFO);
MODULE_INFO(vsock_zc_core_memcg_recharge, CORE_MEMCG_RECHARGE_INFO);

void vsock_zc_dkms_announce(void)
{
	pr_info("vsock-zc-dkms %s: %s; core splice steal %s; memcg recharge %s\n",
		VSOCK_ZC_VERSION, features, CORE_SPLICE_MOVE_INFO,
		CORE_MEMCG_RECHARGE_INFO);
}
