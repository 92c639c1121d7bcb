/* SPDX-License-Identifier: GPL-2.0-or-later */
/* capture.h - packet sources: capture files (pcap, pcapng), stdin and live
 * interfaces. A source only produces frames: it opens its inputs, applies
 * the BPF filter, numbers frames as Wireshark does, paces a replay, and
 * hands each frame to the sink it is given. It decodes nothing and keeps
 * no clock; the pipeline driver (analyzer/driver.h) does the rest. With
 * stream.c, the only module that sees libpcap. */
#ifndef SHAKEDOWN_CAPTURE_H
#define SHAKEDOWN_CAPTURE_H

#include <signal.h>
#include <stdio.h>
#include "flow.h"

/* Live defaults: whole packets, a kernel ring that absorbs bursts (32 MiB
 * is ~70 ms at 500k packets/s of 465-byte packets) and blocks handed over
 * at least every 50 ms so the live view stays fresh. */
#define CAPTURE_DEFAULT_SNAPLEN 262144
#define CAPTURE_DEFAULT_BUFFER_MB 32
#define CAPTURE_BLOCK_TIMEOUT_MS 50
/* Live, several interfaces: at most this many, and a frame waits at most
 * this long (µs, by its timestamp against the wall clock) for the other
 * interfaces' older frames before it is handed on. */
#define CAPTURE_MAX_IFACES 8
#define CAPTURE_MERGE_WINDOW_US 200000ull

/* What to capture and how big the engine's tables are. */
struct capture_opts {
	const char **files; /* -r, in order; "-" is stdin */
	int nfiles;
	const char *iface;  /* -i */
	/* Live, several interfaces on one clock (--points -i A -i B): their
	 * frames are merged by timestamp, each with file = its index here and
	 * numbered per interface; iface is ifaces[0]. nifaces < 2: iface only. */
	const char **ifaces;
	int nifaces;
	const char *filter; /* BPF */
	int buffer_mb;      /* --buffer-size, live; 0 = CAPTURE_DEFAULT_BUFFER_MB */
	int snaplen;
	uint32_t max_flows;
	/* the global cap on IPv4 fragments in reassembly (0: the defaults
	 * of stream.h) */
	uint32_t max_frag_datagrams;
	uint64_t max_frag_bytes;
	ts_usec idle_timeout;
	/* About how often (wall time) the source calls the sink's on_idle,
	 * and the driver its on_poll hook; 0 = 200 ms. */
	int poll_ms;
	/* Replay offline input at the speed of its timestamps (--pace). */
	bool pace;
	/* Live, Linux: join PACKET_FANOUT group fanout_group (1-65535; 0 =
	 * none) in hash mode, so that the kernel spreads flows over every
	 * socket of the group and both directions of a flow (and the
	 * fragments of a datagram) reach the same one (--workers). */
	uint16_t fanout_group;
	/* Live: leave the interface out of promiscuous mode (-p). */
	bool no_promisc;
	/* Stop after this many frames handed on (after the filter); 0 = no
	 * limit (-c). */
	uint64_t count;
	/* Also write every frame handed on to this pcap file, with the
	 * input's link type and snaplen (-w); NULL = none. */
	const char *write_file;
	/* -C: start a new -w file once the current one holds more than this
	 * many bytes (0 = never); the next ones are named FILE1, FILE2...
	 * as tcpdump names them. -W: with -C, at most this many files, named
	 * FILE0, FILE1... (zero-padded) and overwritten in turn (0 = no
	 * limit). */
	uint64_t write_rotate_bytes;
	unsigned write_files;
	/* Read the filter as written: do not also read the ICMP errors and
	 * IP fragments about the flows it selects (--strict-filter). */
	bool strict_filter;
	/* Offline: 2 = read and decode the files on a second thread while
	 * this one analyses (--threads); 1 = one thread. Same output. */
	int threads;
};

