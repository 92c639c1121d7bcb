/* SPDX-License-Identifier: GPL-2.0-or-later */
/* main.c - the command line: parse options, pick the sinks, run the
 * capture, choose the exit status (0 clean, 1 verdict at or above
 * --fail-on, 2 usage or input error). */
#include "analyzer/config.h"
#include "analyzer/driver.h"
#include "bundle.h"
#include "evidence.h"
#include "privdrop.h"
#include "provenance.h"
#include "output.h"
#include "capture/sanitize.h"
#include "tui.h"

#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void usage(FILE *o)
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
		"  -i IFACE             capture live on IFACE (needs root or cap_net_raw,cap_net_admin)\n"
		"  -B, --buffer-size MB kernel capture buffer in MiB (live)\n"
		"  -Z USER              live: run as USER once the capture is open (default nobody when\n"
		"                       started as root; -Z root keeps root); capabilities are dropped\n"
		"  -s, --snaplen N      bytes kept per packet (live; default 262144)\n"
		"  --max-flows N        flows tracked at once (default 131072)\n"
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
		"    # args: --ssh-timeout 4 -- tcp port 22  thresholds and a BPF filter only\n"
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
	OPT_LOCALTIME,
	OPT_BUNDLE,
};

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

/* The trailing arguments joined by spaces, as tcpdump does (NULL when
 * there are none or memory runs out; *oom tells which). */
static char *join_filter(int argc, char **argv, int first, bool *oom)
{
	size_t len = 0;
	*oom = false;
	if (first >= argc)
		return NULL;
	for (int i = first; i < argc; i++)
		len += strlen(argv[i]) + 1;
	char *f = malloc(len);
	if (!f) {
		*oom = true;
		return NULL;
	}
	size_t o = 0;
	for (int i = first; i < argc; i++) {
		size_t n = strlen(argv[i]);
		if (i > first)
			f[o++] = ' ';
		memcpy(f + o, argv[i], n);
		o += n;
	}
	f[o] = 0;
	return f;
}

/* An error message that may quote a file name or a filter. */
static void say_error(const char *msg)
{
	fputs("shakedown: ", stderr);
	sanitize_fputs(stderr, msg);
	fputc('\n', stderr);
}

/* Every frame, before the pipeline: which input it came from, and (live
 * --evidence) a copy in the ring of recent frames. */
static void on_frame(void *arg, const struct capture_frame *fr, uint64_t flows_created)
{
	(void)arg;
	provenance_note_frame(fr, flows_created);
	evidence_note_frame(fr);
}

static void on_poll_ended(void *arg, const struct driver_snapshot *snap)
{
	(void)arg;
	report_note_ended(snap->ended, snap->nended);
}

/* Folders written after the privilege drop (live --evidence, --bundle). */
static const char *after_drop_dirs[3];

static int open_drop_privileges(void *user, char *err, size_t errlen)
{
	for (int i = 0; i < 3 && after_drop_dirs[i]; i++)
		if (priv_hand_over((const char *)user, after_drop_dirs[i]) < 0) {
			snprintf(err, errlen, "cannot give %s to the user the capture runs as", after_drop_dirs[i]);
			return -1;
		}
	return priv_drop((const char *)user, err, errlen);
}

/* The whole command line; --check runs it again, in a forked child, for
 * each capture. */
