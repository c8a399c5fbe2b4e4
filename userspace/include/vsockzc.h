/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvsockzc: zero-copy helpers for AF_VSOCK.
 */
#ifndef VSOCKZC_H
#define VSOCKZC_H

#include <stdint.h>
#include <sys/socket.h>
#include <linux/vm_sockets.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Parse "CID:PORT" into @addr. CID and PORT are base-10 numbers up to
 * UINT32_MAX; CID may also be one of "any", "hypervisor" (0), "local" (1)
 * or "host" (2), and PORT may be "any".
 * Returns 0, or -EINVAL for malformed input and -ERANGE for a number
 * that does not fit in 32 bits.
 */
int vsockzc_parse_addr(const char *str, struct sockaddr_vm *addr);

/* Parse a CID alone (number or name). Same return values. */
int vsockzc_parse_cid(const char *str, uint32_t *cid);

/* Parse a port alone (number or "any"). Same return values. */
int vsockzc_parse_port(const char *str, uint32_t *port);

#ifdef __cplusplus
}
#endif

#endif /* VSOCKZC_H */
