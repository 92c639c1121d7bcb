/* SPDX-License-Identifier: GPL-2.0-or-later */
/* options.c - the command line's options: --help's text and the strict
 * parser (every number whole and in range, no junk), which fills struct
 * cli and sd_cfg. It only parses: main.c acts on the result. Kept apart
 * so tests/fuzz/fuzz_options.c can feed it any argument vector. */
#include "options.h"
#include "workers.h"
#include "analyzer/config.h"
#include "capture/sanitize.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void cli_usage(FILE *o)
{
	fprintf(o,
		"usage: shakedown -r FILE [-r FILE...] [options] [BPF filter]\n"
		"       shakedown -i IFACE [options] [BPF filter]\n"
		"       shakedown --check DIR [-j N] [--json] [--junit FILE] [--write-expect | --update-expect [--yes]]\n"
		"\n"
		"Tells, from the wire alone, why connections through a firewall fail:\n"
		"unanswered SYNs, resets, stalled SSH handshakes, FINs never acknowledged,\n"
		"asymmetric routes, blocked or mismatched IKE/IPsec.\n"
		"\n"
		"input:\n"
		"  -r FILE              read a pcap or pcapng file, plain or .gz ('-' for stdin); repeat\n"
		"  --points             the -r files are the same traffic captured at once at several points\n"
		"                       (-r NAME=FILE, e.g. -r lan=lan.pcap -r wan=wan.pcap, path order):\n"
		"                       the first is analysed, and each verdict says where its packets were\n"
		"                       seen and where they were lost; live on one machine that sees every\n"
		"                       point: --points -i lan=em1 -i wan=em0 (one clock, merged by time)\n"
		"  -i IFACE             capture live on IFACE (needs root or cap_net_raw,cap_net_admin)\n"
		"  -D, --list-interfaces  list the interfaces that can be captured on, then exit\n"
		"  -p, --no-promiscuous-mode  live: do not put the interface into promiscuous mode\n"
		"  -c, --count N        stop after N packets read (after the filter); the report follows\n"
		"  -w, --write FILE     also write every packet read (after the filter) to FILE as pcap\n"
		"  -C SIZE              with -w: a new file once the current one passes SIZE (millions of\n"
		"                       bytes, or 100k, 50m, 1g), named FILE1, FILE2... as tcpdump does\n"
		"  -W N                 with -C: at most N files, FILE0..FILE{N-1}, overwritten in turn\n"
		"  -B, --buffer-size MB kernel capture buffer in MiB (live; default 32)\n"
		"  -Z USER              live: run as USER once the capture is open (default nobody when\n"
		"                       started as root; -Z root keeps root); capabilities are dropped\n"
		"  --workers N          live: spread the interface over N processes (Linux packet\n"
		"                       fanout, flows kept whole); one merged JSON/text output\n"
		"  --threads N          -r: 2 = read and decode on a second thread while this one\n"
		"                       analyses (same output, less wall time); default 1\n"
		"  -s, --snaplen N      bytes kept per packet (live; default 262144)\n"
		"  --strict-filter      use the BPF filter as written; by default it is widened to the\n"
		"                       ICMP errors and IP fragments about the flows it selects, which\n"
		"                       decide verdicts (e.g. an ICMP unreachable with 'port 22')\n"
		"  --max-flows N        flows tracked at once (default 131072)\n"
		"  --max-ssh N          SSH handshakes followed at once (default 16384)\n"
		"  --max-ike N          IKE SAs tracked at once (default 16384; ESP SAs: 4 x N)\n"
		"  --max-frag-datagrams N  IPv4 datagrams in reassembly at once (default 4096)\n"
		"  --max-frag-mb MB     memory for IPv4 fragments in reassembly, MiB (default 32)\n"
		"output:\n"
		"  --json               JSON Lines: one object per verdict, then a summary\n"
		"  --ui                 the ncurses live view (default when live on a terminal)\n"
		"  --no-ui              never start the live view\n"
		"  --pace               with -r and --ui: replay at the capture's own speed\n"
		"  -v, --verbose        show healthy (ok) verdicts in full\n"
		"  --evidence DIR       write one pcap per warn/fail verdict (its flow's frames from the\n"
		"                       first to the last evidence frame) and index.json, README.txt\n"
		"  --evidence-all       with --evidence: a pcap for every verdict, ok and info too\n"
		"  --community-id-seed N  seed of the JSON community_id (0-65535; default 0)\n"
		"  --localtime          absolute times in the text report in local time (default UTC)\n"
		"  --bundle FILE.tar.gz one file for a ticket: text report, JSON, evidence pcaps, the\n"
		"                       command line, version and capture metadata (or a DIR)\n"
		"  --fail-on SEV        exit 1 when a verdict of SEV or worse is found (ok|info|warn|fail;\n"
		"                       default fail)\n"
		"  --check DIR          run every capture under DIR against the .expect beside it\n"
		"  -j, --jobs N         with --check: captures run at once (default: the number of cores)\n"
		"  --check-timeout S    with --check: time limit per capture, a failure of it (default 300)\n"
		"  --junit FILE         with --check: also write JUnit XML, one test case per capture\n"
		"  --write-expect       with --check: write a DRAFT .expect where one is missing\n"
		"  --list-verdicts      print every verdict (id, severity, title); with --json one\n"
		"                       object per verdict, with its remediation and detail keys\n"
		"  --update-expect      with --check: show a diff for each failing exact .expect\n"
		"  --yes                with --update-expect: rewrite those files as shown\n"
		"  .expect lines (see docs/user-guide.md):\n"
		"    SEV ID [PROTO C:P -> S:P]               exact mode: every produced verdict listed\n"
		"    require [N|N+] SEV[+] IDGLOB [FLOW] [CHECKS]  at least one (or N) such verdicts\n"
		"    forbid SEV[+] IDGLOB [FLOW] [CHECKS]     no such verdict\n"
		"    CHECKS: key=\"value\" or key~\"regex\" on the verdict's details;\n"
		"    # args: --ssh-timeout 4 -- tcp port 22  thresholds and a BPF filter only (and --points\n"
		"                       with -r [NAME=]FILE beside the capture)\n"
		"thresholds (seconds):\n"
		"  --syn-timeout S      SYN unanswered (default 3)\n"
		"  --rtt-warn S         handshake slower than this is slow (default 1)\n"
		"  --fin-timeout S      FIN unacknowledged (default 10)\n"
		"  --half-close-timeout S  peer never closes after a FIN (default 5)\n"
		"  --msl S              maximum segment lifetime, TIME_WAIT = 2*MSL (default 30, pfSense)\n"
		"  --ssh-timeout S      the SSH client's handshake timeout (default 20, ssh2 readyTimeout)\n"
		"  --banner-timeout S   no SSH server banner (default 20)\n"
		"  --ike-timeout S      IKE request unanswered (default 10)\n"
		"  --esp-timeout S      ESP one-way (default 10)\n"
		"  --idle-timeout S     forget idle flows (default 600)\n"
		"  -h, --help, --version\n");
}

