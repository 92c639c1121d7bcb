/* SPDX-License-Identifier: GPL-2.0-or-later */
/* capture.c - the packet sources: open capture files (and stdin) or a
 * live interface, filter, number and pace frames, and hand each one to
 * the sink. Nothing here decodes a packet or knows an analyzer. */
#include "capture/capture.h"
#include "decode.h"
#include "gzsource.h"
#include "pcapfile.h"
#include "sanitize.h"

#include <errno.h>
#ifdef __linux__
#include <linux/if_packet.h>
#include <sys/socket.h>
#endif
#include <net/if.h>
#include <pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define USEC 1000000ull

struct capture_source {
	const struct capture_opts *o;
	const struct capture_sink *sink;
	bool live;
	pcap_t *live_pcap;
	int live_lt;
	/* --points -i A -i B: every interface, merged by timestamp; each
	 * holds at most one frame read and not yet handed on */
	struct live_in {
		pcap_t *pc;
		int lt;
		uint64_t frame;
		bool has;
		struct pcap_pkthdr *h;
		const u_char *data;
	} in[CAPTURE_MAX_IFACES];
	int nin;
	uint64_t frame; /* per file, 1-based as Wireshark counts */
	int file;       /* the -r file being read */
	uint64_t files_truncated;
	ts_usec pace_base_ts;
	uint64_t pace_base_wall;
	uint64_t handed;         /* frames handed on, for -c */
	pcap_dumper_t *dumper;   /* -w */
	int dump_lt;
	pcap_t *dump_dead;       /* -C: opens the next file with the same link type and snaplen */
	uint64_t dump_bytes;     /* in the current file */
	unsigned dump_index;     /* of the current file */
	char *dump_name;         /* the current file's name (-C) */
	/* the filter's widening (see the module's public header) */
	enum capture_filter_mode filter_mode;
	char filter_note[160];
	bool wide_now;                /* the input being read has the widened filter */
	struct bpf_program user_raw;  /* the user's filter for raw IP */
	bool have_raw;
};

/* What the widening adds: the ICMP errors (unreachable, source quench,
 * time exceeded, parameter problem), the ICMPv6 errors (types below 128)
 * and IPv4 and IPv6 fragments. It names no link-layer field, so it moves
 * no offset of the user's own expression. */
#define FILTER_EXTRA                                                                                    \
	"(icmp and (icmp[0] == 3 or icmp[0] == 4 or icmp[0] == 11 or icmp[0] == 12)) or "              \
	"(icmp6 and ip6[40] < 128) or (ip and ip[6:2] & 0x3fff != 0) or (ip6 and ip6[6] == 44)"
/* The user's filter goes second: a 'vlan' in it moves the offsets of what
 * follows, so the tagged variant of the extra comes last (and is tried
 * without, for link types that have no VLAN tags). */
static const char *const filter_wide_fmt[] = {
	"(" FILTER_EXTRA ") or (%s) or (vlan and (" FILTER_EXTRA "))",
	"(" FILTER_EXTRA ") or (%s)",
};

static uint64_t wall_usec(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * USEC + (uint64_t)t.tv_nsec / 1000;
}

static ts_usec hdr_ts(const struct pcap_pkthdr *h)
{
	return (ts_usec)h->ts.tv_sec * USEC + (ts_usec)h->ts.tv_usec;
}

static void idle(struct capture_source *s, bool quiet)
{
	if (s->sink->on_idle)
		s->sink->on_idle(s->sink->arg, quiet);
}

static void pace(struct capture_source *s, ts_usec ts, volatile sig_atomic_t *stop)
{
	if (!s->pace_base_wall) {
		s->pace_base_wall = wall_usec();
		s->pace_base_ts = ts;
		return;
	}
	if (ts <= s->pace_base_ts)
		return;
	uint64_t due = s->pace_base_wall + (ts - s->pace_base_ts);
	for (;;) {
		uint64_t w = wall_usec();
		if (w >= due || (stop && *stop))
			return;
		uint64_t d = due - w;
		if (d > 50000)
			d = 50000;
		struct timespec sl = { 0, (long)d * 1000 };
		nanosleep(&sl, NULL);
		idle(s, false);
	}
}

