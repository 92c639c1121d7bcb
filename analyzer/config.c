/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config.c - default thresholds; ui/main.c overrides them from options. */
#include "config.h"

struct sd_config sd_cfg;

void config_defaults(struct sd_config *c)
{
	c->syn_timeout = SEC(3);
	c->rtt_warn = SEC(1);
	c->fin_timeout = SEC(10);
	c->half_close_timeout = SEC(5);
	c->msl = SEC(30); /* pfSense: net.inet.tcp.msl = 30000 ms */
	c->ssh_timeout = SEC(20); /* ssh2's readyTimeout */
	c->banner_timeout = SEC(20);
	c->ike_timeout = SEC(10);
	c->esp_timeout = SEC(10);
	c->idle_timeout = SEC(600);
	c->max_flows = 131072;
	c->max_ssh = 16384;
	c->max_ike = 16384;
	c->verbose = 0;
}