enum {
	OPT_JSON = 256,
	OPT_LIST_VERDICTS,
	OPT_CHECK,
	OPT_WRITE_EXPECT,
	OPT_UPDATE_EXPECT,
	OPT_YES,
	OPT_JUNIT,
	OPT_CHECK_TIMEOUT,
	OPT_FAIL_ON,
	OPT_MAX_FLOWS,
	OPT_BUFFER,
	OPT_SNAPLEN,
	OPT_UI,
	OPT_NO_UI,
	OPT_PACE,
	OPT_VERSION,
	OPT_SYN,
	OPT_RTT,
	OPT_FIN,
	OPT_HALF,
	OPT_MSL,
	OPT_SSH,
	OPT_BANNER,
	OPT_IKE,
	OPT_ESP,
	OPT_IDLE,
	OPT_EVIDENCE,
	OPT_EVIDENCE_ALL,
	OPT_CID_SEED,
	OPT_MAX_SSH,
	OPT_MAX_IKE,
	OPT_MAX_FRAG,
	OPT_MAX_FRAG_MB,
	OPT_WORKERS,
	OPT_POINTS,
	OPT_LOCALTIME,
	OPT_BUNDLE,
	OPT_STRICT_FILTER,
	OPT_THREADS,
};

/* -c: 1 to this many packets */
#define CLI_MAX_COUNT 1000000000000000LL

/* Options are refused unless the whole argument is a plain decimal number
 * in range: no sign, no leading space, no exponent, no hex, no nan or inf,
 * no trailing junk. */
static bool plain_decimal(const char *s, bool fraction)
{
	size_t digits = 0, dots = 0;
	for (const char *p = s; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (*p == '.' && fraction && !dots)
			dots++;
		else
			return false;
	}
	return digits > 0 && digits <= 18;
}

static bool parse_seconds(const char *s, ts_usec *out)
{
	if (!plain_decimal(s, true))
		return false;
	double d = strtod(s, NULL);
	if (!isfinite(d) || d < 0 || d > 86400.0 * 365)
		return false;
	*out = SEC(d);
	return true;
}