/* How the BPF filter was applied. By default a user filter is widened so
 * that the ICMP/ICMPv6 errors and IP fragments that decide verdicts about
 * the flows it selects are read too (a filter such as "port 22" would
 * otherwise hide the ICMP unreachable that explains a failure). Which of
 * those extra packets are analysed is decided on their IP bytes by
 * capture_source_selects(): the user's filter, compiled for raw IP. */
enum capture_filter_mode {
	CAPTURE_FILTER_NONE = 0,   /* no filter */
	CAPTURE_FILTER_EXTENDED,   /* the filter, widened as above */
	CAPTURE_FILTER_STRICT,     /* --strict-filter: as written */
	CAPTURE_FILTER_UNEXTENDED, /* could not be widened (see the note) */
};

enum capture_status {
	CAPTURE_OK = 0,
	CAPTURE_INPUT_ERROR = 2, /* missing file, not a capture, bad interface, no permission... */
};

/* One frame as read. `data` is valid during the on_frame call only. */
struct capture_frame {
	int linktype;     /* DLT_ value */
	const uint8_t *data;
	uint32_t caplen, wirelen;
	ts_usec ts;
	uint64_t frame;   /* 1-based within its file, filtered frames counted */
	int file;         /* index of its -r file in capture_opts.files, or of its
			   * interface in capture_opts.ifaces (else 0 live) */
	bool widened;     /* read through a widened filter: capture_source_selects()
			   * tells what the user's own filter selects */
};

struct capture_sink {
	void (*on_frame)(void *arg, const struct capture_frame *fr);
	/* Called every 1024 frames, while a paced replay waits, and after
	 * every live read round; quiet = a live round that read nothing. */
	void (*on_idle)(void *arg, bool quiet);
	void *arg;
};

struct capture_source;

/* Open the input: the live interface, or check that every -r file is
 * readable (when there are several) before any frame is read. NULL with
 * a one-line message in err. */
struct capture_source *capture_source_open(const struct capture_opts *o, char *err, size_t errlen);
/* Read everything (files) or until *stop (live), handing each frame to
 * the sink. CAPTURE_OK, or CAPTURE_INPUT_ERROR with a message in err. */
int capture_source_run(struct capture_source *s, const struct capture_sink *sink, volatile sig_atomic_t *stop,
		       char *err, size_t errlen);
bool capture_source_live(const struct capture_source *s);
/* Packets the kernel and the interface dropped (live; 0 offline). */
void capture_source_drops(const struct capture_source *s, uint64_t *kernel, uint64_t *iface);
/* Can this filter be widened (it reads no link-layer field)? */
bool capture_filter_widens(const char *filter);
/* How the filter was applied; *note (may be NULL) says why a filter was
 * not widened, or "" . */
enum capture_filter_mode capture_source_filter_mode(const struct capture_source *s, const char **note);
/* With a widened filter: does the user's own filter select this IP
 * packet (IPv4 or IPv6 header first, len bytes)? Used on ICMP errors and
 * fragments, which may have been read only because of the widening, on
 * their own IP bytes, on the datagram an ICMP error quotes and on a
 * reassembled datagram. Always true when there is no user filter that
 * compiles for raw IP. */
bool capture_source_selects(const struct capture_source *s, const uint8_t *ip, uint32_t len);
/* The caller asks only about frames whose capture_frame.widened is set:
 * the answer does not depend on which input is being read, so another
 * thread may ask while the source reads on (--threads 2). */
/* Files that ended in the middle of a packet. */
uint64_t capture_source_files_truncated(const struct capture_source *s);
void capture_source_close(struct capture_source *s);
/* Print the interfaces libpcap can capture on, numbered as tcpdump -D
 * does. 0, or -1 with a message in err. */
int capture_list_interfaces(FILE *out, char *err, size_t errlen);
/* libpcap's name of a link type ("EN10MB"), or NULL. */
const char *capture_linktype_name(int linktype);
/* Library versions for --version: libpcap's own string, libnids' x.y. */
const char *capture_pcap_version(void);
const char *capture_nids_version(void);

#endif
