/* main.c - the command line: parse options, pick the sinks, run the
 * capture, choose the exit status (0 clean, 1 verdict at or above
 * --fail-on, 2 usage or input error). */
#include "analyzer/config.h"
#include "capture/capture.h"
#include "output.h"
#include "tui.h"

#include <getopt.h>
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
		"       shakedown --check DIR [--write-expect]\n"
		"\n"
		"Tells, from the wire alone, why connections through a firewall fail:\n"
		"unanswered SYNs, resets, stalled SSH handshakes, FINs never acknowledged,\n"
		"asymmetric routes, blocked or mismatched IKE/IPsec.\n"
		"\n"
		"input:\n"
		"  -r FILE              read a pcap or pcapng file ('-' for stdin); repeat for more\n"
		"  -i IFACE             capture live on IFACE (needs root or cap_net_raw,cap_net_admin)\n"
		"  --buffer-size MB     kernel capture buffer (live)\n"
		"  --snaplen N          bytes kept per packet (live; default 262144)\n"
		"  --max-flows N        flows tracked at once (default 131072)\n"
		"output:\n"
		"  --json               JSON Lines: one object per verdict, then a summary\n"
		"  --ui                 the ncurses live view (default when live on a terminal)\n"
		"  --no-ui              never start the live view\n"
		"  --pace               with -r and --ui: replay at the capture's own speed\n"
		"  -v, --verbose        show healthy (ok) verdicts in full\n"
		"  --fail-on SEV        exit 1 when a verdict of SEV or worse is found (ok|info|warn|fail;\n"
		"                       default fail)\n"
		"  --check DIR          run every capture under DIR against the .expect beside it\n"
		"  --write-expect       with --check: write a DRAFT .expect where one is missing\n"
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
	OPT_CHECK,
	OPT_WRITE_EXPECT,
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
};

static bool parse_seconds(const char *s, ts_usec *out)
{
	char *end;
	double d = strtod(s, &end);
	if (end == s || *end || d < 0 || d > 86400.0 * 365)
		return false;
	*out = SEC(d);
	return true;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, 0, OPT_JSON },
		{ "check", required_argument, 0, OPT_CHECK },
		{ "write-expect", no_argument, 0, OPT_WRITE_EXPECT },
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
		{ 0, 0, 0, 0 },
	};
	config_defaults(&sd_cfg);
	const char *files[64];
	int nfiles = 0;
	const char *iface = NULL, *check_dir = NULL;
	bool json = false, write_expect = false, want_ui = false, no_ui = false, pace = false, banner_set = false;
	enum severity fail_on = SEV_FAIL;
	int buffer_mb = 0, snaplen = 0;
	int c;
	while ((c = getopt_long(argc, argv, "+r:i:vh", longopts, NULL)) != -1) {
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
		case OPT_CHECK:
			check_dir = optarg;
			break;
		case OPT_WRITE_EXPECT:
			write_expect = true;
			break;
		case OPT_FAIL_ON:
			if (!severity_parse(optarg, &fail_on)) {
				fprintf(stderr, "shakedown: --fail-on takes ok, info, warn or fail\n");
				return 2;
			}
			break;
		case OPT_MAX_FLOWS: {
			long n = strtol(optarg, NULL, 10);
			if (n < 16 || n > 50000000) {
				fprintf(stderr, "shakedown: --max-flows takes 16 to 50000000\n");
				return 2;
			}
			sd_cfg.max_flows = (uint32_t)n;
			break;
		}
		case OPT_BUFFER:
			buffer_mb = atoi(optarg);
			break;
		case OPT_SNAPLEN:
			snaplen = atoi(optarg);
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
		default:
			usage(stderr);
			return 2;
		}
		if (target && !parse_seconds(optarg, target)) {
			fprintf(stderr, "shakedown: '%s' is not a number of seconds\n", optarg);
			return 2;
		}
	}
	/* the banner wait defaults to the client's handshake timeout */
	if (!banner_set)
		sd_cfg.banner_timeout = sd_cfg.ssh_timeout;

	if (check_dir) {
		char self[4096];
		ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
		if (n <= 0) {
			fprintf(stderr, "shakedown: cannot find my own binary\n");
			return 2;
		}
		self[n] = 0;
		return check_run(self, check_dir, write_expect);
	}

	/* trailing arguments form the BPF filter, as in tcpdump */
	char filter[4096] = "";
	size_t fl = 0;
	for (int i = optind; i < argc; i++)
		fl += (size_t)snprintf(filter + fl, fl < sizeof filter ? sizeof filter - fl : 0, "%s%s", i > optind ? " " : "",
				      argv[i]);
	if ((nfiles == 0) == (iface == NULL)) {
		fprintf(stderr, "shakedown: give either -r FILE or -i IFACE (see --help)\n");
		return 2;
	}
	bool ui = !json && !no_ui && (want_ui || (iface && isatty(1)));

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
	o.filter = filter[0] ? filter : NULL;
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
	if (ui) {
		if (!tui_start(&o, source, o.filter, err, sizeof err)) {
			fprintf(stderr, "shakedown: %s\n", err);
			return 2;
		}
	} else if (json) {
		static char outbuf[1 << 16];
		if (!iface)
			setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
		json_attach(stdout, iface != NULL);
	}
	if (!json)
		report_attach(stdout, sd_cfg.verbose);

	struct run_summary sum;
	int rc = capture_run(&o, &sum, &stop_flag, err, sizeof err);
	sum.source = source;
	verdict_counts(sum.counts);
	if (ui)
		tui_finish(&sum, &stop_flag);
	if (rc != CAPTURE_OK) {
		fprintf(stderr, "shakedown: %s\n", err);
		return 2;
	}
	verdict_emit_summary(&sum);
	for (int s = SEV_FAIL; s >= (int)fail_on; s--)
		if (sum.counts[s])
			return 1;
	return 0;
}