static int shakedown_main(int argc, char **argv)
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
		{ "localtime", no_argument, 0, OPT_LOCALTIME },
		{ "bundle", required_argument, 0, OPT_BUNDLE },
		{ 0, 0, 0, 0 },
	};
	config_defaults(&sd_cfg);
	const char *files[64];
	int nfiles = 0;
	const char *iface = NULL, *check_dir = NULL, *evidence_dir = NULL, *drop_user = NULL, *bundle_path = NULL;
	bool evidence_all = false;
	char err0[512] = "";
	bool json = false, list_verdicts = false, write_expect = false, want_ui = false, no_ui = false, pace = false,
	     banner_set = false;
	struct check_opts co = { .run_main = shakedown_main, .timeout = 300 };
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	co.jobs = ncpu > 0 ? (int)(ncpu > 256 ? 256 : ncpu) : 1;
	optind = 0; /* getopt from scratch: a --check child parses again */
	enum severity fail_on = SEV_FAIL;
	int buffer_mb = 0, snaplen = 0;
	int c;
	long long num;
	while ((c = getopt_long(argc, argv, "+r:i:j:s:B:Z:vh", longopts, NULL)) != -1) {
		ts_usec *target = NULL;
		switch (c) {
		case 'r':
			if (nfiles >= 64) {
				fprintf(stderr, "shakedown: at most 64 -r files\n");
				return 2;
			}
			files[nfiles++] = optarg;
			break;
		case 'i':
			iface = optarg;
			break;
		case 'v':
			sd_cfg.verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case OPT_VERSION:
			ui_print_version(stdout);
			return 0;
		case OPT_JSON:
			json = true;
			break;
		case OPT_LIST_VERDICTS:
			list_verdicts = true;
			break;
		case OPT_CHECK:
			check_dir = optarg;
			break;
		case OPT_WRITE_EXPECT:
			write_expect = true;
			break;
		case OPT_UPDATE_EXPECT:
			co.update = true;
			break;
		case OPT_YES:
			co.yes = true;
			break;
		case OPT_JUNIT:
			co.junit = optarg;
			break;
		case 'j': {
			char *end;
			long n = strtol(optarg, &end, 10);
			if (*end || n < 1 || n > 256) {
				fprintf(stderr, "shakedown: -j takes 1 to 256\n");
				return 2;
			}
			co.jobs = (int)n;
			break;
		}
		case OPT_CHECK_TIMEOUT: {
			char *end;
			co.timeout = strtod(optarg, &end);
			if (*end || end == optarg || !(co.timeout > 0 && co.timeout <= 86400)) {
				fprintf(stderr, "shakedown: --check-timeout takes 0 to 86400 seconds\n");
				return 2;
			}
			break;
		}
		case OPT_FAIL_ON:
			if (!severity_parse(optarg, &fail_on)) {
				fprintf(stderr, "shakedown: --fail-on takes ok, info, warn or fail\n");
				return 2;
			}
			break;
		case OPT_MAX_FLOWS:
			if (!count_option("max-flows", optarg, 16, 50000000, &num))
				return 2;
			sd_cfg.max_flows = (uint32_t)num;
			break;
		case 'B': /* tcpdump's spelling; tcpdump counts KiB, we count MiB */
		case OPT_BUFFER:
			/* libpcap takes the size in bytes as an int */
			if (!count_option("buffer-size", optarg, 1, INT32_MAX / (1024 * 1024), &num))
				return 2;
			buffer_mb = (int)num;
			break;
		case 's': /* tcpdump's spelling */
		case OPT_SNAPLEN:
			if (!count_option("snaplen", optarg, 16, 262144, &num))
				return 2;
			snaplen = (int)num;
			break;
		case 'Z':
			drop_user = optarg;
			break;
		case OPT_UI:
			want_ui = true;
			break;
		case OPT_NO_UI:
			no_ui = true;
			break;
		case OPT_PACE:
			pace = true;
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
			banner_set = true;
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
			evidence_dir = optarg;
			break;
		case OPT_EVIDENCE_ALL:
			evidence_all = true;
			break;
		case OPT_LOCALTIME:
			report_set_localtime(true);
			break;
		case OPT_BUNDLE:
			bundle_path = optarg;
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
			usage(stderr);
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
	if (!banner_set)
		sd_cfg.banner_timeout = sd_cfg.ssh_timeout;

	if (list_verdicts)
		return verdict_list_print(stdout, json);
	if (check_dir) {
		char self[4096];
		ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
		if (n <= 0) {
			fprintf(stderr, "shakedown: cannot find my own binary\n");
			return 2;
		}
		self[n] = 0;
		co.self = self;
		co.dir = check_dir;
		co.write_missing = write_expect;
		co.json = json;
		return check_run(&co);
	}

	if ((nfiles == 0) == (iface == NULL)) {
		fprintf(stderr, "shakedown: give either -r FILE or -i IFACE (see --help)\n");
		return 2;
	}
	/* trailing arguments form the BPF filter, as in tcpdump; used whole */
	bool oom;
	char *filter = join_filter(argc, argv, optind, &oom);
	if (oom) {
		fprintf(stderr, "shakedown: no memory for the capture filter\n");
		return 2;
	}
	if (drop_user && !iface) {
		fprintf(stderr, "shakedown: -Z applies to live capture (-i) only\n");
		free(filter);
		return 2;
	}
	if (evidence_all && !evidence_dir) {
		fprintf(stderr, "shakedown: --evidence-all goes with --evidence DIR\n");
		free(filter);
		return 2;
	}
	for (int i = 0; evidence_dir && i < nfiles; i++)
		if (!strcmp(files[i], "-")) {
			/* the frames are read again from the files at the end */
			fprintf(stderr, "shakedown: --evidence reads the -r files again: not from stdin\n");
			free(filter);
			return 2;
		}
	bool ui = !json && !no_ui && (want_ui || (iface && isatty(1)));
	if (bundle_path && evidence_dir) {
		fprintf(stderr, "shakedown: --bundle writes its own evidence folder: drop --evidence\n");
		free(filter);
		return 2;
	}
	if (bundle_path) {
		if (bundle_begin(bundle_path, argc, argv, err0, sizeof err0) < 0) {
			say_error(err0);
			free(filter);
			return 2;
		}
		evidence_dir = bundle_evidence_dir();
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct capture_opts o;
	memset(&o, 0, sizeof o);
	o.files = files;
	o.nfiles = nfiles;
	o.iface = iface;
	o.filter = filter && filter[0] ? filter : NULL;
	o.buffer_mb = buffer_mb;
	o.snaplen = snaplen;
	o.max_flows = sd_cfg.max_flows;
	o.idle_timeout = sd_cfg.idle_timeout;
	o.pace = pace && ui;

	char source[512];
	if (iface)
		snprintf(source, sizeof source, "%s", iface);
	else
		snprintf(source, sizeof source, "%s%s", files[0], nfiles > 1 ? " (+more)" : "");

	char err[512] = "";
	struct driver_hooks hooks;
	memset(&hooks, 0, sizeof hooks);
	if (iface)
		provenance_begin(&iface, 1, true);
	else
		provenance_begin(files, nfiles, false);
	hooks.on_frame = on_frame;
	if (iface) {
		/* live: give up root and capabilities once the capture is open */
		hooks.on_open = open_drop_privileges;
		hooks.open_arg = (void *)drop_user;
		after_drop_dirs[0] = evidence_dir;
		after_drop_dirs[1] = bundle_path ? bundle_dir() : NULL;
	}
	if (ui) {
		if (!tui_start(&o, &hooks, source, o.filter, err, sizeof err)) {
			say_error(err);
			free(filter);
			return 2;
		}
	} else if (json) {
		static char outbuf[1 << 16];
		if (!iface)
			setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
		json_attach(stdout, iface != NULL);
	}
	if (bundle_path && json) {
		json_copy_to(bundle_json());
	} else if (bundle_path) {
		json_attach(bundle_json(), false);
	}
	if (!json || bundle_path) {
		report_attach(json ? bundle_text() : stdout, sd_cfg.verbose, !ui);
		if (bundle_path && !json)
			report_copy_to(bundle_text());
		if (!ui) {
			/* the flows that ended, to count those without a verdict;
			 * no look at the whole table (that is for the live view) */
			hooks.on_poll = on_poll_ended;
			o.poll_ms = 1 << 30;
		}
	}
	if (evidence_dir && evidence_attach(evidence_dir, evidence_all, iface != NULL, err, sizeof err) < 0) {
		say_error(err);
		free(filter);
		return 2;
	}

	struct run_summary sum;
	int rc = driver_run(&o, &hooks, &sum, &stop_flag, err, sizeof err);
	sum.source = source;
	verdict_counts(sum.counts);
	if (ui)
		tui_finish(&sum, &stop_flag);
	if (rc != CAPTURE_OK) {
		say_error(err);
		free(filter);
		return 2;
	}
	verdict_emit_summary(&sum);
	free(filter);
	int ev_status = evidence_dir ? evidence_status() : 0;
	if (bundle_path && bundle_finish())
		return 2;
	if (ev_status)
		return 2; /* filter was freed above */
	for (int s = SEV_FAIL; s >= (int)fail_on; s--)
		if (sum.counts[s])
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	return shakedown_main(argc, argv);
}
