// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit test: the mmap receive ring iterator on synthetic mappings.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vsockzc.h"

#define PG 4096

static unsigned int n_test, n_failed;

static void check(int ok, const char *fmt, const char *name)
{
	n_test++;
	if (!ok)
		n_failed++;
	printf("%sok %u - %s%s\n", ok ? "" : "not ", n_test, fmt, name);
}

/*
 * A mapping of @pages pages whose last page is followed by an
 * inaccessible guard page, so that a read past the end faults.
 */
static unsigned char *map_guarded(size_t pages, size_t *len)
{
	unsigned char *p;

	p = mmap(NULL, (pages + 1) * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		exit(99);
	}
	if (mprotect(p + pages * PG, PG, PROT_NONE)) {
		perror("mprotect");
		exit(99);
	}
	*len = pages * PG;
	return p;
}

static void set_hdr(unsigned char *map, size_t i, uint32_t len, uint32_t flags)
{
	struct virtio_vsock_usr_hdr h = { .length = len, .flags = flags };

	memcpy(map + i * sizeof(h), &h, sizeof(h));
}

/* Walk @len bytes at @base; the first call must return @want. */
static void expect_first(const void *base, size_t len, int want,
			 const char *name)
{
	struct vsockzc_ring_iter it;
	struct vsockzc_pkt pkt;

	vsockzc_ring_iter_init(&it, base, len, PG);
	check(vsockzc_ring_next(&it, &pkt) == want, "", name);
}

/* The RFC example: 56, 4096 and 8200 bytes. */
static void test_rfc_example(void)
{
	static const uint32_t lens[] = { 56, 4096, 8200 };
	static const size_t first_page[] = { 1, 2, 3 };
	struct vsockzc_ring_iter it;
	struct vsockzc_pkt pkt;
	unsigned char *map;
	size_t len, i;
	int ret, ok;

	map = map_guarded(6, &len);
	for (i = 0; i < 3; i++)
		set_hdr(map, i, lens[i], 0);
	set_hdr(map, 3, 0, 0);
	memset(map + 1 * PG, 'a', 56);
	memset(map + 2 * PG, 'b', PG);
	memset(map + 3 * PG, 'c', 2 * PG);
	memset(map + 5 * PG, 'd', 8);

	ret = vsockzc_ring_iter_init(&it, map, len, PG);
	check(ret == 0, "rfc: init", "");
	for (i = 0; i < 3; i++) {
		ret = vsockzc_ring_next(&it, &pkt);
		ok = ret == 1 && pkt.len == lens[i] && pkt.flags == 0 &&
		     (const unsigned char *)pkt.data == map + first_page[i] * PG;
		check(ok, "rfc: packet ", i == 0 ? "56" : i == 1 ? "4096" : "8200");
	}
	check(((const unsigned char *)pkt.data)[8199] == 'd' &&
	      ((const unsigned char *)pkt.data)[8191] == 'c',
	      "rfc: page 5 holds the last 8 bytes", "");
	check(vsockzc_ring_next(&it, &pkt) == 0, "rfc: terminator", "");
	check(vsockzc_ring_next(&it, &pkt) == 0, "rfc: terminator again", "");
	munmap(map, len + PG);
}

static void test_flags(void)
{
	struct vsockzc_ring_iter it;
	struct vsockzc_pkt pkt;
	unsigned char *map;
	size_t len;

	map = map_guarded(3, &len);
	set_hdr(map, 0, 10, VIRTIO_VSOCK_USR_HDR_F_EOM);
	set_hdr(map, 1, 20, VIRTIO_VSOCK_USR_HDR_F_EOM |
		VIRTIO_VSOCK_USR_HDR_F_EOR);
	vsockzc_ring_iter_init(&it, map, len, PG);
	check(vsockzc_ring_next(&it, &pkt) == 1 &&
	      pkt.flags == VIRTIO_VSOCK_USR_HDR_F_EOM, "flags: EOM", "");
	check(vsockzc_ring_next(&it, &pkt) == 1 &&
	      pkt.flags == (VIRTIO_VSOCK_USR_HDR_F_EOM |
			    VIRTIO_VSOCK_USR_HDR_F_EOR) &&
	      (const unsigned char *)pkt.data == map + 2 * PG,
	      "flags: EOM|EOR", "");
	check(vsockzc_ring_next(&it, &pkt) == 0, "flags: terminator", "");
	munmap(map, len + PG);
}

