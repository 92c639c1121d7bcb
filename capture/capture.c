/* capture.c - the engine loop: open each source, read frames, keep the
 * packet-time clock, decode, find the flow, drop span-port duplicates,
 * hand the packet to the analyzers and its bytes to the reassembler, and
 * sweep timers once per second of packet time. */
#include "capture/capture.h"
#include "decode.h"
#include "gzsource.h"
#include "stream.h"
#include "../analyzer/analyzer.h"

#include <errno.h>
#include <net/if.h>
#include <pcap.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define USEC 1000000ull

static struct engine {
	struct flow_table *flows;
	ts_usec now, next_sweep, last_pkt_ts, first_ts;
	uint64_t wall_at_last_pkt; /* live clock */
	uint64_t frame;            /* per file, 1-based as Wireshark counts */
	uint64_t packets, bytes;
	uint64_t out_of_order, duplicates;
	uint64_t files_truncated;
	bool in_reassembly;
	bool live;
	pcap_t *live_pcap;
	const struct capture_opts *o;
	uint64_t last_poll_wall;
	ts_usec pace_base_ts;
	uint64_t pace_base_wall;
} E;

struct flow_table *capture_flows(void)
{
	return E.flows;
}

ts_usec capture_now(void)
{
	return E.now;
}

static uint64_t wall_usec(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * USEC + (uint64_t)t.tv_nsec / 1000;
}

void capture_live_stats(uint64_t *pkts, uint64_t *bytes, uint64_t *drops)
{
	*pkts = E.packets;
	*bytes = E.bytes;
	*drops = 0;
	struct pcap_stat ps;
	if (E.live_pcap && pcap_stats(E.live_pcap, &ps) == 0)
		*drops = (uint64_t)ps.ps_drop + ps.ps_ifdrop;
}

static void on_flow_end(struct flow *f, enum flow_end_reason why, ts_usec now, void *arg)
{
	(void)arg;
	analyzer_flow_end(f, why, now);
}

static void on_deadline(struct flow *f, ts_usec now, void *arg)
{
	(void)arg;
	analyzer_timer(f, now);
}

static void sweep(ts_usec now)
{
	flow_table_sweep(E.flows, now, on_deadline, NULL);
	analyzer_tick(now);
	E.next_sweep = now + USEC;
}

static void advance_clock(ts_usec t)
{
	if (t < E.now) {
		E.out_of_order++;
		return;
	}
	E.now = t;
	if (E.now >= E.next_sweep)
		sweep(E.now);
}

/* Some span ports and capture setups deliver each packet twice within
 * microseconds; a copy is not a retransmission. */
static bool is_duplicate(struct flow *f, int dir, const struct pkt *p)
{
	uint32_t h = 2166136261u;
	uint32_t parts[7] = { p->ip_id, p->seq, p->ack, p->tcp_flags, p->payload_wire_len, (uint32_t)dir, p->win };
	for (int i = 0; i < 7; i++)
		h = (h ^ parts[i]) * 16777619u;
	ts_usec window = (p->ipver == 4 && p->ip_id) ? 5000 : 200;
	bool dup = f->dup_sig == h && f->dup_ts && p->ts >= f->dup_ts && p->ts - f->dup_ts <= window;
	f->dup_sig = h;
	f->dup_ts = p->ts;
	return dup;
}

static void process(struct pkt *p)
{
	advance_clock(p->ts);
	if (p->ipver == 4 && p->is_fragment && !E.in_reassembly)
		stream_feed_ipv4(p); /* libnids rebuilds it; we get it back whole */
	if ((p->proto == IPPROTO_NUM_ICMP && p->ipver == 4) || (p->proto == IPPROTO_NUM_ICMPV6 && p->ipver == 6)) {
		struct flow *qf = NULL;
		int qdir = DIR_C2S;
		if (p->quote.present && (p->quote.proto == IPPROTO_NUM_TCP || p->quote.proto == IPPROTO_NUM_UDP))
			qf = flow_table_find(E.flows, p->quote.proto, &p->quote.src, p->quote.sport, &p->quote.dst,
					     p->quote.dport, 0, &qdir);
		else if (p->quote.present && p->quote.proto == IPPROTO_NUM_ESP)
			qf = flow_table_find(E.flows, IPPROTO_NUM_ESP, &p->quote.src, 0, &p->quote.dst, 0,
					     p->quote.spi, &qdir);
		analyzer_flowless(p, qf, qdir);
		return;
	}
	int dir = DIR_C2S;
	struct flow *f = flow_table_lookup(E.flows, p, &dir);
	if (!f) {
		analyzer_flowless(p, NULL, 0);
		return;
	}
	bool first = f->pkts[0] + f->pkts[1] == 1;
	if (first)
		analyzer_flow_new(f, p);
	if (p->proto != IPPROTO_NUM_ESP && is_duplicate(f, dir, p) && !first) {
		E.duplicates++;
		f->pkts[dir]--;
		return;
	}
	analyzer_packet(f, dir, p);
	if (f->want_stream && p->proto == IPPROTO_NUM_TCP && !p->ip_truncated && !E.in_reassembly) {
		if (p->ipver == 4)
			stream_feed_ipv4(p);
		else
			stream_tcp6(f, dir, p);
	}
}

