/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A UNIX socket path that this process bound. At exit it is unlinked
 * only if the file there is still the one bind() made: once ours was
 * removed, another server may have bound the same path.
 */
#ifndef VSOCKZC_SOCKPATH_H
#define VSOCKZC_SOCKPATH_H

#include <sys/stat.h>
#include <unistd.h>

struct sockpath_id {
	dev_t dev;
	ino_t ino;	/* 0: unknown, never unlinked */
};

/* Right after bind(): which file @path is. */
static inline void sockpath_remember(const char *path, struct sockpath_id *id)
{
	struct stat st;

	id->dev = 0;
	id->ino = 0;
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
		id->dev = st.st_dev;
		id->ino = st.st_ino;
	}
}

/* Unlink @path if it is still that file; async-signal-safe. */
static inline void sockpath_unlink(const char *path,
				   const struct sockpath_id *id)
{
	struct stat st;

	if (id->ino && lstat(path, &st) == 0 && st.st_dev == id->dev &&
	    st.st_ino == id->ino)
		unlink(path);
}

#endif /* VSOCKZC_SOCKPATH_H */
