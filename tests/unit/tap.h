/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TAP lines for the unit tests: t_ok(COND, FMT, ...) and the counts. */
#ifndef TESTS_UNIT_TAP_H
#define TESTS_UNIT_TAP_H

#include <stdarg.h>
#include <stdio.h>

static unsigned int t_n, t_failed;

static void t_ok(int cond, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void t_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %u - ", cond ? "" : "not ", ++t_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!cond)
		t_failed++;
}

#endif
