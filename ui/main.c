/* SPDX-License-Identifier: GPL-2.0-or-later */
/* main.c - the command line: parse options, pick the sinks, run the
 * capture, choose the exit status (0 clean, 1 verdict at or above
 * --fail-on, 2 usage or input error). */
#include "analyzer/config.h"
#include "analyzer/driver.h"
#include "analyzer/points.h"
#include "bundle.h"
#include "evidence.h"
#include "privdrop.h"
#include "provenance.h"
#include "output.h"
#include "capture/sanitize.h"
#include "tui.h"
#include "options.h"
#include "workers.h"

#include <signal.h>
#include <stdbool.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop_flag;
/* main()'s argv until the first option parse (see hugepages_restart) */
static char **main_argv;
static void hugepages_restart(char **argv, const struct cli *cl);

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
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
	/* live --points: every interface's frames fill the points' table
	 * (arg); only the first interface's are the run's own */
	if (arg) {
		points_live_add(arg, fr);
		if (fr->file != 0)
			return;
	}
	provenance_note_frame(fr, flows_created);
	evidence_note_frame(fr);
}

/* --points -i NAME=IFACE or -i IFACE (the interface's own name): false
 * when the name is empty, too long or holds a comma. */
static bool points_parse_iface(const char *arg, char *name, size_t namelen, const char **iface)
{
	const char *eq = strchr(arg, '=');
	size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
	*iface = eq ? eq + 1 : arg;
	if (!n || n >= namelen || !**iface || memchr(arg, ',', n))
		return false;
	memcpy(name, arg, n);
	name[n] = 0;
	return true;
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

/* The whole command line; a --check worker runs it again for each
 * capture. */
static int shakedown_main(int argc, char **argv)
{
	struct cli cl;
	/* a --check worker runs this again for every capture: start clean */
	verdict_clear_sinks();
	verdict_reset_counts();
	verdict_set_annotator(NULL, NULL);
	points_activate(NULL);
	stop_flag = 0;
	memset(after_drop_dirs, 0, sizeof after_drop_dirs);
	int rc0 = cli_parse(argc, argv, &cl, shakedown_main);
	if (rc0 != CLI_RUN)
		return rc0;
	/* once, as the program starts: not in a --check worker's runs */
	if (main_argv == argv) {
		main_argv = NULL;
		hugepages_restart(argv, &cl);
	}
	const char **files = cl.files;
	int nfiles = cl.nfiles;
	const char *iface = cl.iface, *check_dir = cl.check_dir, *evidence_dir = cl.evidence_dir,
		   *drop_user = cl.drop_user;
	bool evidence_all = cl.evidence_all, json = cl.json, list_verdicts = cl.list_verdicts,
	     write_expect = cl.write_expect, want_ui = cl.want_ui, no_ui = cl.no_ui, pace = cl.pace;
	struct check_opts co = cl.co;
	enum severity fail_on = cl.fail_on;
	int buffer_mb = cl.buffer_mb, snaplen = cl.snaplen;
	int filter_at = cl.filter_at;

	if (list_verdicts)
		return verdict_list_print(stdout, json);
	if (cl.list_interfaces) {
		char lerr[512] = "";
		if (capture_list_interfaces(stdout, lerr, sizeof lerr) < 0) {
			say_error(lerr);
			return 2;
		}
		return 0;
	}
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

	if (cl.nifaces > 1 && !cl.points) {
		fprintf(stderr, "shakedown: several -i interfaces are capture points: add --points\n");
		return 2;
	}
	if ((nfiles == 0) == (iface == NULL)) {
		fprintf(stderr, "shakedown: give either -r FILE or -i IFACE (see --help)\n");
		return 2;
	}
	/* trailing arguments form the BPF filter, as in tcpdump; used whole */
	bool oom;
	char *filter = join_filter(argc, argv, filter_at, &oom);
	if (oom) {
		fprintf(stderr, "shakedown: no memory for the capture filter\n");
		return 2;
	}
	if (drop_user && !iface) {
		fprintf(stderr, "shakedown: -Z applies to live capture (-i) only\n");
		free(filter);
		return 2;
	}
	if ((cl.write_rotate_bytes || cl.write_files) && !cl.write_file) {
		fprintf(stderr, "shakedown: -C and -W go with -w FILE (they rotate the file it writes)\n");
		free(filter);
		return 2;
	}
	if (cl.write_files && !cl.write_rotate_bytes) {
		fprintf(stderr, "shakedown: -W goes with -C SIZE (files are rotated by size)\n");
		free(filter);
		return 2;
	}
	if (cl.strict_filter && !(filter && filter[0])) {
		fprintf(stderr, "shakedown: --strict-filter goes with a BPF filter (none given)\n");
		free(filter);
		return 2;
	}
	if (cl.no_promisc && !iface) {
		fprintf(stderr, "shakedown: -p applies to live capture (-i) only\n");
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
	const char *bundle_path = cl.bundle_path;
	char err0[512] = "";
	if (bundle_path && evidence_dir) {
		fprintf(stderr, "shakedown: --bundle writes its own evidence folder: drop --evidence\n");
		free(filter);
		return 2;
	}
	int nworkers = cl.workers;
	if (nworkers > 1 && !iface) {
		fprintf(stderr, "shakedown: --workers applies to live capture (-i) only\n");
		free(filter);
		return 2;
	}
	if (cl.threads > 1 && (iface || cl.pace)) {
		fprintf(stderr, "shakedown: --threads applies to reading files (-r) at full speed; live, use --workers\n");
		free(filter);
		return 2;
	}
	if (nworkers > 1 && (cl.write_file || cl.count)) {
		fprintf(stderr, "shakedown: --workers does not combine with -w or -c (each worker reads its own share)\n");
		free(filter);
		return 2;
	}
	if (nworkers > 1 && (evidence_dir || bundle_path)) {
		fprintf(stderr, "shakedown: --workers does not keep packets for --evidence or --bundle\n");
		free(filter);
		return 2;
	}
	if (nworkers > 1 && want_ui) {
		fprintf(stderr, "shakedown: --workers does not drive the live view (--ui); use --json or the text report\n");
		free(filter);
		return 2;
	}
	bool ui = !json && !no_ui && nworkers == 1 && (want_ui || (iface && isatty(1)));
	if (bundle_path) {
		if (bundle_begin(bundle_path, argc, argv, err0, sizeof err0) < 0) {
			say_error(err0);
			free(filter);
			return 2;
		}
		evidence_dir = bundle_evidence_dir();
	}
	struct points *P = NULL;
	char source_note[256] = "";
	char names[POINTS_MAX][POINTS_NAME_LEN];
	const char *paths[POINTS_MAX];
	if (cl.points && iface) {
		/* live: interfaces of one machine, one clock */
		const char *why = cl.nifaces < 2 ? "takes 2 to 8 -i interfaces"
			: nworkers > 1 ? "does not combine with --workers (one process reads every point)"
			: cl.write_file ? "does not combine with -w (one file holds one point: record each with tcpdump -w)"
			: evidence_dir ? "does not keep packets for --evidence or --bundle live (record with -w per point, then --points -r)"
			: NULL;
		if (why) {
			fprintf(stderr, "shakedown: live --points %s\n", why);
			free(filter);
			return 2;
		}
		for (int i = 0; i < cl.nifaces; i++)
			if (!points_parse_iface(cl.ifaces[i], names[i], sizeof names[i], &paths[i])) {
				fputs("shakedown: --points: '", stderr);
				sanitize_fputs(stderr, cl.ifaces[i]);
				fputs("' is not NAME=IFACE or IFACE (a name of 1 to 31 bytes)\n", stderr);
				free(filter);
				return 2;
			}
		char err[512] = "";
		P = points_live_new((unsigned)cl.nifaces, names, paths, err, sizeof err);
		if (!P) {
			say_error(err);
			free(filter);
			return 2;
		}
		iface = paths[0];
	} else if (cl.points) {
		char err[512] = "";
		if (nfiles < 2 || nfiles > POINTS_MAX) {
			fprintf(stderr, "shakedown: --points takes 2 to %d -r files\n", POINTS_MAX);
			free(filter);
			return 2;
		}
		for (int i = 0; i < nfiles; i++)
			if (!points_parse_arg(files[i], names[i], sizeof names[i], &paths[i]) || !strcmp(paths[i], "-")) {
				fputs("shakedown: --points: '", stderr);
				sanitize_fputs(stderr, files[i]);
				fputs("' is not NAME=FILE or FILE (a file, with a name of 1 to 31 bytes)\n", stderr);
				free(filter);
				return 2;
			}
		P = points_load((unsigned)nfiles, names, paths, filter && filter[0] ? filter : NULL, err, sizeof err);
		if (!P) {
			say_error(err);
			free(filter);
			return 2;
		}
		/* the first point is analysed as usual; the others explain it */
		files[0] = paths[0];
		nfiles = 1;
	}
	if (P) {
		size_t o = 0;
		for (unsigned i = 0; i < P->n && o < sizeof source_note; i++)
			o += (size_t)snprintf(source_note + o, sizeof source_note - o, "%s%s", i ? ", " : " (points: ",
					      P->p[i].name);
		if (o < sizeof source_note)
			snprintf(source_note + o, sizeof source_note - o, ")");
		points_activate(P);
		verdict_set_annotator(points_annotate, P);
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
	if (P && P->live) {
		o.ifaces = paths;
		o.nifaces = (int)P->n;
	}
	o.filter = filter && filter[0] ? filter : NULL;
	o.buffer_mb = buffer_mb;
	o.snaplen = snaplen;
	o.max_flows = sd_cfg.max_flows;
	o.max_frag_datagrams = cl.max_frag_datagrams;
	o.max_frag_bytes = cl.max_frag_bytes;
	o.idle_timeout = sd_cfg.idle_timeout;
	o.pace = pace && ui;
	o.no_promisc = cl.no_promisc;
	o.count = cl.count;
	o.write_file = cl.write_file;
	o.strict_filter = cl.strict_filter;
	o.threads = cl.threads;
	o.write_rotate_bytes = cl.write_rotate_bytes;
	o.write_files = cl.write_files;

	char source[512];
	if (iface)
		snprintf(source, sizeof source, "%s%s", iface, source_note);
	else
		snprintf(source, sizeof source, "%s%s%s", files[0], nfiles > 1 ? " (+more)" : "", source_note);

	char err[512] = "";
	struct driver_hooks hooks;
	memset(&hooks, 0, sizeof hooks);
	if (iface)
		provenance_begin(&iface, 1, true);
	else
		provenance_begin(files, nfiles, false);
	hooks.on_frame = on_frame;
	hooks.frame_arg = P && P->live ? P : NULL;
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
		static bool buffered; /* setvbuf only before the stream's first use */
		if (!iface && !buffered) {
			setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
			buffered = true;
		}
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
			hooks.ended_without_phase = !sd_cfg.verbose; /* -v lists them with their phase */
			hooks.ended_only = true;
			o.poll_ms = 1 << 30;
		}
	}
	if (evidence_dir && evidence_attach(evidence_dir, evidence_all, iface != NULL, err, sizeof err) < 0) {
		say_error(err);
		free(filter);
		return 2;
	}

	struct run_summary sum;
	int rc = nworkers > 1 ? workers_run(nworkers, &o, &hooks, open_drop_privileges, (void *)drop_user, &sum,
					    &stop_flag, err, sizeof err)
			      : driver_run(&o, &hooks, &sum, &stop_flag, err, sizeof err);
	sum.source = source;
	sum.filter = o.filter;
	verdict_counts(sum.counts);
	if (ui)
		tui_finish(&sum, &stop_flag);
	if (rc == CAPTURE_OK)
		verdict_emit_summary(&sum);
	else
		say_error(err);
	free(filter);
	if (P) {
		verdict_set_annotator(NULL, NULL);
		points_activate(NULL);
		points_free(P);
	}
	if (rc != CAPTURE_OK)
		return 2;
	int ev_status = evidence_dir ? evidence_status() : 0;
	if (bundle_path && bundle_finish())
		return 2;
	if (ev_status)
		return 2;
	for (int s = SEV_FAIL; s >= (int)fail_on; s--)
		if (sum.counts[s])
			return 1;
	return 0;
}

/* Huge pages for the heap. A run faults in tens of MiB of flow, state
 * and reassembly tables, one 4 KiB page at a time (on a medium capture
 * 12,400 page faults, about a tenth of the CPU time on a virtual machine).
 * glibc backs its heap with transparent huge pages only when told so as
 * the program starts (the glibc.malloc.hugetlb=1 tunable): so the program
 * starts itself again, once, with it set. Measured on the medium bench
 * workload: 4,800 page faults, about 10 % less CPU time, 3 MiB more
 * memory. A second start costs about 10-15 ms (loading the program
 * again), more than huge pages save on a small file: so it is done only
 * for a run that is likely to be long, live or from a pipe, or with
 * capture files of HUGEPAGES_MIN_BYTES or more in all (on disk). Not done
 * either when the kernel has transparent huge pages off, when the user
 * set GLIBC_TUNABLES (theirs wins) or LD_PRELOAD, for a privileged start
 * (AT_SECURE: glibc ignores tunables then), in a sanitizer build (its own
 * allocator ignores glibc's tunables), or with SHAKEDOWN_HUGEPAGES=0 (also
 * how the second start knows it is the second); SHAKEDOWN_HUGEPAGES=1
 * asks for it whatever the input's size. If exec fails the run goes on as
 * it is.
 * The tunable also takes allocations up to 1 MiB (glibc's mmap threshold,
 * 128 KiB by default) from that heap: the flow table's 832 KiB pool
 * chunks, otherwise separate mappings of 4 KiB pages, TLB misses on every
 * flow a SYN flood evicts. 1 M-SYN flood: page faults 5,600 -> 2,900,
 * 0.39 -> 0.35 s CPU, +2.3 MB; medium: page faults 4,700 -> 3,400, CPU
 * within the noise, +1.3 MB (tests/bench/README.md, flood2). */
#define HUGEPAGES_MIN_BYTES (4ull << 20)
#define HUGEPAGES_TUNABLES "glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=1048576"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZER_ALLOCATOR 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define SANITIZER_ALLOCATOR 1
#endif
#endif
#ifndef SANITIZER_ALLOCATOR
#define SANITIZER_ALLOCATOR 0
#endif

static bool thp_enabled(void)
{
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	if (!f)
		return false;
	char line[128] = "";
	bool on = fgets(line, sizeof line, f) && !strstr(line, "[never]");
	fclose(f);
	return on;
}

/* The run is big enough for huge pages to pay: live, a pipe or another
 * file that is not a regular one (standard input included, for -r -), or
 * regular files of HUGEPAGES_MIN_BYTES or more in all. A file that cannot be found (its error comes later)
 * counts for nothing; with --points a -r NAME=FILE is looked up as FILE
 * when NAME=FILE is not a file. */
static bool hugepages_worth(const struct cli *cl)
{
	if (cl->check_dir || cl->list_verdicts || cl->list_interfaces)
		return false;
	if (cl->iface || cl->nifaces)
		return true;
	unsigned long long total = 0;
	for (int i = 0; i < cl->nfiles; i++) {
		const char *f = cl->files[i];
		struct stat st;
		int r = strcmp(f, "-") ? stat(f, &st) : fstat(STDIN_FILENO, &st);
		const char *eq = strchr(f, '=');
		if (r != 0 && cl->points && eq)
			r = stat(eq + 1, &st);
		if (r != 0)
			continue;
		if (!S_ISREG(st.st_mode))
			return true;
		total += (unsigned long long)st.st_size;
	}
	return total >= HUGEPAGES_MIN_BYTES;
}

static void hugepages_restart(char **argv, const struct cli *cl)
{
	const char *want = getenv("SHAKEDOWN_HUGEPAGES");
	/* LD_PRELOAD: another allocator, or valgrind (whose tool /proc/self/exe
	 * would name, and which the new start would escape) */
	if (SANITIZER_ALLOCATOR || (want && !strcmp(want, "0")) || getenv("GLIBC_TUNABLES") || getenv("LD_PRELOAD") || getauxval(AT_SECURE) ||
	    !thp_enabled())
		return;
	if (!(want && !strcmp(want, "1")) && !hugepages_worth(cl))
		return;
	if (setenv("SHAKEDOWN_HUGEPAGES", "0", 1) != 0)
		return;
	if (setenv("GLIBC_TUNABLES", HUGEPAGES_TUNABLES, 1) == 0)
		execv("/proc/self/exe", argv);
	unsetenv("GLIBC_TUNABLES");
	if (want)
		setenv("SHAKEDOWN_HUGEPAGES", want, 1);
	else
		unsetenv("SHAKEDOWN_HUGEPAGES");
}

int main(int argc, char **argv)
{
	main_argv = argv;
	return shakedown_main(argc, argv);
}
