/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ssh-report.c - building the ssh.* verdicts of a session: evidence
 * (identifications, key exchange messages, the close), the details common
 * to them (software, negotiated algorithms, HASSH, phase times) and one
 * report_* function per verdict. ssh-judge.c decides which one is due. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssh-session.h"

static struct verdict V;       /* the verdict being built */
static struct verdict tcp_tmp; /* TCP evidence, merged without duplicate frames */

static struct verdict *vbegin(struct flow *f, enum verdict_id id, enum severity sev)
{
	verdict_begin(&V, id, sev, f);
	return &V;
}

static void ev_ident(struct verdict *v, const struct half *h, int dir)
{
	if (!h->ident_seen)
		return;
	/* "client ident " and the first 20 bytes of the software, by hand */
	const char *sw = h->ident.software[0] ? h->ident.software : h->ident.proto;
	struct verdict_label l = { 0 };
	label_str(&l, ssh_who(dir));
	label_put(&l, " ident ", 7);
	label_put(&l, sw, strnlen(sw, 20));
	verdict_evidence_label(v, h->ident_frame, h->ident_ts, dir, l.s, l.n);
}

static void ev_msgs(struct verdict *v, const struct ssh_sess *s, int dir)
{
	const struct half_kex *h = ssh_hk(&s->h[dir]);
	for (unsigned i = 0; i < h->nmsgs; i++) {
		const struct msg_rec *m = &h->msgs[i];
		if (m->msg == SSH_MSG_IGNORE || m->msg == SSH_MSG_DEBUG)
			continue;
		struct verdict_label l = { 0 };
		label_str(&l, ssh_mname(s, m->msg));
		label_put(&l, " ", 1);
		label_u32(&l, m->size);
		label_put(&l, " B", 2);
		verdict_evidence_label(v, m->frame, m->ts, dir, l.s, l.n);
	}
}

static void vemit(struct flow *f, struct verdict *v)
{
	verdict_begin(&tcp_tmp, v->vid, v->sev, f);
	tcp_add_evidence(f, &tcp_tmp);
	verdict_add_evidence(v, tcp_tmp.ev, tcp_tmp.nevidence);
	tcp_add_details(f, v);
	verdict_emit(v);
	flow_state(f)->app_verdict = true;
	ssh_count_verdict();
}

/* Emit the handshake verdict of a session: nothing more to report, unless
 * the caller moves it on (a slow handshake still awaits the login). */
static void vdone(struct flow *f, struct ssh_sess *s, struct verdict *v)
{
	vemit(f, v);
	s->rstate = SSH_REPORT_DONE;
}

static void detail_software(struct verdict *v, const struct ssh_sess *s)
{
	const struct half *c = ssh_cli(s), *sv = ssh_srv(s);
	if (c->ident_seen)
		verdict_str(v, "client_ident", "%s", c->ident.line);
	if (sv->ident_seen)
		verdict_str(v, "server_ident", "%s", sv->ident.line);
}

static void detail_hassh(struct verdict *v, const struct ssh_sess *s)
{
	const struct half_kex *c = ssh_hk(ssh_cli(s)), *sv = ssh_hk(ssh_srv(s));
	if (c->hassh[0])
		verdict_str(v, "hassh", "%s", c->hassh);
	if (sv->hassh[0])
		verdict_str(v, "hassh_server", "%s", sv->hassh);
	if (s->cdir == DIR_S2C)
		verdict_bool(v, "reverse_ssh", true);
}

struct phases {
	ts_usec start, est, banner, kexinit, reply, newkeys;
	ts_usec d[5]; /* connect, banner, kexinit, kex, newkeys */
	ts_usec total;
	ts_usec client_init; /* the client's first key exchange message */
	int dominant;
};

static const char *const phase_names[5] = {
	"TCP connect", "waiting for the server banner", "KEXINIT exchange", "key exchange", "NEWKEYS",
};

/* The server's key exchange reply: GEX_REPLY for group exchange, else the
 * first of 31..33 after its KEXINIT. */
const struct msg_rec *ssh_server_reply(const struct ssh_sess *s)
{
	const struct half *sv = ssh_srv(s);
	if (s->fam == SSH_KEXFAM_GEX)
		return ssh_find_msg(sv, SSH_MSG_KEX_33, SSH_MSG_KEX_33);
	return ssh_find_msg(sv, SSH_MSG_KEX_31, SSH_MSG_KEX_33);
}