static void on_reassembled(const uint8_t *ip, uint32_t len, void *arg)
{
	const struct pkt *orig = arg;
	(void)orig;
	struct pkt p;
	memset(&p, 0, sizeof p);
	p.frame = E.frame;
	p.ts = E.now;
	p.caplen = p.wirelen = len;
	if (decode_ip(ip, len, len, &p) != DECODE_OK)
		return;
	p.reassembled = true;
	E.in_reassembly = true;
	process(&p);
	E.in_reassembly = false;
}

static void maybe_poll(void)
{
	if (!E.o->on_poll)
		return;
	uint64_t w = wall_usec();
	uint64_t every = (uint64_t)(E.o->poll_ms > 0 ? E.o->poll_ms : 200) * 1000;
	if (w - E.last_poll_wall >= every) {
		E.last_poll_wall = w;
		E.o->on_poll(E.o->poll_arg, E.now);
	}
}

static void pace(ts_usec ts, volatile sig_atomic_t *stop)
{
	if (!E.pace_base_wall) {
		E.pace_base_wall = wall_usec();
		E.pace_base_ts = ts;
		return;
	}
	if (ts <= E.pace_base_ts)
		return;
	uint64_t due = E.pace_base_wall + (ts - E.pace_base_ts);
	for (;;) {
		uint64_t w = wall_usec();
		if (w >= due || (stop && *stop))
			return;
		uint64_t d = due - w;
		if (d > 50000)
			d = 50000;
		struct timespec sl = { 0, (long)d * 1000 };
		nanosleep(&sl, NULL);
		maybe_poll();
	}
}

static void handle_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
	int linktype = (int)(intptr_t)user;
	struct pkt p;
	memset(&p, 0, sizeof p);
	p.frame = ++E.frame;
	p.ts = (ts_usec)h->ts.tv_sec * USEC + (ts_usec)h->ts.tv_usec;
	p.caplen = h->caplen;
	p.wirelen = h->len;
	E.packets++;
	E.bytes += h->len;
	E.last_pkt_ts = p.ts;
	if (!E.first_ts)
		E.first_ts = p.ts;
	if (E.live)
		E.wall_at_last_pkt = wall_usec();
	if (decode_frame(linktype, data, h->caplen, &p) != DECODE_OK) {
		advance_clock(p.ts);
		return;
	}
	process(&p);
}

