/* SPDX-License-Identifier: MIT */
/* No network, for the images whose connections the recorded port plays
 * (rec_port.h) or that never connect (the size image): the mbedTLS port is
 * there for signing and SHA-256, so its transport connects nowhere. */
#ifndef EDGETOKEN_NO_NET_H
#define EDGETOKEN_NO_NET_H

#include "edgetoken/et_mbedtls.h"

/* *cfg: that transport, a clock that never moves, no diagnostics, and the
 * trust anchors ca[0..ca_len) (PEM with its NUL, or DER). */
void fw_no_net_config(et_mbedtls_config *cfg, const unsigned char *ca, size_t ca_len);

#endif