static void phases_of(const struct flow *f, const struct ssh_sess *s, struct phases *p)
{
	const struct half *c = ssh_cli(s);
	const struct half_kex *ck = ssh_hk(c), *sk = ssh_hk(ssh_srv(s));
	memset(p, 0, sizeof *p);
	p->start = ssh_start_time(f);
	p->est = ssh_est_time(f) ? ssh_est_time(f) : p->start;
	p->banner = s->h[DIR_S2C].ident_ts ? s->h[DIR_S2C].ident_ts : p->est;
	ts_usec k = ck->kexinit_ts > sk->kexinit_ts ? ck->kexinit_ts : sk->kexinit_ts;
	p->kexinit = k ? k : p->banner;
	const struct msg_rec *r = ssh_server_reply(s);
	p->reply = r ? r->ts : p->kexinit;
	ts_usec n = ck->newkeys_ts > sk->newkeys_ts ? ck->newkeys_ts : sk->newkeys_ts;
	p->newkeys = n ? n : p->reply;
	const struct msg_rec *ci = ssh_find_msg(c, SSH_MSG_KEX_30, 49);
	p->client_init = ci ? ci->ts : 0;
	p->d[0] = ssh_since(p->est, p->start);
	p->d[1] = ssh_since(p->banner, p->est);
	p->d[2] = ssh_since(p->kexinit, p->banner);
	p->d[3] = ssh_since(p->reply, p->kexinit);
	p->d[4] = ssh_since(p->newkeys, p->reply);
	p->total = ssh_since(p->newkeys, p->start);
	p->dominant = 0;
	for (int i = 1; i < 5; i++)
		if (p->d[i] > p->d[p->dominant])
			p->dominant = i;
}

static void detail_phases(struct verdict *v, const struct phases *p)
{
	static const char *const keys[5] = { "connect_s", "banner_wait_s", "kexinit_s", "kex_s", "newkeys_s" };
	for (int i = 0; i < 5; i++)
		verdict_num(v, keys[i], (double)p->d[i] / USEC_F);
	verdict_num(v, "syn_to_newkeys_s", (double)p->total / USEC_F);
}

static void detail_algorithms(struct verdict *v, const struct ssh_sess *s)
{
	const struct ssh_nego *n = ssh_nego_of(s);
	for (int d = 0; d < 2; d++)
		if (ssh_hk(&s->h[d])->kexinit && ssh_hk(&s->h[d])->kexinit_stored < ssh_hk(&s->h[d])->kexinit_len)
			verdict_bool(v, "kexinit_truncated", true); /* longer than we keep */
	if (!s->nego_done)
		return;
	static const char *const keys[4] = { "cipher", "mac", "compression", NULL };
	verdict_str(v, "kex", "%s", n->alg[SSH_CAT_KEX][0] ? n->alg[SSH_CAT_KEX] : "?");
	verdict_str(v, "host_key_algorithm", "%s", n->alg[SSH_CAT_HOSTKEY][0] ? n->alg[SSH_CAT_HOSTKEY] : "?");
	for (int i = 0; keys[i]; i++) {
		const char *a = n->alg[SSH_CAT_ENC_C2S + 2 * i], *b = n->alg[SSH_CAT_ENC_S2C + 2 * i];
		if (!strcmp(a, b))
			verdict_str(v, keys[i], "%s", a[0] ? a : "?");
		else
			verdict_str(v, keys[i], "c2s %s, s2c %s", a[0] ? a : "?", b[0] ? b : "?");
	}
	if (ssh_hk(ssh_srv(s))->hostkey[0])
		verdict_str(v, "server_host_key", "%s", ssh_hk(ssh_srv(s))->hostkey);
}

static const char *phase_side(const struct phases *p, int i)
{
	switch (i) {
	case 0:
		return "the network";
	case 1:
		return "the server";
	case 2:
		return "both KEXINITs";
	case 3:
		if (p->client_init && p->client_init > p->kexinit &&
		    p->client_init - p->kexinit > ssh_since(p->reply, p->client_init))
			return "the client's key exchange message";
		return "the server's key exchange reply";
	default:
		return "the client's host key check";
	}
}

