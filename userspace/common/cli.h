/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Command-line bits shared by the vsock-zc tools, as util-linux's c.h
 * has them: the --version line and the hint after a usage error.
 */
#ifndef VSOCKZC_CLI_H
#define VSOCKZC_CLI_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

/* Print "PROG from vsock-zc VERSION" and exit successfully. */
static inline void __attribute__((__noreturn__)) cli_print_version(void)
{
	printf("%s from %s\n", program_invocation_short_name, PACKAGE_STRING);
	exit(EXIT_SUCCESS);
}

/* Point at --help on standard error and exit with EXIT_FAILURE. */
static inline void __attribute__((__noreturn__)) cli_try_help(void)
{
	fprintf(stderr, "Try '%s --help' for more information.\n",
		program_invocation_short_name);
	exit(EXIT_FAILURE);
}

#endif /* VSOCKZC_CLI_H */
