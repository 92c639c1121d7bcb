/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bundle.c - --bundle: everything a ticket needs in one place.
 *
 * The run writes into a folder: report.txt and report.jsonl (the sinks
 * write their copies there), evidence/ (the --evidence sink), then at the
 * end command.txt, version.txt and captures.json (per input: path,
 * sha256, size, link type, frames, first and last time, from
 * provenance.h). For FILE.tar.gz (or .tgz) the folder is a temporary one
 * beside FILE (and FILE is opened at once: a live run gives up root before
 * the end); it is packed as a gzip'd ustar archive under the top
 * folder "shakedown-bundle/" and removed. Only what the analysed verdicts
 * point at goes in: no other packet of the capture. */
#include "bundle.h"
#include "output.h"
#include "provenance.h"
#include "capture/capture.h"
#include "capture/sanitize.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define BUNDLE_TOP "shakedown-bundle"
#define TAR_BLOCK 512

static struct {
	char dir[4096];      /* the folder written */
	char evdir[4200];
	const char *tarball; /* NULL when the bundle is the folder */
	int tar_fd;          /* opened at the start: live, the run may give up root */
	FILE *text, *json;
	int argc;
	char **argv;
} B;

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && !strcmp(s + a - b, suffix);
}

static FILE *open_in(const char *name, char *err, size_t errlen)
{
	char p[4400];
	snprintf(p, sizeof p, "%s/%s", B.dir, name);
	FILE *f = fopen(p, "w");
	if (!f)
		snprintf(err, errlen, "--bundle: %s: %s", p, strerror(errno));
	return f;
}

int bundle_begin(const char *path, int argc, char **argv, char *err, size_t errlen)
{
	memset(&B, 0, sizeof B);
	B.argc = argc;
	B.argv = argv;
	if (ends_with(path, ".tar.gz") || ends_with(path, ".tgz")) {
		B.tarball = path;
		const char *slash = strrchr(path, '/');
		int dl = slash ? (int)(slash - path) : 1;
		snprintf(B.dir, sizeof B.dir, "%.*s/.shakedown-bundle-XXXXXX", dl, slash ? path : ".");
		if (!mkdtemp(B.dir)) {
			snprintf(err, errlen, "--bundle: cannot make a folder beside %s: %s", path, strerror(errno));
			return -1;
		}
		B.tar_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (B.tar_fd < 0) {
			snprintf(err, errlen, "--bundle: %s: %s", path, strerror(errno));
			rmdir(B.dir);
			return -1;
		}
	} else {
		snprintf(B.dir, sizeof B.dir, "%s", path);
		if (mkdir(B.dir, 0755) < 0 && errno != EEXIST) {
			snprintf(err, errlen, "--bundle %s: %s", path, strerror(errno));
			return -1;
		}
	}
	snprintf(B.evdir, sizeof B.evdir, "%s/evidence", B.dir);
	B.text = open_in("report.txt", err, errlen);
	B.json = B.text ? open_in("report.jsonl", err, errlen) : NULL;
	return B.json ? 0 : -1;
}

const char *bundle_dir(void)
{
	return B.dir;
}

const char *bundle_evidence_dir(void)
{
	return B.evdir;
}

FILE *bundle_text(void)
{
	return B.text;
}

FILE *bundle_json(void)
{
	return B.json;
}