/* Software, algorithms, fingerprints and phase times of a completed handshake. */
static void detail_handshake(struct verdict *v, const struct ssh_sess *s, const struct phases *p)
{
	if (verdict_brief(v))
		return;
	detail_software(v, s);
	detail_algorithms(v, s);
	detail_hassh(v, s);
	detail_phases(v, p);
	if (s->h[DIR_S2C].pre_lines)
		verdict_int(v, "server_lines_before_ident", s->h[DIR_S2C].pre_lines);
}

static void ev_handshake(struct verdict *v, const struct ssh_sess *s)
{
	ev_ident(v, &s->h[DIR_C2S], DIR_C2S);
	ev_ident(v, &s->h[DIR_S2C], DIR_S2C);
	ev_msgs(v, s, DIR_C2S);
	ev_msgs(v, s, DIR_S2C);
}

void ssh_report_ok(struct flow *f, struct ssh_sess *s)
{
	struct phases p;
	phases_of(f, s, &p);
	const struct half *c = ssh_cli(s), *sv = ssh_srv(s);
	const struct ssh_nego *n = ssh_nego_of(s);
	struct verdict *v = vbegin(f, V_SSH_OK, SEV_OK);
	ev_handshake(v, s);
	verdict_summary(v, "SSH handshake complete in %s: %s <-> %s, %s, %s", ssh_dur(p.total),
			c->ident.software[0] ? c->ident.software : "?", sv->ident.software[0] ? sv->ident.software : "?",
			n->alg[SSH_CAT_KEX][0] ? n->alg[SSH_CAT_KEX] : "kex ?",
			n->alg[SSH_CAT_ENC_C2S][0] ? n->alg[SSH_CAT_ENC_C2S] : "cipher ?");
	detail_handshake(v, s, &p);
	vdone(f, s, v); /* from OK_PENDING */
}

/* Both NEWKEYS seen: a slow handshake is reported now; a healthy one when
 * the login's outcome shows (see ssh_judge_post()). */
void ssh_report_complete(struct flow *f, struct ssh_sess *s)
{
	struct phases p;
	phases_of(f, s, &p);
	if (p.total <= sd_cfg.ssh_timeout / 4) {
		s->rstate = SSH_REPORT_OK_PENDING;
		return;
	}
	int d = p.dominant;
	bool lossy = tcp_retransmissions(f, DIR_C2S) || tcp_retransmissions(f, DIR_S2C);
	const char *advice = lossy ? "retransmissions: the path loses packets, a longer client timeout only hides it"
			     : d == 0 ? "the network is slow to connect"
			     : d == 4 ? "the delay is on the client"
				      : "the server side is slow: a longer client timeout works around it";
	char budget[80];
	double limit = (double)sd_cfg.ssh_timeout / USEC_F;
	if (p.total > sd_cfg.ssh_timeout)
		snprintf(budget, sizeof budget, "longer than a %g s client timeout", limit);
	else
		snprintf(budget, sizeof budget, "over 1/4 of a %g s client timeout", limit);
	struct verdict *v = vbegin(f, V_SSH_SLOW_HANDSHAKE, SEV_WARN);
	ev_handshake(v, s);
	verdict_summary(v, "SSH handshake took %s from SYN to NEWKEYS (%s); %s took %s, waiting on %s; %s", ssh_dur(p.total),
			budget, phase_names[d], ssh_dur(p.d[d]), phase_side(&p, d), advice);
	verdict_str(v, "dominant_phase", "%s", phase_names[d]);
	verdict_str(v, "waiting_on", "%s", phase_side(&p, d));
	detail_handshake(v, s, &p);
	vdone(f, s, v);
	s->rstate = SSH_REPORT_AUTH_PENDING; /* the login's outcome is still to come */
}

/* One clause for a summary. */
static void loss_short(const struct loss *l, int x, char *buf, size_t len)
{
	int n = 0;
	buf[0] = 0;
	switch (l->kind) {
	case LOSS_ARTEFACT:
		snprintf(buf, len, "the capture missed %llu %s bytes the %s acknowledged (capture gap)",
			 (unsigned long long)l->unseen, ssh_who(x), ssh_who(!x));
		return;
	case LOSS_BEFORE:
		n = snprintf(buf, len, "%u %s bytes lost before the capture point (never acked; %u B after the hole arrived)",
			     l->bytes, ssh_who(x), l->after);
		break;
	case LOSS_AFTER:
		n = snprintf(buf, len, "%u %s bytes passed the capture point, never acked (%u retransmissions)", l->bytes,
			     ssh_who(x), l->retrans);
		break;
	default:
		return;
	}
	if (l->mtu && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "; %u B %s segments pass, this %u B one did not: MTU black hole?",
			 l->same_max > l->after ? l->same_max : l->after, ssh_who(x), l->seg);
}