static bool parse_count(const char *s, long long lo, long long hi, long long *out)
{
	if (!plain_decimal(s, false))
		return false;
	long long n = strtoll(s, NULL, 10);
	if (n < lo || n > hi)
		return false;
	*out = n;
	return true;
}

/* A whole-number option in [lo, hi]; false after saying why. */
static bool count_option(const char *name, const char *arg, long long lo, long long hi, long long *out)
{
	if (parse_count(arg, lo, hi, out))
		return true;
	fprintf(stderr, "shakedown: --%s takes %lld to %lld (a whole number), not '", name, lo, hi);
	sanitize_fputs(stderr, arg);
	fputs("'\n", stderr);
	return false;
}

/* -C as tcpdump reads it: millions of bytes, or KiB, MiB, GiB with a k,
 * m or g suffix; 1 byte to 1 TB. */
static bool size_option(const char *arg, uint64_t *out)
{
	char num[24];
	size_t n = strlen(arg);
	uint64_t unit = 1000000;
	if (n && strchr("kKmMgG", arg[n - 1])) {
		char u = (char)(arg[n - 1] | 0x20);
		unit = u == 'k' ? 1024ull : u == 'm' ? 1024ull * 1024 : 1024ull * 1024 * 1024;
		n--;
	}
	long long v;
	if (n && n < sizeof num) {
		memcpy(num, arg, n);
		num[n] = 0;
		if (parse_count(num, 1, (long long)(1000000000000ull / unit), &v)) {
			*out = (uint64_t)v * unit;
			return true;
		}
	}
	fputs("shakedown: -C takes a file size in millions of bytes, or with a k, m or g suffix (KiB, MiB, GiB) "
	      "up to 1 TB, not '",
	      stderr);
	sanitize_fputs(stderr, arg);
	fputs("'\n", stderr);
	return false;
}