/* sha256 of a file as hex, and its size; false when it cannot be read. */
static bool file_sha256(const char *path, char hex[65], unsigned long long *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	unsigned char buf[65536];
	size_t n;
	*size = 0;
	while (ok && (n = fread(buf, 1, sizeof buf, f)) > 0) {
		ok = EVP_DigestUpdate(ctx, buf, n);
		*size += n;
	}
	unsigned char md[32];
	unsigned int mdlen = 0;
	ok = ok && !ferror(f) && EVP_DigestFinal_ex(ctx, md, &mdlen) && mdlen == 32;
	for (unsigned i = 0; ok && i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	EVP_MD_CTX_free(ctx);
	fclose(f);
	return ok;
}

static void write_metadata(void)
{
	char err[512];
	FILE *c = open_in("command.txt", err, sizeof err);
	if (c) {
		/* one argument per line: nothing to unquote */
		for (int i = 0; i < B.argc; i++) {
			sanitize_fputs(c, B.argv[i]);
			fputc('\n', c);
		}
		fclose(c);
	}
	FILE *v = open_in("version.txt", err, sizeof err);
	if (v) {
		ui_print_version(v);
		fclose(v);
	}
	FILE *j = open_in("captures.json", err, sizeof err);
	if (!j)
		return;
	for (int i = 0; i < provenance_count(); i++) {
		const struct provenance_input *in = provenance_input(i);
		char hex[65], a[48], b[48];
		unsigned long long size = 0;
		fputs("{\"source\":", j);
		json_write_string(j, in->name);
		fprintf(j, ",\"live\":%s", provenance_live() ? "true" : "false");
		if (!provenance_live() && file_sha256(in->name, hex, &size))
			fprintf(j, ",\"sha256\":\"%s\",\"size\":%llu", hex, size);
		fputs(",\"link_type\":", j);
		const char *lt = in->linktype >= 0 ? capture_linktype_name(in->linktype) : NULL;
		if (lt)
			json_write_string(j, lt);
		else
			fputs("null", j);
		fprintf(j, ",\"frames\":%llu,\"packets\":%llu", (unsigned long long)in->frames,
			(unsigned long long)in->packets);
		if (in->packets)
			fprintf(j, ",\"first_time\":\"%s\",\"last_time\":\"%s\"}\n", ts_iso(in->first_ts, a, sizeof a),
				ts_iso(in->last_ts, b, sizeof b));
		else
			fputs(",\"first_time\":null,\"last_time\":null}\n", j);
	}
	fclose(j);
}

/* ---------- the tarball ---------- */

static void octal(char *field, size_t len, unsigned long long v)
{
	snprintf(field, len, "%0*llo", (int)len - 1, v);
}

static int tar_header(gzFile z, const char *name, bool dir, unsigned long long size, time_t mtime)
{
	unsigned char h[TAR_BLOCK];
	memset(h, 0, sizeof h);
	if (strlen(name) >= 100)
		return -1; /* the names written here are short */
	memcpy(h, name, strlen(name));
	octal((char *)h + 100, 8, dir ? 0755 : 0644);
	octal((char *)h + 108, 8, 0);
	octal((char *)h + 116, 8, 0);
	octal((char *)h + 124, 12, size);
	octal((char *)h + 136, 12, (unsigned long long)mtime);
	memset(h + 148, ' ', 8);
	h[156] = dir ? '5' : '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	unsigned sum = 0;
	for (size_t i = 0; i < sizeof h; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	h[155] = ' ';
	return gzwrite(z, h, sizeof h) == (int)sizeof h ? 0 : -1;
}

static int tar_file(gzFile z, const char *path, const char *name)
{
	struct stat sb;
	FILE *f = fopen(path, "rb");
	if (!f || fstat(fileno(f), &sb) < 0) {
		if (f)
			fclose(f);
		return -1;
	}
	int rc = tar_header(z, name, false, (unsigned long long)sb.st_size, sb.st_mtime);
	unsigned char buf[65536];
	size_t n;
	unsigned long long total = 0;
	while (rc == 0 && (n = fread(buf, 1, sizeof buf, f)) > 0) {
		if (gzwrite(z, buf, (unsigned)n) != (int)n)
			rc = -1;
		total += n;
	}
	if (total != (unsigned long long)sb.st_size)
		rc = -1; /* the file changed under us */
	static const unsigned char zero[TAR_BLOCK];
	size_t pad = (size_t)((TAR_BLOCK - total % TAR_BLOCK) % TAR_BLOCK);
	if (rc == 0 && pad && gzwrite(z, zero, (unsigned)pad) != (int)pad)
		rc = -1;
	fclose(f);
	return rc;
}

/* Pack the regular files of folder dir (one level) as prefix/NAME; with
 * rm, remove each once packed, and the folder. */
static int tar_folder(gzFile z, const char *dir, const char *prefix, bool rm)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int rc = tar_header(z, prefix, true, 0, time(NULL));
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[8192], name[512];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		struct stat sb;
		if (lstat(path, &sb) < 0)
			continue;
		if (S_ISDIR(sb.st_mode)) {
			snprintf(name, sizeof name, "%s%s/", prefix, e->d_name);
			if (tar_folder(z, path, name, rm) < 0)
				rc = -1;
			continue;
		}
		if (!S_ISREG(sb.st_mode))
			continue;
		snprintf(name, sizeof name, "%s%s", prefix, e->d_name);
		if (tar_file(z, path, name) < 0)
			rc = -1;
		if (rm)
			unlink(path);
	}
	closedir(d);
	if (rm)
		rmdir(dir);
	return rc;
}

static int pack(void)
{
	gzFile z = gzdopen(B.tar_fd, "wb9");
	if (!z) {
		close(B.tar_fd);
		unlink(B.tarball);
		fputs("shakedown: --bundle: out of memory\n", stderr);
		return 2;
	}
	int rc = tar_folder(z, B.dir, BUNDLE_TOP "/", true);
	static const unsigned char end[2 * TAR_BLOCK];
	if (gzwrite(z, end, sizeof end) != (int)sizeof end)
		rc = -1;
	if (gzclose(z) != Z_OK)
		rc = -1;
	if (rc < 0) {
		unlink(B.tarball);
		fputs("shakedown: --bundle: could not write ", stderr);
		sanitize_fputs(stderr, B.tarball);
		fputc('\n', stderr);
		return 2;
	}
	return 0;
}

int bundle_finish(void)
{
	if (B.text)
		fclose(B.text);
	if (B.json)
		fclose(B.json);
	B.text = B.json = NULL;
	write_metadata();
	return B.tarball ? pack() : 0;
}