static void loss_details(struct verdict *v, const struct loss *l, int x)
{
	char buf[240];
	if (l->kind == LOSS_NONE)
		return;
	loss_short(l, x, buf, sizeof buf);
	verdict_str(v, "loss", "%s", buf);
	if (l->frame)
		verdict_int(v, "loss_frame", (long long)l->frame);
	verdict_int(v, "largest_segment_through_same_direction", l->same_max);
	verdict_int(v, "largest_segment_through_other_direction", l->other_max);
	if (l->mtu)
		verdict_bool(v, "mtu_black_hole_likely", true);
}

static const char *close_word(const struct ssh_sess *s)
{
	return s->close_rst ? "RST" : "FIN";
}

/* The client's bytes the server never acknowledged, as details. */
static void unacked_details(struct verdict *v, const struct unacked *u, ts_usec now, const char *cause)
{
	verdict_str(v, "stall_cause", "%s", cause);
	if (!u->bytes)
		return;
	verdict_int(v, "client_unacked_bytes", u->bytes);
	verdict_int(v, "client_unacked_retransmissions", u->retrans);
	if (u->since)
		verdict_num(v, "unacked_since_s", (double)ssh_since(now, u->since) / USEC_F);
}

/* The client re-sent bytes nothing acknowledged: the wire's answer to
 * "slow server or broken path" is the path. */
static bool path_broken(const struct unacked *u)
{
	return u->bytes && u->retrans;
}

void ssh_report_banner_stall(struct flow *f, struct ssh_sess *s, ts_usec now, enum trigger tr, int why)
{
	const struct half *c = &s->h[DIR_C2S], *sv = &s->h[DIR_S2C];
	ts_usec est = ssh_est_time(f);
	struct loss l;
	ssh_loss_of(f, s, DIR_S2C, &l);
	struct unacked u;
	if (!ssh_client_unacked(f, s, &u) || s->cdir != DIR_C2S)
		memset(&u, 0, sizeof u);
	struct verdict *v = vbegin(f, V_SSH_BANNER_STALL, SEV_FAIL);
	ev_ident(v, c, DIR_C2S);
	ev_ident(v, sv, DIR_S2C);
	if (l.frame)
		verdict_evidence(v, l.frame, l.ts, DIR_S2C, "server data %s", l.kind == LOSS_BEFORE ? "after a hole" : "unacked");
	if (path_broken(&u) && u.frame)
		verdict_evidence(v, u.frame, u.since, DIR_C2S, "client data never acked");
	char how[200], ls[240];
	ts_usec waited;
	if (tr == TR_CLOSE && s->closer == DIR_C2S) {
		waited = ssh_since(s->close_ts, est);
		snprintf(how, sizeof how, "the client gave up after %s (%s, frame %llu): its timeout", ssh_dur(waited),
			 close_word(s), (unsigned long long)s->close_frame);
		verdict_evidence(v, s->close_frame, s->close_ts, DIR_C2S, "client %s (gave up)", close_word(s));
	} else if (tr == TR_CLOSE) {
		waited = ssh_since(s->close_ts, est);
		snprintf(how, sizeof how, "then the server closed (%s) after %s", close_word(s), ssh_dur(waited));
	} else if (tr == TR_PROOF) {
		waited = ssh_since(now, est);
		snprintf(how, sizeof how, "nothing back for %s", ssh_dur(waited));
	} else if (tr == TR_TIMER && path_broken(&u)) {
		waited = ssh_since(now, est);
		snprintf(how, sizeof how, "nothing back for %s, past the %g s client timeout: the client has given up "
					  "(it sends no FIN while its data is unacknowledged)",
			 ssh_dur(waited), (double)sd_cfg.banner_timeout / USEC_F);
	} else if (tr == TR_TIMER) {
		waited = ssh_since(now, est);
		snprintf(how, sizeof how, "still nothing after %s", ssh_dur(waited));
	} else {
		waited = ssh_since(now, est);
		snprintf(how, sizeof how, "nothing for %s, until the %s", ssh_dur(waited),
			 why == FLOW_END_EOF ? "capture ended" : "flow expired");
	}
	loss_short(&l, DIR_S2C, ls, sizeof ls);
	const char *cause = "unknown";
	if (sv->ident_seen) {
		verdict_summary(v, "the server's identification (frame %llu) never reached the client: %s; %s",
				(unsigned long long)sv->ident_frame, ls[0] ? ls : "the client never acknowledged it", how);
		if (l.kind == LOSS_AFTER || l.kind == LOSS_NONE) {
			cause = "between_capture_and_client";
			verdict_remedy(v, RV_SSH_BANNER_STALL_BETWEEN);
		}
	} else if (path_broken(&u)) {
		verdict_summary(v, "the server never acknowledged the client's %u bytes (re-sent %u times): its packets do "
				   "not come back, so the path to the server (most often the way back) or the firewall's "
				   "state for this connection drops them, not a slow sshd; %s",
				u.bytes, u.retrans, how);
		cause = "path_or_state";
		verdict_remedy(v, RV_SSH_BANNER_STALL_PATH_STATE);
	} else if (ls[0]) {
		verdict_summary(v, "no SSH identification from the server reached the client: %s; %s", ls, how);
	} else if (c->off && c->seq_on && !u.bytes) {
		verdict_summary(v, "TCP connected and the server acknowledged the client's identification but never sent "
				   "its own: the server side does not answer; %s",
				how);
		cause = "server";
	} else {
		verdict_summary(v, "TCP connected but the server never sent its SSH identification; %s", how);
	}
	verdict_num(v, "waited_s", (double)waited / USEC_F);
	loss_details(v, &l, DIR_S2C);
	unacked_details(v, &u, now, cause);
	if (c->ident_seen)
		verdict_str(v, "client_ident", "%s", c->ident.line);
	vdone(f, s, v);
}