int cli_parse(int argc, char **argv, struct cli *c, int (*run_main)(int argc, char **argv))
{
	static const struct option longopts[] = {
		{ "json", no_argument, 0, OPT_JSON },
		{ "list-verdicts", no_argument, 0, OPT_LIST_VERDICTS },
		{ "check", required_argument, 0, OPT_CHECK },
		{ "write-expect", no_argument, 0, OPT_WRITE_EXPECT },
		{ "update-expect", no_argument, 0, OPT_UPDATE_EXPECT },
		{ "yes", no_argument, 0, OPT_YES },
		{ "junit", required_argument, 0, OPT_JUNIT },
		{ "check-timeout", required_argument, 0, OPT_CHECK_TIMEOUT },
		{ "jobs", required_argument, 0, 'j' },
		{ "fail-on", required_argument, 0, OPT_FAIL_ON },
		{ "max-flows", required_argument, 0, OPT_MAX_FLOWS },
		{ "max-ssh", required_argument, 0, OPT_MAX_SSH },
		{ "max-ike", required_argument, 0, OPT_MAX_IKE },
		{ "max-frag-datagrams", required_argument, 0, OPT_MAX_FRAG },
		{ "max-frag-mb", required_argument, 0, OPT_MAX_FRAG_MB },
		{ "buffer-size", required_argument, 0, OPT_BUFFER },
		{ "snaplen", required_argument, 0, OPT_SNAPLEN },
		{ "ui", no_argument, 0, OPT_UI },
		{ "no-ui", no_argument, 0, OPT_NO_UI },
		{ "pace", no_argument, 0, OPT_PACE },
		{ "verbose", no_argument, 0, 'v' },
		{ "help", no_argument, 0, 'h' },
		{ "version", no_argument, 0, OPT_VERSION },
		{ "syn-timeout", required_argument, 0, OPT_SYN },
		{ "rtt-warn", required_argument, 0, OPT_RTT },
		{ "fin-timeout", required_argument, 0, OPT_FIN },
		{ "half-close-timeout", required_argument, 0, OPT_HALF },
		{ "msl", required_argument, 0, OPT_MSL },
		{ "ssh-timeout", required_argument, 0, OPT_SSH },
		{ "banner-timeout", required_argument, 0, OPT_BANNER },
		{ "ike-timeout", required_argument, 0, OPT_IKE },
		{ "esp-timeout", required_argument, 0, OPT_ESP },
		{ "idle-timeout", required_argument, 0, OPT_IDLE },
		{ "evidence", required_argument, 0, OPT_EVIDENCE },
		{ "evidence-all", no_argument, 0, OPT_EVIDENCE_ALL },
		{ "community-id-seed", required_argument, 0, OPT_CID_SEED },
		{ "workers", required_argument, 0, OPT_WORKERS },
		{ "points", no_argument, 0, OPT_POINTS },
		{ "localtime", no_argument, 0, OPT_LOCALTIME },
		{ "bundle", required_argument, 0, OPT_BUNDLE },
		{ "list-interfaces", no_argument, 0, 'D' },
		{ "no-promiscuous-mode", no_argument, 0, 'p' },
		{ "count", required_argument, 0, 'c' },
		{ "write", required_argument, 0, 'w' },
		{ "strict-filter", no_argument, 0, OPT_STRICT_FILTER },
		{ "threads", required_argument, 0, OPT_THREADS },
		{ 0, 0, 0, 0 },
	};
	/* a --check worker parses again for every capture: start clean */
	config_defaults(&sd_cfg);
	json_set_community_id_seed(0);
	report_set_localtime(false);
	memset(c, 0, sizeof *c);
	c->workers = 1;
	c->threads = 1;
	c->co.run_main = run_main;
	c->co.timeout = 300;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	c->co.jobs = ncpu > 0 ? (int)(ncpu > 256 ? 256 : ncpu) : 1;
	optind = 0; /* getopt from scratch: a --check child parses again */
	c->fail_on = SEV_FAIL;
	int opt;
	long long num;
	while ((opt = getopt_long(argc, argv, "+r:i:j:s:B:Z:c:w:C:W:Dpvh", longopts, NULL)) != -1) {
		ts_usec *target = NULL;
		switch (opt) {
		case 'r':
			if (c->nfiles >= 64) {
				fprintf(stderr, "shakedown: at most 64 -r files\n");
				return 2;
			}
			c->files[c->nfiles++] = optarg;
			break;
		case 'i':
			if (c->nifaces >= CLI_MAX_IFACES) {
				fprintf(stderr, "shakedown: at most %d -i interfaces\n", CLI_MAX_IFACES);
				return 2;
			}
			c->ifaces[c->nifaces++] = optarg;
			if (!c->iface)
				c->iface = optarg;
			break;
		case 'v':
			sd_cfg.verbose++;
			break;
		case 'h':
			cli_usage(stdout);
			return 0;
		case OPT_VERSION:
			ui_print_version(stdout);
			return 0;
		case OPT_JSON:
			c->json = true;
			break;
		case OPT_LIST_VERDICTS:
			c->list_verdicts = true;
			break;
		case OPT_CHECK:
			c->check_dir = optarg;
			break;
		case OPT_WRITE_EXPECT:
			c->write_expect = true;
			break;
		case OPT_UPDATE_EXPECT:
			c->co.update = true;
			break;
		case OPT_YES:
			c->co.yes = true;
			break;
		case OPT_JUNIT:
			c->co.junit = optarg;
			break;
		case 'j': {
			char *end;
			long n = strtol(optarg, &end, 10);
			if (*end || n < 1 || n > 256) {
				fprintf(stderr, "shakedown: -j takes 1 to 256\n");
				return 2;
			}
			c->co.jobs = (int)n;
			break;
		}
		case OPT_CHECK_TIMEOUT: {
			char *end;
			c->co.timeout = strtod(optarg, &end);
			if (*end || end == optarg || !(c->co.timeout > 0 && c->co.timeout <= 86400)) {
				fprintf(stderr, "shakedown: --check-timeout takes 0 to 86400 seconds\n");
				return 2;
			}
			break;
		}
		case OPT_FAIL_ON:
			if (!severity_parse(optarg, &c->fail_on)) {
				fprintf(stderr, "shakedown: --fail-on takes ok, info, warn or fail\n");
				return 2;
			}
			break;
		case OPT_MAX_FLOWS:
			if (!count_option("max-flows", optarg, 16, 50000000, &num))
				return 2;
			sd_cfg.max_flows = (uint32_t)num;
			break;
		case OPT_MAX_SSH:
			if (!count_option("max-ssh", optarg, 16, 50000000, &num))
				return 2;
			sd_cfg.max_ssh = (uint32_t)num;
			break;
		case OPT_MAX_IKE:
			if (!count_option("max-ike", optarg, 128, 524288, &num))
				return 2;
			sd_cfg.max_ike = (uint32_t)num;
			break;
		case OPT_MAX_FRAG:
			if (!count_option("max-frag-datagrams", optarg, 16, 16777216, &num))
				return 2;
			c->max_frag_datagrams = (uint32_t)num;
			break;
		case OPT_MAX_FRAG_MB:
			if (!count_option("max-frag-mb", optarg, 1, 65536, &num))
				return 2;
			c->max_frag_bytes = (uint64_t)num << 20;
			break;
		case 'B': /* tcpdump's spelling; tcpdump counts KiB, we count MiB */
		case OPT_BUFFER:
			/* libpcap takes the size in bytes as an int */
			if (!count_option("buffer-size", optarg, 1, INT32_MAX / (1024 * 1024), &num))
				return 2;
			c->buffer_mb = (int)num;
			break;
		case 's': /* tcpdump's spelling */
		case OPT_SNAPLEN:
			if (!count_option("snaplen", optarg, 16, 262144, &num))
				return 2;
			c->snaplen = (int)num;
			break;
		case 'Z':
			c->drop_user = optarg;
			break;
		case 'D':
			c->list_interfaces = true;
			break;
		case 'p':
			c->no_promisc = true;
			break;
		case 'c':
			if (!count_option("count", optarg, 1, CLI_MAX_COUNT, &num))
				return 2;
			c->count = (uint64_t)num;
			break;
		case 'w':
			/* stdout carries the report */
			if (!strcmp(optarg, "-") || !*optarg) {
				fprintf(stderr, "shakedown: -w takes a file name; '-' (stdout) carries the report\n");
				return 2;
			}
			c->write_file = optarg;
			break;
		case 'C':
			if (!size_option(optarg, &c->write_rotate_bytes))
				return 2;
			break;
		case 'W':
			if (!parse_count(optarg, 1, 1000000, &num)) {
				fputs("shakedown: -W takes 1 to 1000000 (files), not '", stderr);
				sanitize_fputs(stderr, optarg);
				fputs("'\n", stderr);
				return 2;
			}
			c->write_files = (unsigned)num;
			break;
		case OPT_STRICT_FILTER:
			c->strict_filter = true;
			break;
		case OPT_UI:
			c->want_ui = true;
			break;
		case OPT_NO_UI:
			c->no_ui = true;
			break;
		case OPT_PACE:
			c->pace = true;
			break;
		case OPT_SYN:
			target = &sd_cfg.syn_timeout;
			break;
		case OPT_RTT:
			target = &sd_cfg.rtt_warn;
			break;
		case OPT_FIN:
			target = &sd_cfg.fin_timeout;
			break;
		case OPT_HALF:
			target = &sd_cfg.half_close_timeout;
			break;
		case OPT_MSL:
			target = &sd_cfg.msl;
			break;
		case OPT_SSH:
			target = &sd_cfg.ssh_timeout;
			break;
		case OPT_BANNER:
			target = &sd_cfg.banner_timeout;
			c->banner_set = true;
			break;
		case OPT_IKE:
			target = &sd_cfg.ike_timeout;
			break;
		case OPT_ESP:
			target = &sd_cfg.esp_timeout;
			break;
		case OPT_IDLE:
			target = &sd_cfg.idle_timeout;
			break;
		case OPT_EVIDENCE:
			c->evidence_dir = optarg;
			break;
		case OPT_EVIDENCE_ALL:
			c->evidence_all = true;
			break;
		case OPT_LOCALTIME:
			report_set_localtime(true);
			break;
		case OPT_BUNDLE:
			c->bundle_path = optarg;
			break;
		case OPT_POINTS:
			c->points = true;
			break;
		case OPT_THREADS:
			if (!count_option("threads", optarg, 1, 2, &num))
				return 2;
			c->threads = (int)num;
			break;
		case OPT_WORKERS:
			if (!count_option("workers", optarg, 1, WORKERS_MAX, &num))
				return 2;
			c->workers = (int)num;
			break;
		case OPT_CID_SEED: {
			char *end;
			long seed = strtol(optarg, &end, 10);
			if (end == optarg || *end || seed < 0 || seed > 65535) {
				fprintf(stderr, "shakedown: --community-id-seed takes 0 to 65535\n");
				return 2;
			}
			json_set_community_id_seed((uint16_t)seed);
			break;
		}
		default:
			cli_usage(stderr);
			return 2;
		}
		if (target && !parse_seconds(optarg, target)) {
			fputs("shakedown: '", stderr);
			sanitize_fputs(stderr, optarg);
			fputs("' is not a number of seconds (0 to 31536000, digits and one '.')\n", stderr);
			return 2;
		}
	}
	/* the banner wait defaults to the client's handshake timeout */
	if (!c->banner_set)
		sd_cfg.banner_timeout = sd_cfg.ssh_timeout;

	c->filter_at = optind;
	return CLI_RUN;
}
