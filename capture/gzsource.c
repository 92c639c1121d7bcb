/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gzsource.c - reading gzip-compressed captures without unpacking them
 * first.  A regular file that starts with the gzip magic (1f 8b) is opened
 * with zlib and handed to libpcap as a stdio stream (fopencookie) whose
 * reads decompress; pcap_close closes the stream and with it the gzFile.
 * A plain regular file is opened here too, with a 256 KiB stdio buffer
 * (stdio's default is one 4 KiB page: a system call per 4 KiB); anything
 * else (stdin, FIFOs, a file we cannot open) goes to libpcap by name, which
 * words its own errors. */
#include "capture/gzsource.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define READ_BUFFER (256u << 10)

static ssize_t gz_cookie_read(void *cookie, char *buf, size_t len)
{
	/* gzread takes an unsigned count: read in pieces below INT_MAX */
	unsigned want = len > (1u << 30) ? 1u << 30 : (unsigned)len;
	int n = gzread((gzFile)cookie, buf, want);
	return n < 0 ? -1 : n;
}

static int gz_cookie_close(void *cookie)
{
	return gzclose((gzFile)cookie) == Z_OK ? 0 : -1;
}

/* A plain file read through a stdio stream with our own buffer (glibc
 * sizes a buffer it allocates itself by the file system's block size,
 * whatever setvbuf asks for); the buffer goes with the stream's close. */
struct plain {
	int fd;
	char buf[READ_BUFFER];
};

static ssize_t plain_read(void *cookie, char *buf, size_t len)
{
	struct plain *pl = cookie;
	for (;;) {
		ssize_t n = read(pl->fd, buf, len);
		if (n >= 0 || errno != EINTR)
			return n;
	}
}

static int plain_close(void *cookie)
{
	struct plain *pl = cookie;
	int r = close(pl->fd);
	free(pl);
	return r;
}

/* NULL when anything fails: the caller then lets libpcap open the path
 * (and word the error). */
static pcap_t *plain_open(const char *path, char *ebuf)
{
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return NULL;
	struct plain *pl = malloc(sizeof *pl);
	if (!pl)
		return NULL;
	pl->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (pl->fd < 0) {
		free(pl);
		return NULL;
	}
	cookie_io_functions_t io = { .read = plain_read, .close = plain_close };
	FILE *f = fopencookie(pl, "r", io);
	if (!f) {
		close(pl->fd);
		free(pl);
		return NULL;
	}
	pcap_t *pc = NULL;
	if (setvbuf(f, pl->buf, _IOFBF, sizeof pl->buf) == 0)
		pc = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	if (!pc)
		fclose(f);
	return pc;
}

bool gzsource_is_gzip(const char *path)
{
	/* a FIFO (or any file that is not a regular one) is never opened
	 * here: only libpcap opens it, once, and reads every byte */
	struct stat pre;
	if (stat(path, &pre) != 0 || !S_ISREG(pre.st_mode))
		return false;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return false;
	struct stat st;
	unsigned char magic[2] = { 0, 0 };
	bool gz = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && read(fd, magic, 2) == 2 && magic[0] == 0x1f &&
		  magic[1] == 0x8b;
	close(fd);
	return gz;
}

pcap_t *gzsource_open_offline(const char *path, char *ebuf)
{
	if (strcmp(path, "-") == 0)
		return pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	if (!gzsource_is_gzip(path)) {
		pcap_t *pc = plain_open(path, ebuf);
		return pc ? pc : pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	}
	gzFile gz = gzopen(path, "rb");
	if (!gz) {
		snprintf(ebuf, PCAP_ERRBUF_SIZE, "%s: cannot open the gzip stream", path);
		return NULL;
	}
	gzbuffer(gz, 1 << 16);
	cookie_io_functions_t io = { .read = gz_cookie_read, .close = gz_cookie_close };
	FILE *f = fopencookie(gz, "r", io);
	if (!f) {
		gzclose(gz);
		snprintf(ebuf, PCAP_ERRBUF_SIZE, "%s: out of memory", path);
		return NULL;
	}
	pcap_t *pc = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	if (!pc)
		fclose(f);
	return pc;
}