/* What the server's first bytes look like, once: the description is of the
 * bytes seen then (more may come), and is made again from them when read. */
void ssh_describe_first(struct ssh_sess *s)
{
	if (!s->first.described && s->first.n)
		s->first.described = s->first.n;
}

const char *ssh_foreign(const struct ssh_sess *s, char *buf, size_t len)
{
	if (!len)
		return "";
	buf[0] = 0;
	if (s->first.described)
		ssh_describe_foreign(s->first.b, s->first.described, buf, len);
	return buf;
}

void ssh_report_closed_before_banner(struct flow *f, struct ssh_sess *s)
{
	ssh_describe_first(s);
	const struct half *c = &s->h[DIR_C2S], *sv = &s->h[DIR_S2C];
	char fg[160];
	const char *foreign = ssh_foreign(s, fg, sizeof fg);
	ts_usec after = ssh_since(s->close_ts, ssh_est_time(f));
	struct verdict *v = vbegin(f, V_SSH_CLOSED_BEFORE_BANNER, SEV_FAIL);
	ev_ident(v, c, DIR_C2S);
	verdict_evidence(v, s->close_frame, s->close_ts, DIR_S2C, "server %s", close_word(s));
	if (sv->text_lines || sv->off) {
		verdict_evidence(v, s->first.frame, s->first.ts, DIR_S2C, "server text %u B", (unsigned)sv->off);
		verdict_summary(v, "the server accepted, sent %s instead of an SSH identification and closed (%s) %s "
				   "after the handshake",
				foreign[0] ? foreign : "a text line", close_word(s), ssh_dur(after));
		verdict_str(v, "server_said", "%s", foreign);
	} else {
		verdict_summary(v, "the server accepted the connection and closed it (%s) %s later without sending an "
				   "SSH identification",
				close_word(s), ssh_dur(after));
	}
	verdict_num(v, "closed_after_s", (double)after / USEC_F);
	vdone(f, s, v);
}