/* -C/-W: the name of file number idx, as tcpdump makes it: FILE, then
 * FILE1, FILE2...; with -W every file numbered, zero-padded to the
 * digits of the count. */
static void dump_file_name(const struct capture_opts *o, unsigned idx, char *out, size_t cap)
{
	int digits = 0;
	for (unsigned n = o->write_files; n; n /= 10)
		digits++;
	if (!digits && !idx)
		snprintf(out, cap, "%s", o->write_file);
	else
		snprintf(out, cap, "%s%0*u", o->write_file, digits, idx);
}

/* -C: the current file is full: go on in the next one (with -W, the
 * oldest is overwritten). Write errors end the writing, not the run. */
static void dump_rotate(struct capture_source *s)
{
	const struct capture_opts *o = s->o;
	pcap_dump_close(s->dumper);
	s->dumper = NULL;
	s->dump_index = o->write_files ? (s->dump_index + 1) % o->write_files : s->dump_index + 1;
	dump_file_name(o, s->dump_index, s->dump_name, strlen(o->write_file) + 16);
	s->dumper = pcap_dump_open(s->dump_dead, s->dump_name);
	s->dump_bytes = 24; /* the file header */
	if (!s->dumper) {
		fputs("shakedown: -w: ", stderr);
		sanitize_fputs(stderr, pcap_geterr(s->dump_dead));
		fputs("; no more packets written\n", stderr);
	}
}

static void hand_frame(struct capture_source *s, int linktype, const struct pcap_pkthdr *h, const u_char *data)
{
	struct capture_frame fr = { linktype, data, h->caplen, h->len, hdr_ts(h), ++s->frame, s->file, s->wide_now };
	if (s->dumper && s->o->write_rotate_bytes && s->dump_bytes > s->o->write_rotate_bytes)
		dump_rotate(s);
	if (s->dumper) {
		pcap_dump((u_char *)s->dumper, h, data);
		s->dump_bytes += 16 + h->caplen;
	}
	s->handed++;
	s->sink->on_frame(s->sink->arg, &fr);
}

/* -c: every frame asked for has been handed on. */
static bool count_reached(const struct capture_source *s)
{
	return s->o->count && s->handed >= s->o->count;
}

static bool stopped(const struct capture_source *s, volatile sig_atomic_t *stop)
{
	return (stop && *stop) || count_reached(s);
}

/* -w: open the output file with pc's link type and snaplen, or check that
 * pc's link type is the one already being written. */
static int writer_attach(struct capture_source *s, pcap_t *pc, const char *what, char *err, size_t errlen)
{
	const char *path = s->o->write_file;
	if (!path)
		return 0;
	int lt = pcap_datalink(pc);
	if (s->dumper || s->dump_dead) {
		if (lt == s->dump_lt)
			return 0;
		const char *a = pcap_datalink_val_to_name(s->dump_lt), *b = pcap_datalink_val_to_name(lt);
		snprintf(err, errlen, "-w %s: %s has link type %s, not %s like the input before it; one pcap file holds one link type",
			 path, strcmp(what, "-") ? what : "standard input", b ? b : "?", a ? a : "?");
		return -1;
	}
	const char *first = path;
	if (s->o->write_rotate_bytes) {
		s->dump_dead = pcap_open_dead(lt, pcap_snapshot(pc));
		s->dump_name = malloc(strlen(path) + 16);
		if (!s->dump_dead || !s->dump_name) {
			snprintf(err, errlen, "-w: out of memory");
			return -1;
		}
		dump_file_name(s->o, 0, s->dump_name, strlen(path) + 16);
		first = s->dump_name;
	}
	s->dumper = pcap_dump_open(pc, first);
	if (!s->dumper) {
		snprintf(err, errlen, "-w: %s", pcap_geterr(pc)); /* libpcap's message names the file */
		return -1;
	}
	s->dump_lt = lt;
	s->dump_bytes = 24;
	return 0;
}

