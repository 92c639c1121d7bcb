/* capture.h - the engine: packet sources (files, stdin, live interfaces),
 * the packet-time clock, and the loop that drives decode -> flow ->
 * analyzers. The only module besides stream.c that sees libpcap. */
#ifndef SHAKEDOWN_CAPTURE_H
#define SHAKEDOWN_CAPTURE_H

#include <signal.h>
#include "flow.h"
#include "../analyzer/verdict.h"

struct capture_opts {
	const char **files; /* -r, in order; "-" is stdin */
	int nfiles;
	const char *iface;  /* -i */
	const char *filter; /* BPF */
	int buffer_mb;      /* --buffer-size, live */
	int snaplen;
	uint32_t max_flows;
	ts_usec idle_timeout;
	/* Called about every poll_ms of wall time (live view redraws). */
	void (*on_poll)(void *arg, ts_usec now);
	void *poll_arg;
	int poll_ms;
	/* Replay offline input at the speed of its timestamps (--pace). */
	bool pace;
};

enum capture_status {
	CAPTURE_OK = 0,
	CAPTURE_INPUT_ERROR = 2, /* missing file, not a capture, bad interface, no permission... */
};

/* Run the whole capture. Fills *sum. On error returns CAPTURE_INPUT_ERROR
 * with a one-line message in err. */
int capture_run(const struct capture_opts *o, struct run_summary *sum, volatile sig_atomic_t *stop, char *err,
		size_t errlen);
/* The same pipeline fed frame by frame (tests, fuzzing): begin, feed each
 * frame with its link type and time, end (resolving pending flows). */
int capture_begin(const struct capture_opts *o, char *err, size_t errlen);
void capture_feed(int linktype, const uint8_t *data, uint32_t caplen, uint32_t wirelen, ts_usec ts);
void capture_end(bool resolve, struct run_summary *sum);
/* While running: the flow table and the clock (for the live view). */
struct flow_table *capture_flows(void);
ts_usec capture_now(void);
void capture_live_stats(uint64_t *pkts, uint64_t *bytes, uint64_t *drops);
/* Library versions for --version: libpcap's own string, libnids' x.y. */
const char *capture_pcap_version(void);
const char *capture_nids_version(void);

#endif