void ssh_report_not_ssh(struct flow *f, struct ssh_sess *s, const char *next)
{
	ssh_describe_first(s);
	const struct half *c = &s->h[DIR_C2S];
	char fg[160];
	const char *foreign = ssh_foreign(s, fg, sizeof fg);
	struct verdict *v = vbegin(f, V_SSH_NOT_SSH, SEV_FAIL);
	ev_ident(v, c, DIR_C2S);
	verdict_evidence(v, s->first.frame, s->first.ts, DIR_S2C, "server first bytes");
	verdict_summary(v, "%s expected on port %u but the server's first bytes are %s, not an SSH identification%s%s",
			c->ident_seen ? "the client speaks SSH," : "SSH", f->sport,
			foreign[0] ? foreign : "not SSH", next && next[0] ? "; " : "", next ? next : "");
	verdict_str(v, "server_first_bytes", "%s", foreign);
	if (c->ident_seen)
		verdict_str(v, "client_ident", "%s", c->ident.line);
	vdone(f, s, v);
}

void ssh_report_version_mismatch(struct flow *f, struct ssh_sess *s)
{
	const struct half *c = &s->h[DIR_C2S], *sv = &s->h[DIR_S2C];
	struct verdict *v = vbegin(f, V_SSH_NO_COMMON_ALGORITHM, SEV_FAIL);
	ev_ident(v, c, DIR_C2S);
	ev_ident(v, sv, DIR_S2C);
	if (s->closer >= 0)
		verdict_evidence(v, s->close_frame, s->close_ts, s->closer, "%s %s", ssh_who(s->closer), close_word(s));
	verdict_summary(v, "no common protocol version: client speaks SSH-%s, server SSH-%s", c->ident.proto,
			sv->ident.proto);
	verdict_str(v, "category", "protocol version");
	detail_software(v, s);
	verdict_remedy(v, RV_SSH_NO_COMMON_ALGORITHM_PROTOCOL_1);
	vdone(f, s, v);
}

/* A name-list of a side's KEXINIT ("" when it was not kept). */
static struct ssh_str clear_list(const struct half *h, int which)
{
	struct ssh_str none = { "", 0 };
	return h->clear ? ssh_kexinit_list(&h->clear->kx, h->clear->kexinit, which) : none;
}

/* The cleartext record of the side that sent DISCONNECT, the client's
 * first; NULL if neither did. */
static const struct half_clear *disconnect_of(const struct ssh_sess *s)
{
	const struct half_clear *c = ssh_cli(s)->clear, *sv = ssh_srv(s)->clear;
	if (c && c->disconnect)
		return c;
	return sv && sv->disconnect ? sv : NULL;
}

/* Names of a list without the pseudo-algorithms that only signal features. */
static void list_for_summary(struct ssh_str l, char *out, size_t cap)
{
	size_t o = 0, pos = 0;
	out[0] = 0;
	while (pos < l.len && o + 1 < cap) {
		size_t e = pos;
		while (e < l.len && l.s[e] != ',')
			e++;
		size_t n = e - pos;
		bool pseudo = (n >= 9 && !memcmp(l.s + pos, "ext-info-", 9)) ||
			      (n >= 11 && !memcmp(l.s + pos, "kex-strict-", 11));
		if (n && !pseudo) {
			int w = snprintf(out + o, cap - o, "%s%.*s", o ? "," : "", (int)n, l.s + pos);
			if (w < 0 || (size_t)w >= cap - o)
				break;
			o += (size_t)w;
		}
		pos = e + 1;
	}
	if (!out[0])
		snprintf(out, cap, "(empty)");
}