static int compile_filter(pcap_t *pc, const char *filter, struct bpf_program *prog, char *err, size_t errlen)
{
	if (pcap_compile(pc, prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(err, errlen, "bad capture filter '%s': %s", filter, pcap_geterr(pc));
		return -1;
	}
	return 0;
}

/* Live: the kernel filters. */
static int set_filter(pcap_t *pc, const char *filter, char *err, size_t errlen)
{
	if (!filter || !*filter)
		return 0;
	struct bpf_program prog;
	if (compile_filter(pc, filter, &prog, err, errlen) < 0)
		return -1;
	int r = pcap_setfilter(pc, &prog);
	pcap_freecode(&prog);
	if (r < 0) {
		snprintf(err, errlen, "cannot set filter: %s", pcap_geterr(pc));
		return -1;
	}
	return 0;
}

static int check_linktype(pcap_t *pc, const char *what, char *err, size_t errlen)
{
	int lt = pcap_datalink(pc);
	if (decode_link_supported(lt))
		return lt;
	const char *name = pcap_datalink_val_to_name(lt);
	snprintf(err, errlen, "%s: unsupported link type %d (%s)", what, lt, name ? name : "unknown");
	return -1;
}

/* Open a capture file and check its link type and the filter; NULL with a
 * one-line message in err when it cannot be read. */
static pcap_t *open_file(const char *path, int *lt, struct bpf_program *prog, bool *filtered, char *err,
			 size_t errlen)
{
	*filtered = false;
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *pc = gzsource_open_offline(path, ebuf); /* plain or gzip-compressed */
	if (!pc) {
		/* libpcap's open errors already start with "path: " */
		size_t pl = strlen(path);
		const char *why = strncmp(ebuf, path, pl) == 0 && !strncmp(ebuf + pl, ": ", 2) ? ebuf + pl + 2 : ebuf;
		struct stat sb;
		if (strcmp(path, "-") != 0 && stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size == 0)
			snprintf(err, errlen, "%s: empty file, not a capture", path);
		else if (strstr(ebuf, "No such file") || strstr(ebuf, "ermission"))
			snprintf(err, errlen, "%s: %s", path, why);
		else
			snprintf(err, errlen, "%s: not a readable pcap or pcapng capture (%s)", path, ebuf);
		return NULL;
	}
	*lt = check_linktype(pc, path, err, errlen);
	if (*lt >= 0 && E.o->filter && *E.o->filter) {
		if (compile_filter(pc, E.o->filter, prog, err, errlen) < 0)
			*lt = -1;
		else
			*filtered = true;
	}
	if (*lt < 0) {
		pcap_close(pc);
		return NULL;
	}
	return pc;
}

/* Refuse the run before any verdict if a later -r file cannot be read. */
static int check_files(const struct capture_opts *o, char *err, size_t errlen)
{
	for (int i = 0; i < o->nfiles; i++) {
		int lt;
		struct bpf_program prog;
		bool filtered;
		if (!strcmp(o->files[i], "-"))
			continue;
		pcap_t *pc = open_file(o->files[i], &lt, &prog, &filtered, err, errlen);
		if (!pc)
			return -1;
		if (filtered)
			pcap_freecode(&prog);
		pcap_close(pc);
	}
	return 0;
}

static int run_file(const char *path, volatile sig_atomic_t *stop, char *err, size_t errlen)
{
	int lt;
	struct bpf_program prog;
	bool filtered;
	pcap_t *pc = open_file(path, &lt, &prog, &filtered, err, errlen);
	if (!pc)
		return -1;
	E.frame = 0;
	struct pcap_pkthdr *h;
	const u_char *data;
	int r;
	while (!(stop && *stop) && (r = pcap_next_ex(pc, &h, &data)) >= 0) {
		if (r == 0)
			continue;
		/* filter here rather than in libpcap, so that frame numbers stay
		 * those of the file, as Wireshark shows them */
		if (filtered && !pcap_offline_filter(&prog, h, data)) {
			E.frame++;
			continue;
		}
		if (E.o->pace)
			pace((ts_usec)h->ts.tv_sec * USEC + (ts_usec)h->ts.tv_usec, stop);
		handle_frame((u_char *)(intptr_t)lt, h, data);
		if ((E.frame & 1023) == 0)
			maybe_poll();
	}
	if (!(stop && *stop) && r == PCAP_ERROR) {
		fprintf(stderr, "shakedown: %s: %s; keeping the %llu packets read before it\n", path, pcap_geterr(pc),
			(unsigned long long)E.frame);
		E.files_truncated++;
	}
	if (filtered)
		pcap_freecode(&prog);
	pcap_close(pc);
	return 0;
}

static int open_live(const struct capture_opts *o, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *pc = pcap_create(o->iface, ebuf);
	if (!pc) {
		snprintf(err, errlen, "%s: %s", o->iface, ebuf);
		return -1;
	}
	pcap_set_snaplen(pc, o->snaplen > 0 ? o->snaplen : 262144);
	pcap_set_promisc(pc, 1);
	pcap_set_timeout(pc, 100);
	pcap_set_immediate_mode(pc, 1);
	if (o->buffer_mb > 0)
		pcap_set_buffer_size(pc, o->buffer_mb * 1024 * 1024);
	int r = pcap_activate(pc);
	if (r < 0) {
		switch (r) {
		case PCAP_ERROR_NO_SUCH_DEVICE:
			snprintf(err, errlen, "%s: no such interface", o->iface);
			break;
		case PCAP_ERROR_PERM_DENIED:
			/* unprivileged, libpcap cannot tell a missing interface apart */
			if (strcmp(o->iface, "any") != 0 && if_nametoindex(o->iface) == 0) {
				snprintf(err, errlen, "%s: no such interface", o->iface);
				break;
			}
			snprintf(err, errlen,
				 "%s: no permission to capture: run as root, or give the binary the capabilities "
				 "(setcap cap_net_raw,cap_net_admin+eip shakedown)",
				 o->iface);
			break;
		case PCAP_ERROR_IFACE_NOT_UP:
			snprintf(err, errlen, "%s: interface is down", o->iface);
			break;
		default:
			snprintf(err, errlen, "%s: %s", o->iface, pcap_geterr(pc));
		}
		pcap_close(pc);
		return -1;
	} else if (r > 0) {
		fprintf(stderr, "shakedown: %s: %s\n", o->iface, pcap_geterr(pc));
	}
	int lt = check_linktype(pc, o->iface, err, errlen);
	if (lt < 0 || set_filter(pc, o->filter, err, errlen) < 0) {
		pcap_close(pc);
		return -1;
	}
	pcap_setnonblock(pc, 1, ebuf);
	E.live_pcap = pc;
	return lt;
}

static void run_live(int lt, volatile sig_atomic_t *stop)
{
	int fd = pcap_get_selectable_fd(E.live_pcap);
	int wait_ms = E.o->poll_ms > 0 && E.o->poll_ms < 100 ? E.o->poll_ms : 100;
	while (!(stop && *stop)) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		int pr = poll(&pfd, 1, wait_ms);
		if (pr < 0 && errno != EINTR)
			break;
		int n = pcap_dispatch(E.live_pcap, -1, handle_frame, (u_char *)(intptr_t)lt);
		if (n < 0)
			break;
		if (n == 0 && E.last_pkt_ts) {
			/* A stalled flow sends nothing: let the clock run on wall time. */
			ts_usec t = E.last_pkt_ts + (wall_usec() - E.wall_at_last_pkt);
			if (t > E.now)
				advance_clock(t);
		}
		maybe_poll();
	}
}

