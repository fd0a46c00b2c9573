/* SPDX-License-Identifier: MIT */
/* Private glue between the files of the lwIP port (prefix lw_). */
#ifndef EDGETOKEN_LW_INTERNAL_H
#define EDGETOKEN_LW_INTERNAL_H

#include "edgetoken/et_lwip.h"

/* lwip_sockets.c: lwIP's sockets for et_sockets (api ctx: the et_lwip). */
extern const et_sock_api lw_socket_api;

#endif