void ssh_report_no_common(struct flow *f, struct ssh_sess *s, ts_usec now)
{
	const struct half *c = ssh_cli(s), *sv = ssh_srv(s);
	const struct half_kex *ck = ssh_hk(c), *sk = ssh_hk(sv);
	const struct ssh_nego *n = ssh_nego_of(s);
	int cat = n->fail_cat;
	int l = ssh_cat_list(cat);
	struct ssh_str cl = clear_list(c, l), sl = clear_list(sv, l);
	struct verdict *v = vbegin(f, V_SSH_NO_COMMON_ALGORITHM, SEV_FAIL);
	ev_ident(v, c, DIR_C2S);
	ev_ident(v, sv, DIR_S2C);
	ev_msgs(v, s, DIR_C2S);
	ev_msgs(v, s, DIR_S2C);
	char next[200], cs[120], ss[120];
	ts_usec both = ck->kexinit_ts > sk->kexinit_ts ? ck->kexinit_ts : sk->kexinit_ts;
	const struct half_clear *d = disconnect_of(s);
	if (d)
		snprintf(next, sizeof next, "the %s sent DISCONNECT (reason %u \"%s\")", d == c->clear ? "client" : "server",
			 d->disc_reason, d->disc_text);
	else if (s->closer >= 0)
		snprintf(next, sizeof next, "the %s closed the connection (%s) %s after the second KEXINIT", ssh_who(s->closer),
			 close_word(s), ssh_dur(ssh_since(s->close_ts, both)));
	else
		snprintf(next, sizeof next, "no further key exchange message in the %s that followed", ssh_dur(ssh_since(now, both)));
	if (s->closer >= 0)
		verdict_evidence(v, s->close_frame, s->close_ts, s->closer, "%s %s", ssh_who(s->closer), close_word(s));
	list_for_summary(cl, cs, sizeof cs);
	list_for_summary(sl, ss, sizeof ss);
	verdict_summary(v, "no common %s algorithm: client offers %s; server offers %s; %s", ssh_cat_name(cat), cs, ss,
			next);
	verdict_str(v, "category", "%s", ssh_cat_name(cat));
	if (n->nfail > 1) {
		char more[200];
		size_t o = 0;
		more[0] = 0;
		for (int i = 0; i < SSH_CAT_COUNT && o + 1 < sizeof more; i++)
			if (n->failed[i]) {
				int w = snprintf(more + o, sizeof more - o, "%s%s", o ? ", " : "", ssh_cat_name(i));
				if (w < 0)
					break;
				o += (size_t)w;
			}
		verdict_str(v, "failed_categories", "%s", more);
	}
	verdict_str(v, "client_list", "%.*s", (int)(cl.len < 230 ? cl.len : 230), cl.s);
	verdict_str(v, "server_list", "%.*s", (int)(sl.len < 230 ? sl.len : 230), sl.s);
	verdict_str(v, "what_followed", "%s", next);
	detail_software(v, s);
	detail_hassh(v, s);
	vdone(f, s, v);
}

void ssh_report_kex_stall(struct flow *f, struct ssh_sess *s, ts_usec now, enum trigger tr, int why)
{
	const struct half *c = ssh_cli(s), *sv = ssh_srv(s);
	struct missing m;
	ssh_find_missing(s, &m);
	struct loss l;
	ssh_loss_of(f, s, m.dir, &l);
	struct unacked u;
	if (m.dir == s->cdir || !ssh_client_unacked(f, s, &u))
		memset(&u, 0, sizeof u);
	struct verdict *v = vbegin(f, V_SSH_KEX_STALL, SEV_FAIL);
	ev_ident(v, c, DIR_C2S);
	ev_ident(v, sv, DIR_S2C);
	ev_msgs(v, s, DIR_C2S);
	ev_msgs(v, s, DIR_S2C);
	if (l.frame)
		verdict_evidence(v, l.frame, l.ts, m.dir, "%s data %s", ssh_who(m.dir),
				 l.kind == LOSS_BEFORE ? "after a hole" : "unacked");
	char how[160], ls[240], why_s[200];
	ts_usec waited;
	if (tr == TR_CLOSE) {
		waited = ssh_since(s->close_ts, m.since);
		verdict_evidence(v, s->close_frame, s->close_ts, s->closer, "%s %s", ssh_who(s->closer), close_word(s));
		if (s->closer == m.dir)
			snprintf(how, sizeof how, "%s closed instead (%s) %s later", ssh_who(m.dir), close_word(s),
				 ssh_dur(waited));
		else
			snprintf(how, sizeof how, "%s gave up after %s (%s)", ssh_who(s->closer), ssh_dur(waited),
				 close_word(s));
	} else {
		waited = ssh_since(now, m.since);
		snprintf(how, sizeof how, "waited %s %s", ssh_dur(waited),
			 tr == TR_TIMER ? "and still waiting"
			 : tr == TR_PROOF ? "with nothing acknowledged"
			 : why == FLOW_END_EOF ? "until the capture ended" : "until the flow expired");
	}
	loss_short(&l, m.dir, ls, sizeof ls);
	why_s[0] = 0;
	const struct half_clear *dh = disconnect_of(s);
	if (dh)
		snprintf(why_s, sizeof why_s, "the %s sent DISCONNECT %u \"%s\"", dh == c->clear ? "client" : "server",
			 dh->disc_reason, dh->disc_text);
	else if (m.dir == s->cdir && !strcmp(m.name, "NEWKEYS") && s->closer == s->cdir)
		snprintf(why_s, sizeof why_s, "a client leaving right after the key exchange reply usually rejected the "
					      "server's host key");
	else if (m.dir != s->cdir && path_broken(&u))
		snprintf(why_s, sizeof why_s, "the server never acknowledged the client's last %u bytes (re-sent %u times): "
					      "the path to the server or the firewall's state drops them, not a slow server",
			 u.bytes, u.retrans);
	else if (m.dir != s->cdir && l.kind == LOSS_NONE)
		snprintf(why_s, sizeof why_s, "nothing was lost on the wire here: the server did not answer");
	if (m.last)
		verdict_str(v, "last_message_before_stall", "%s %s %u B (frame %llu)", ssh_who(!m.dir),
			    ssh_mname(s, m.last->msg), m.last->size, (unsigned long long)m.last->frame);
	if (ls[0])
		verdict_summary(v, "key exchange stalled: %s's %s never came; %s; %s", ssh_who(m.dir), m.name, how, ls);
	else
		verdict_summary(v, "key exchange stalled: %s's %s never came; %s%s%s", ssh_who(m.dir), m.name, how,
				why_s[0] ? "; " : "", why_s);
	verdict_str(v, "missing_message", "%s %s", ssh_who(m.dir), m.name);
	verdict_num(v, "waited_s", (double)waited / USEC_F);
	if (why_s[0])
		verdict_str(v, "reason", "%s", why_s);
	if (path_broken(&u) && !dh) {
		unacked_details(v, &u, now, "path_or_state");
		verdict_remedy(v, RV_SSH_KEX_STALL_PATH_STATE);
	}
	loss_details(v, &l, m.dir);
	detail_software(v, s);
	detail_algorithms(v, s);
	detail_hassh(v, s);
	vdone(f, s, v);
}

