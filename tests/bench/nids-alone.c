/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nids-alone.c - the second reference of the benchmark: libnids reading a
 * capture file and collecting every TCP stream both ways (reassembly of
 * everything), with nothing done with the bytes. shakedown hands libnids
 * only part of the traffic, so this is a ceiling for "libnids alone", not
 * a floor. Usage: nids-alone FILE */
#include <nids.h>
#include <stdio.h>
#include <stdlib.h>

static unsigned long long streams, bytes;

static void on_tcp(struct tcp_stream *s, void **arg)
{
	(void)arg;
	switch (s->nids_state) {
	case NIDS_JUST_EST:
		s->client.collect++;
		s->server.collect++;
		streams++;
		break;
	case NIDS_DATA:
		bytes += (unsigned long long)(s->client.count_new + s->server.count_new);
		break;
	default:
		break;
	}
}

static void on_syslog(int type, int err, struct ip *iph, void *data)
{
	(void)type, (void)err, (void)iph, (void)data;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: nids-alone FILE\n");
		return 2;
	}
	static struct nids_chksum_ctl nocheck = { 0, 0, NIDS_DONT_CHKSUM, 0 };
	nids_params.filename = argv[1];
	nids_params.n_tcp_streams = 1 << 18;
	nids_params.n_hosts = 1024;
	nids_params.scan_num_hosts = 0;
	nids_params.syslog = on_syslog;
	nids_params.tcp_workarounds = 0;
	if (!nids_init()) {
		fprintf(stderr, "nids: %s\n", nids_errbuf);
		return 2;
	}
	nids_register_chksum_ctl(&nocheck, 1);
	nids_register_tcp((void *)on_tcp);
	nids_run();
	printf("%llu streams, %llu bytes\n", streams, bytes);
	return 0;
}
