/* ssh.c - placeholder until the SSH analyzer lands. */
#include "ssh.h"
#include "analyzer.h"

void ssh_init(void) {}
void ssh_packet(struct flow *f, int dir, const struct pkt *p) { (void)f; (void)dir; (void)p; }
void ssh_stream(struct flow *f, int dir, const uint8_t *data, size_t len, uint64_t frame, ts_usec ts)
{ (void)f; (void)dir; (void)data; (void)len; (void)frame; (void)ts; }
void ssh_timer(struct flow *f, ts_usec now) { (void)f; (void)now; }
void ssh_flow_end(struct flow *f, int why, ts_usec now) { (void)f; (void)why; (void)now; }
void ssh_describe(const struct flow *f, ts_usec now, char *buf, size_t len) { (void)f; (void)now; if (len) buf[0] = 0; }
