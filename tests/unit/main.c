// SPDX-License-Identifier: GPL-2.0-or-later
#include "unit.h"

int unit_passed, unit_failed;

void test_xlate(void);

int main(void)
{
	test_l2tp();
	test_pkt();
	test_msg();
	test_escape();
	test_ring();
	test_ipc();
	test_nft_build();
	test_nft_sets();
	test_nft_tunnel_rules();
	test_nft_schema();
	test_nft_guard();
	test_nft_print();
	test_tmap();
	test_htab();
	test_nl();
	test_tunnels();
	test_handler();
	test_xlate();
	test_kl2tp();
	test_xfrm_parse();
	test_xfrm_db();
	test_nft_sa();
	test_ctl();
	test_status_daemon();
	test_status_kernel();
	printf("unit: %d passed, %d failed\n", unit_passed, unit_failed);
	return unit_failed ? 1 : 0;
}
