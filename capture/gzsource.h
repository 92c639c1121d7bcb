/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gzsource.h - gzip-compressed capture files (.pcap.gz, .pcapng.gz) read
 * directly: capture.c opens every -r file through gzsource_open_offline. */
#ifndef SHAKEDOWN_GZSOURCE_H
#define SHAKEDOWN_GZSOURCE_H

#include <pcap.h>
#include <stdbool.h>

/* Open a capture file for libpcap, decompressing it on the fly when it
 * starts with the gzip magic; otherwise exactly libpcap's own open.
 * Timestamps in microseconds.  NULL with libpcap's message in ebuf. */
pcap_t *gzsource_open_offline(const char *path, char *ebuf);
/* A regular file that starts with gzip's magic (a FIFO or other special
 * file is never opened: false). */
bool gzsource_is_gzip(const char *path);

#endif