static void test_empty(void)
{
	struct vsockzc_ring_iter it;
	struct vsockzc_pkt pkt;
	unsigned char *map;
	size_t len;

	map = map_guarded(1, &len);
	vsockzc_ring_iter_init(&it, map, len, PG);
	check(vsockzc_ring_next(&it, &pkt) == 0, "empty ring", "");
	munmap(map, len + PG);
}

static void test_malformed(void)
{
	struct vsockzc_ring_iter it;
	struct vsockzc_pkt pkt;
	unsigned char *map;
	size_t len, i;

	/* 8193 bytes need three data pages; there are two. */
	map = map_guarded(3, &len);
	set_hdr(map, 0, 8193, 0);
	vsockzc_ring_iter_init(&it, map, len, PG);
	check(vsockzc_ring_next(&it, &pkt) == -EOVERFLOW,
	      "malformed: length overruns the mapping", "");
	check(vsockzc_ring_next(&it, &pkt) == -EOVERFLOW,
	      "malformed: the error sticks", "");

	/* The second packet overruns after a good first one. */
	set_hdr(map, 0, 4096, 0);
	set_hdr(map, 1, 4097, 0);
	vsockzc_ring_iter_init(&it, map, len, PG);
	check(vsockzc_ring_next(&it, &pkt) == 1 &&
	      vsockzc_ring_next(&it, &pkt) == -EOVERFLOW,
	      "malformed: second packet overruns", "");

	/* Huge lengths. */
	set_hdr(map, 0, UINT32_MAX, 0);
	expect_first(map, len, -EOVERFLOW,
		     "malformed: length UINT32_MAX");
	set_hdr(map, 0, 0x80000000u, 0);
	expect_first(map, len, -EOVERFLOW,
		     "malformed: length 2^31");

	munmap(map, len + PG);

	/* Page 0 full of records and no terminator. */
	map = map_guarded(1 + PG / 8, &len);
	for (i = 0; i < PG / 8; i++)
		set_hdr(map, i, 1, 0);
	vsockzc_ring_iter_init(&it, map, len, PG);
	for (i = 0; i < PG / 8; i++)
		if (vsockzc_ring_next(&it, &pkt) != 1)
			break;
	check(i == PG / 8 && vsockzc_ring_next(&it, &pkt) == -EBADMSG,
	      "malformed: no terminator in page 0", "");
	munmap(map, len + PG);

	/* A packet but no data pages at all. */
	map = map_guarded(1, &len);
	set_hdr(map, 0, 1, 0);
	expect_first(map, len, -EOVERFLOW,
		     "malformed: no data pages");
	munmap(map, len + PG);
}

/* Mappings shorter than page 0: the guard page sits right after them. */
static void test_truncated(void)
{
	unsigned char *map, *end;
	size_t len;

	map = map_guarded(1, &len);
	end = map + PG;

	/* 12 bytes: one whole record, then half of one. */
	set_hdr(end - 12, 0, 5, 0);
	expect_first(end - 12, 12, -EOVERFLOW,
		     "truncated: record without data pages");

	set_hdr(end - 12, 0, 0, 0);
	expect_first(end - 12, 12, 0,
		     "truncated: terminator in the first record");

	expect_first(end - 4, 4, -EBADMSG,
		     "truncated: half a record");

	expect_first(end, 0, -EBADMSG,
		     "truncated: empty mapping");

	/* A good record followed by half of the next one. */
	memset(map, 0, PG);
	set_hdr(map, 0, 4096, 0);
	expect_first(map, 12, -EOVERFLOW,
		     "truncated: data page missing");
	munmap(map, len + PG);
}

static void test_init(void)
{
	struct vsockzc_ring_iter it;
	struct vsockzc_pkt pkt;
	char page[64];

	check(vsockzc_ring_iter_init(&it, page, sizeof(page), 1000) == -EINVAL &&
	      vsockzc_ring_next(&it, &pkt) == -EINVAL,
	      "init: page size not a power of two", "");
	check(vsockzc_ring_iter_init(&it, NULL, 0, PG) == -EINVAL,
	      "init: NULL mapping", "");
	check(vsockzc_ring_iter_init(&it, page, sizeof(page), 32) == -EINVAL,
	      "init: page size too small", "");
}

int main(void)
{
	if (sysconf(_SC_PAGESIZE) != PG) {
		printf("1..0 # SKIP the guard pages assume 4 KiB pages\n");
		return 77;
	}
	test_rfc_example();
	test_flags();
	test_empty();
	test_malformed();
	test_truncated();
	test_init();
	printf("1..%u\n", n_test);
	return n_failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
