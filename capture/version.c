/* SPDX-License-Identifier: GPL-2.0-or-later */
/* version.c - the versions of the capture libraries, for --version: libpcap
 * as the running library reports it, libnids as its headers say (it has no
 * run-time call for it). */
#include "capture/capture.h"

#include <nids.h>
#include <pcap.h>

#define VERSION_STR2(x) #x
#define VERSION_STR(x) VERSION_STR2(x)

const char *capture_pcap_version(void)
{
	return pcap_lib_version();
}

const char *capture_nids_version(void)
{
	return VERSION_STR(NIDS_MAJOR) "." VERSION_STR(NIDS_MINOR);
}