static void on_live_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
	struct capture_source *s = (struct capture_source *)(void *)user;
	hand_frame(s, s->live_lt, h, data);
}

static int compile_filter(pcap_t *pc, const char *filter, struct bpf_program *prog, char *err, size_t errlen)
{
	if (pcap_compile(pc, prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(err, errlen, "bad capture filter '%s': %s", filter, pcap_geterr(pc));
		return -1;
	}
	return 0;
}

/* The widened filter for pc's link type in *prog, or the user's own when
 * it cannot be widened there (the run's note says so). */
static int compile_input(struct capture_source *s, pcap_t *pc, struct bpf_program *prog, char *err, size_t errlen)
{
	const char *filter = s->o->filter;
	/* the user's filter alone first: its own errors are reported as they are */
	if (compile_filter(pc, filter, prog, err, errlen) < 0)
		return -1;
	s->wide_now = false;
	if (!s->have_raw)
		return 0;
	size_t cap = strlen(filter) + 2 * sizeof FILTER_EXTRA + 64;
	char *text = malloc(cap);
	for (size_t i = 0; text && i < sizeof filter_wide_fmt / sizeof filter_wide_fmt[0]; i++) {
		snprintf(text, cap, filter_wide_fmt[i], filter);
		struct bpf_program wide;
		if (pcap_compile(pc, &wide, text, 1, PCAP_NETMASK_UNKNOWN) == 0) {
			pcap_freecode(prog);
			*prog = wide;
			s->wide_now = true;
			break;
		}
	}
	free(text);
	if (!s->wide_now) {
		const char *name = pcap_datalink_val_to_name(pcap_datalink(pc));
		s->filter_mode = CAPTURE_FILTER_UNEXTENDED;
		snprintf(s->filter_note, sizeof s->filter_note,
			 "not widened to ICMP errors and fragments on link type %s (it does not compile there)",
			 name ? name : "?");
	}
	return 0;
}

/* The filter compiled for raw IP (an IPv4 or IPv6 header first) into
 * *prog; false when it reads link-layer fields (or out of memory). */
static bool compile_raw(const char *filter, struct bpf_program *prog)
{
	pcap_t *dead = pcap_open_dead(DLT_RAW, CAPTURE_DEFAULT_SNAPLEN);
	bool ok = dead && pcap_compile(dead, prog, filter, 1, PCAP_NETMASK_UNKNOWN) == 0;
	if (dead)
		pcap_close(dead);
	return ok;
}

bool capture_filter_widens(const char *filter)
{
	struct bpf_program prog;
	if (!filter || !*filter || !compile_raw(filter, &prog))
		return false;
	pcap_freecode(&prog);
	return true;
}

/* The user's filter compiled for raw IP, to judge the packets read only
 * because of the widening; without it (a filter on link-layer fields) the
 * filter is used as written. */
static void filter_prepare(struct capture_source *s)
{
	const struct capture_opts *o = s->o;
	if (!o->filter || !*o->filter)
		return;
	if (o->strict_filter) {
		s->filter_mode = CAPTURE_FILTER_STRICT;
		return;
	}
	if (compile_raw(o->filter, &s->user_raw)) {
		s->have_raw = true;
		s->filter_mode = CAPTURE_FILTER_EXTENDED;
	} else {
		s->filter_mode = CAPTURE_FILTER_UNEXTENDED;
		snprintf(s->filter_note, sizeof s->filter_note,
			 "not widened to ICMP errors and fragments: it reads link-layer fields, which an ICMP "
			 "error's quoted packet does not have");
	}
}

/* Live: the kernel filters. */
static int set_filter(struct capture_source *s, pcap_t *pc, char *err, size_t errlen)
{
	if (!s->o->filter || !*s->o->filter)
		return 0;
	struct bpf_program prog;
	if (compile_input(s, pc, &prog, err, errlen) < 0)
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
static pcap_t *open_file(struct capture_source *s, const char *path, int *lt, struct bpf_program *prog, bool *filtered,
			 char *err, size_t errlen)
{
	const struct capture_opts *o = s->o;
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
	if (*lt >= 0 && o->filter && *o->filter) {
		if (compile_input(s, pc, prog, err, errlen) < 0)
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
static int check_files(struct capture_source *s, const struct capture_opts *o, char *err, size_t errlen)
{
	for (int i = 0; i < o->nfiles; i++) {
		int lt;
		struct bpf_program prog;
		bool filtered;
		if (!strcmp(o->files[i], "-"))
			continue;
		pcap_t *pc = open_file(s, o->files[i], &lt, &prog, &filtered, err, errlen);
		if (!pc)
			return -1;
		/* -w: the output opens now, and every file must share its link type */
		int r = writer_attach(s, pc, o->files[i], err, errlen);
		if (filtered)
			pcap_freecode(&prog);
		pcap_close(pc);
		if (r < 0)
			return -1;
	}
	return 0;
}

static int run_file(struct capture_source *s, const char *path, volatile sig_atomic_t *stop, char *err,
		    size_t errlen)
{
	int lt;
	struct bpf_program prog;
	bool filtered;
	pcap_t *pc = open_file(s, path, &lt, &prog, &filtered, err, errlen);
	if (!pc)
		return -1;
	if (writer_attach(s, pc, path, err, errlen) < 0) {
		if (filtered)
			pcap_freecode(&prog);
		pcap_close(pc);
		return -1;
	}
	s->frame = 0;
	struct pcap_pkthdr *h;
	const u_char *data;
	int r = 0;
	/* an ordinary pcap file: its records in large blocks (pcapfile.c);
	 * libpcap reads anything else, and takes over at the first record
	 * that reader does not take as ordinary */
	struct pcapfile *fast = pcapfile_open(path, pc);
	while (!stopped(s, stop)) {
		if (fast) {
			r = pcapfile_next(fast, &h, &data);
			if (r == 0) {
				r = PCAP_ERROR_BREAK;
				break;
			}
			if (r < 0) {
				unsigned long long skip = pcapfile_records(fast);
				pcapfile_close(fast);
				fast = NULL;
				while (skip-- > 0 && (r = pcap_next_ex(pc, &h, &data)) >= 0)
					;
				if (r < 0)
					break;
				continue;
			}
		} else if ((r = pcap_next_ex(pc, &h, &data)) < 0) {
			break;
		}
		if (r == 0)
			continue;
		/* filter here rather than in libpcap, so that frame numbers stay
		 * those of the file, as Wireshark shows them */
		if (filtered && !pcap_offline_filter(&prog, h, data)) {
			s->frame++;
			continue;
		}
		if (s->o->pace)
			pace(s, hdr_ts(h), stop);
		hand_frame(s, lt, h, data);
		if ((s->frame & 1023) == 0)
			idle(s, false);
	}
	if (!stopped(s, stop) && r == PCAP_ERROR) {
		fputs("shakedown: ", stderr);
		sanitize_fputs(stderr, path);
		fputs(": ", stderr);
		sanitize_fputs(stderr, pcap_geterr(pc));
		fprintf(stderr, "; keeping the %llu packets read before it\n", (unsigned long long)s->frame);
		s->files_truncated++;
	}
	pcapfile_close(fast);
	if (filtered)
		pcap_freecode(&prog);
	pcap_close(pc);
	return 0;
}

/* --workers: share the interface's packets with the other workers' sockets. */
static int join_fanout(pcap_t *pc, const struct capture_opts *o, const char *iface, char *err, size_t errlen)
{
	if (!o->fanout_group)
		return 0;
#if defined(__linux__) && defined(PACKET_FANOUT)
	uint32_t arg = o->fanout_group | ((uint32_t)(PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG) << 16);
	if (setsockopt(pcap_fileno(pc), SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg) == 0)
		return 0;
	snprintf(err, errlen, "%s: cannot join packet fanout group %u: %s", iface, o->fanout_group,
		 strerror(errno));
#else
	snprintf(err, errlen, "%s: --workers needs Linux packet fanout", iface);
#endif
	return -1;
}

/* Open interface iface: its handle in *out and its link type, or -1 with
 * a message in err. */
static int open_live(struct capture_source *s, const struct capture_opts *o, const char *iface, pcap_t **out,
		     char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *pc = pcap_create(iface, ebuf);
	if (!pc) {
		snprintf(err, errlen, "%s: %s", iface, ebuf);
		return -1;
	}
	/* Batched delivery: without immediate mode libpcap on Linux maps a
	 * TPACKET_V3 ring whose blocks pack packets by their captured length
	 * (immediate mode falls back to TPACKET_V2, one snaplen-sized frame per
	 * packet, so a 2 MiB buffer held a few dozen packets at snaplen
	 * 262144). The kernel hands a block over when it is full or after the
	 * timeout, which bounds how stale the live view can be. The snaplen
	 * stays whole-packet (IKE messages and SSH handshakes are parsed in
	 * full); the buffer absorbs bursts. See docs/user-guide.md. */
	pcap_set_snaplen(pc, o->snaplen > 0 ? o->snaplen : CAPTURE_DEFAULT_SNAPLEN);
	pcap_set_promisc(pc, !o->no_promisc);
	pcap_set_timeout(pc, CAPTURE_BLOCK_TIMEOUT_MS);
	pcap_set_immediate_mode(pc, 0);
	pcap_set_buffer_size(pc, (o->buffer_mb > 0 ? o->buffer_mb : CAPTURE_DEFAULT_BUFFER_MB) * 1024 * 1024);
	int r = pcap_activate(pc);
	if (r < 0) {
		switch (r) {
		case PCAP_ERROR_NO_SUCH_DEVICE:
			snprintf(err, errlen, "%s: no such interface", iface);
			break;
		case PCAP_ERROR_PERM_DENIED:
			/* unprivileged, libpcap cannot tell a missing interface apart */
			if (strcmp(iface, "any") != 0 && if_nametoindex(iface) == 0) {
				snprintf(err, errlen, "%s: no such interface", iface);
				break;
			}
			snprintf(err, errlen,
				 "%s: no permission to capture: run as root, or give the binary the capabilities "
				 "(setcap cap_net_raw,cap_net_admin+eip shakedown)",
				 iface);
			break;
		case PCAP_ERROR_IFACE_NOT_UP:
			snprintf(err, errlen, "%s: interface is down", iface);
			break;
		default:
			snprintf(err, errlen, "%s: %s", iface, pcap_geterr(pc));
		}
		pcap_close(pc);
		return -1;
	} else if (r > 0) {
		fputs("shakedown: ", stderr);
		sanitize_fputs(stderr, iface);
		fputs(": ", stderr);
		sanitize_fputs(stderr, pcap_geterr(pc));
		fputc('\n', stderr);
	}
	int lt = check_linktype(pc, iface, err, errlen);
	if (lt < 0 || set_filter(s, pc, err, errlen) < 0 || join_fanout(pc, o, iface, err, errlen) < 0 ||
	    writer_attach(s, pc, iface, err, errlen) < 0) {
		pcap_close(pc);
		return -1;
	}
	pcap_setnonblock(pc, 1, ebuf);
	*out = pc;
	return lt;
}

static void run_live(struct capture_source *s, volatile sig_atomic_t *stop)
{
	int fd = pcap_get_selectable_fd(s->live_pcap);
	int wait_ms = s->o->poll_ms > 0 && s->o->poll_ms < 100 ? s->o->poll_ms : 100;
	while (!stopped(s, stop)) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		int pr = poll(&pfd, 1, wait_ms);
		if (pr < 0 && errno != EINTR)
			break;
		/* -c: ask for no more than the frames still wanted */
		int want = s->o->count ? (int)(s->o->count - s->handed > 65536 ? 65536 : s->o->count - s->handed) : -1;
		int n = pcap_dispatch(s->live_pcap, want, on_live_frame, (u_char *)(void *)s);
		if (n < 0)
			break;
		/* a stalled flow sends nothing: the sink lets its clock run on */
		idle(s, n == 0);
	}
}

static ts_usec realtime_usec(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (ts_usec)t.tv_sec * USEC + (ts_usec)t.tv_nsec / 1000;
}

/* Several interfaces on one clock (--points -i A -i B): read one frame
 * ahead on each, and hand on the oldest of them once every interface has
 * one waiting, or once it is CAPTURE_MERGE_WINDOW_US old (an interface that
 * has delivered nothing by then had nothing older: the kernel hands its
 * blocks over at least every CAPTURE_BLOCK_TIMEOUT_MS). pcap_next_ex keeps
 * the frame it returns until that handle is read again, so nothing is
 * copied here. A frame's file is its interface's index, and frames are
 * numbered per interface. */
static void run_live_merged(struct capture_source *s, volatile sig_atomic_t *stop)
{
	struct pollfd pfd[CAPTURE_MAX_IFACES];
	int wait_max = s->o->poll_ms > 0 && s->o->poll_ms < 100 ? s->o->poll_ms : 100;
	uint64_t handed_since_idle = 0;
	while (!stopped(s, stop)) {
		int best = -1;
		bool all = true;
		for (int i = 0; i < s->nin; i++) {
			struct live_in *in = &s->in[i];
			if (!in->has) {
				int r = pcap_next_ex(in->pc, &in->h, &in->data);
				if (r < 0)
					return; /* the interface went away */
				in->has = r == 1;
			}
			if (!in->has)
				all = false;
			else if (best < 0 || hdr_ts(in->h) < hdr_ts(s->in[best].h))
				best = i;
		}
		ts_usec now = realtime_usec();
		if (best >= 0) {
			ts_usec t = hdr_ts(s->in[best].h);
			/* a frame stamped far ahead of this clock is not waited for */
			if (all || t + CAPTURE_MERGE_WINDOW_US <= now || t > now + USEC) {
				struct live_in *in = &s->in[best];
				s->file = best;
				s->frame = in->frame;
				hand_frame(s, in->lt, in->h, in->data);
				in->frame = s->frame;
				in->has = false;
				if ((++handed_since_idle & 1023) == 0)
					idle(s, false);
				continue;
			}
		}
		/* wait for the interfaces with nothing read ahead, no longer
		 * than until the oldest waiting frame is due */
		int wait_ms = wait_max;
		if (best >= 0) {
			ts_usec due = hdr_ts(s->in[best].h) + CAPTURE_MERGE_WINDOW_US;
			int ms = due > now ? (int)((due - now) / 1000) + 1 : 1;
			if (ms < wait_ms)
				wait_ms = ms;
		}
		for (int i = 0; i < s->nin; i++) {
			pfd[i].fd = pcap_get_selectable_fd(s->in[i].pc);
			pfd[i].events = s->in[i].has ? 0 : POLLIN;
			pfd[i].revents = 0;
		}
		if (poll(pfd, (nfds_t)s->nin, wait_ms) < 0 && errno != EINTR)
			return;
		idle(s, handed_since_idle == 0 && best < 0);
		handed_since_idle = 0;
	}
}

struct capture_source *capture_source_open(const struct capture_opts *o, char *err, size_t errlen)
{
	struct capture_source *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->o = o;
	filter_prepare(s);
	if (o->nifaces > 1) {
		s->live = true;
		if (o->nifaces > CAPTURE_MAX_IFACES) {
			snprintf(err, errlen, "at most %d interfaces at once", CAPTURE_MAX_IFACES);
			capture_source_close(s);
			return NULL;
		}
		for (int i = 0; i < o->nifaces; i++) {
			s->in[i].lt = open_live(s, o, o->ifaces[i], &s->in[i].pc, err, errlen);
			if (s->in[i].lt < 0) {
				capture_source_close(s);
				return NULL;
			}
			s->nin = i + 1;
		}
	} else if (o->iface) {
		s->live = true;
		s->live_lt = open_live(s, o, o->iface, &s->live_pcap, err, errlen);
		if (s->live_lt < 0) {
			capture_source_close(s);
			return NULL;
		}
	} else if ((o->nfiles > 1 || o->write_file) && check_files(s, o, err, errlen) < 0) {
		capture_source_close(s);
		return NULL;
	}
	return s;
}

int capture_source_run(struct capture_source *s, const struct capture_sink *sink, volatile sig_atomic_t *stop,
		       char *err, size_t errlen)
{
	s->sink = sink;
	int rc = CAPTURE_OK;
	if (s->live && s->nin)
		run_live_merged(s, stop);
	else if (s->live)
		run_live(s, stop);
	for (int i = 0; !s->live && i < s->o->nfiles && !stopped(s, stop); i++) {
		s->file = i;
		if (run_file(s, s->o->files[i], stop, err, errlen) < 0) {
			rc = CAPTURE_INPUT_ERROR;
			break;
		}
	}
	if (s->dumper)
		pcap_dump_flush(s->dumper);
	return rc;
}

bool capture_source_live(const struct capture_source *s)
{
	return s->live;
}

void capture_source_drops(const struct capture_source *s, uint64_t *kernel, uint64_t *iface)
{
	*kernel = *iface = 0;
	struct pcap_stat ps;
	if (s && s->live_pcap && pcap_stats(s->live_pcap, &ps) == 0) {
		*kernel = ps.ps_drop;
		*iface = ps.ps_ifdrop;
	}
	for (int i = 0; s && i < s->nin; i++)
		if (pcap_stats(s->in[i].pc, &ps) == 0) {
			*kernel += ps.ps_drop;
			*iface += ps.ps_ifdrop;
		}
}

enum capture_filter_mode capture_source_filter_mode(const struct capture_source *s, const char **note)
{
	if (note)
		*note = s ? s->filter_note : "";
	return s ? s->filter_mode : CAPTURE_FILTER_NONE;
}

bool capture_source_selects(const struct capture_source *s, const uint8_t *ip, uint32_t len)
{
	if (!s || !s->have_raw)
		return true;
	struct pcap_pkthdr h;
	memset(&h, 0, sizeof h);
	h.caplen = h.len = len;
	return pcap_offline_filter(&s->user_raw, &h, ip) != 0;
}

uint64_t capture_source_files_truncated(const struct capture_source *s)
{
	return s ? s->files_truncated : 0;
}

int capture_list_interfaces(FILE *out, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_if_t *all = NULL;
	if (pcap_findalldevs(&all, ebuf) < 0) {
		snprintf(err, errlen, "cannot list interfaces: %s", ebuf);
		return -1;
	}
	int n = 0;
	for (pcap_if_t *d = all; d; d = d->next) {
		fprintf(out, "%d.", ++n);
		sanitize_fputs(out, d->name);
		if (d->description) {
			fputs(" (", out);
			sanitize_fputs(out, d->description);
			fputc(')', out);
		}
		/* the state words tcpdump shows */
		const char *words[4];
		int nw = 0;
		if (d->flags & PCAP_IF_UP)
			words[nw++] = "Up";
		if (d->flags & PCAP_IF_RUNNING)
			words[nw++] = "Running";
		if (d->flags & PCAP_IF_WIRELESS)
			words[nw++] = "Wireless";
		if (d->flags & PCAP_IF_LOOPBACK)
			words[nw++] = "Loopback";
		for (int i = 0; i < nw; i++)
			fprintf(out, "%s%s", i ? ", " : " [", words[i]);
		fputs(nw ? "]\n" : "\n", out);
	}
	pcap_freealldevs(all);
	if (!n) {
		snprintf(err, errlen, "no interface to capture on (not root? try with cap_net_raw,cap_net_admin)");
		return -1;
	}
	return 0;
}

const char *capture_linktype_name(int linktype)
{
	return pcap_datalink_val_to_name(linktype);
}

void capture_source_close(struct capture_source *s)
{
	if (!s)
		return;
	if (s->dumper)
		pcap_dump_close(s->dumper);
	if (s->dump_dead)
		pcap_close(s->dump_dead);
	free(s->dump_name);
	if (s->live_pcap)
		pcap_close(s->live_pcap);
	for (int i = 0; i < s->nin; i++)
		pcap_close(s->in[i].pc);
	if (s->have_raw)
		pcap_freecode(&s->user_raw);
	free(s);
}