static void sizes_str(const struct enc_count *e, char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = 0;
	for (unsigned i = 0; i < e->segs && i < ENC_LOG; i++) {
		int w = snprintf(buf + o, len - o, "%s%u", i ? "," : "", e->sizes[i]);
		if (w < 0 || (size_t)w >= len - o)
			break;
		o += (size_t)w;
	}
	if (e->segs > ENC_LOG && o + 5 < len)
		snprintf(buf + o, len - o, ",...");
}

void ssh_report_auth_failed(struct flow *f, struct ssh_sess *s)
{
	const struct half_kex *c = ssh_hk(ssh_cli(s)), *sv = ssh_hk(ssh_srv(s));
	const struct enc_count *ans = &sv->ans;
	struct phases p;
	phases_of(f, s, &p);
	struct verdict *v = vbegin(f, V_SSH_AUTH_FAILED_LIKELY, SEV_INFO);
	ev_handshake(v, s);
	verdict_evidence(v, c->enc.first_frame, c->enc.first_ts, s->cdir, "client encrypted %u B", c->enc.sizes[0]);
	verdict_evidence(v, ans->first_frame, ans->first_ts, !s->cdir, "server answer %u B", ans->sizes[0]);
	verdict_evidence(v, ans->last_frame, ans->last_ts, !s->cdir, "server last answer");
	verdict_evidence(v, s->close_frame, s->close_ts, s->closer, "%s %s", ssh_who(s->closer), close_word(s));
	char cs[96], ss[96];
	sizes_str(&c->enc, cs, sizeof cs);
	sizes_str(ans, ss, sizeof ss);
	verdict_summary(v,
			"inference: authentication most likely failed. After NEWKEYS the client sent %u encrypted "
			"segments (%s B), the server answered with %u small ones (%s B), then the %s closed (%s) %s "
			"later; a successful login draws more and larger server packets",
			c->enc.segs, cs, ans->segs, ss, ssh_who(s->closer), close_word(s),
			ssh_dur(ssh_since(s->close_ts, sv->enc.last_ts)));
	verdict_str(v, "inference", "from encrypted packet counts and sizes only");
	verdict_str(v, "client_encrypted_sizes", "%s", cs);
	verdict_str(v, "server_answer_sizes", "%s", ss);
	detail_handshake(v, s, &p);
	vemit(f, v);
}
