/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gzsource.c - reading gzip-compressed captures without unpacking them
 * first.  A regular file that starts with the gzip magic (1f 8b) is opened
 * with zlib and handed to libpcap as a stdio stream (fopencookie) whose
 * reads decompress; pcap_close closes the stream and with it the gzFile.
 * Anything else (stdin, FIFOs, plain captures) goes to libpcap unchanged. */
#include "capture/gzsource.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

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

static bool is_gzip(const char *path)
{
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
	if (strcmp(path, "-") == 0 || !is_gzip(path))
		return pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
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