int capture_begin(const struct capture_opts *o, char *err, size_t errlen)
{
	memset(&E, 0, sizeof E);
	memset(&decode_stats, 0, sizeof decode_stats);
	E.o = o;
	E.flows = flow_table_new(o->max_flows, o->idle_timeout, on_flow_end, NULL);
	if (!E.flows) {
		snprintf(err, errlen, "out of memory for %u flows", o->max_flows);
		return CAPTURE_INPUT_ERROR;
	}
	if (!stream_init(o->max_flows, E.flows, on_reassembled, NULL, err, errlen)) {
		flow_table_free(E.flows);
		E.flows = NULL;
		return CAPTURE_INPUT_ERROR;
	}
	analyzer_init();
	return CAPTURE_OK;
}

void capture_feed(int linktype, const uint8_t *data, uint32_t caplen, uint32_t wirelen, ts_usec ts)
{
	struct pcap_pkthdr h;
	h.ts.tv_sec = (time_t)(ts / USEC);
	h.ts.tv_usec = (suseconds_t)(ts % USEC);
	h.caplen = caplen;
	h.len = wirelen;
	handle_frame((u_char *)(intptr_t)linktype, &h, data);
}

void capture_end(bool resolve, struct run_summary *sum)
{
	if (E.live && E.wall_at_last_pkt) {
		ts_usec t = E.last_pkt_ts + (wall_usec() - E.wall_at_last_pkt);
		if (t > E.now)
			E.now = t;
	}
	memset(sum, 0, sizeof *sum);
	if (resolve)
		flow_table_end_all(E.flows, E.now);
	const struct flow_stats *fs = flow_table_stats(E.flows);
	sum->packets = E.packets;
	sum->bytes = E.bytes;
	sum->flows = fs->created;
	sum->flows_evicted = fs->evicted;
	sum->flows_expired = fs->expired;
	sum->flows_peak = fs->peak;
	sum->live = E.live;
	sum->out_of_order = E.out_of_order;
	sum->duplicates = E.duplicates;
	sum->bad_checksums = decode_stats.checksum_bad;
	sum->truncated = decode_stats.ip_truncated;
	sum->non_ip = decode_stats.not_ip;
	sum->decode_errors = decode_stats.malformed;
	if (E.live_pcap) {
		struct pcap_stat ps;
		if (pcap_stats(E.live_pcap, &ps) == 0) {
			sum->drops_kernel = ps.ps_drop;
			sum->drops_iface = ps.ps_ifdrop;
		}
		pcap_close(E.live_pcap);
		E.live_pcap = NULL;
	}
	sum->files_truncated = E.files_truncated;
	sum->nids_evicted = stream_stats()->nids_evicted;
	sum->v6_out_of_order = stream_stats()->v6_out_of_order;
	sum->first_ts = E.first_ts;
	sum->last_ts = E.now;
	if (resolve)
		analyzer_finish(E.now, sum);
	stream_exit();
	flow_table_free(E.flows);
	E.flows = NULL;
}

int capture_run(const struct capture_opts *o, struct run_summary *sum, volatile sig_atomic_t *stop, char *err,
		size_t errlen)
{
	int rc = capture_begin(o, err, errlen);
	if (rc != CAPTURE_OK)
		return rc;
	if (o->iface) {
		E.live = true;
		int lt = open_live(o, err, errlen);
		if (lt < 0)
			rc = CAPTURE_INPUT_ERROR;
		else
			run_live(lt, stop);
	} else {
		if (o->nfiles > 1 && check_files(o, err, errlen) < 0)
			rc = CAPTURE_INPUT_ERROR;
		for (int i = 0; i < o->nfiles && rc == CAPTURE_OK; i++) {
			if (run_file(o->files[i], stop, err, errlen) < 0) {
				rc = CAPTURE_INPUT_ERROR;
				break;
			}
		}
	}
	capture_end(rc == CAPTURE_OK, sum);
	return rc;
}
