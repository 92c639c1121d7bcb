/* ike.c - placeholder until the IKE analyzer lands. */
#include "ike.h"
#include "analyzer.h"

void ike_init(void) {}
bool ike_claims(const struct pkt *p) { (void)p; return false; }
void ike_packet(struct flow *f, int dir, const struct pkt *p) { (void)f; (void)dir; (void)p; }
void esp_packet(struct flow *f, int dir, const struct pkt *p) { (void)f; (void)dir; (void)p; }
void ike_icmp(struct flow *f, int dir, const struct pkt *icmp) { (void)f; (void)dir; (void)icmp; }
void ike_tick(ts_usec now) { (void)now; }
void ike_flow_end(struct flow *f, int why, ts_usec now) { (void)f; (void)why; (void)now; }
void ike_finish(ts_usec now) { (void)now; }
void ike_describe(const struct flow *f, ts_usec now, char *buf, size_t len) { (void)f; (void)now; if (len) buf[0] = 0; }
