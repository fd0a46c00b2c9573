/* SPDX-License-Identifier: MIT */
/* URLs: authorities (where tokens come from). */
#ifndef EDGETOKEN_ET_URL_H
#define EDGETOKEN_ET_URL_H

#include "et_str.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ET_DEFAULT_AUTHORITY "https://login.microsoftonline.com"

/* A parsed authority URL. Spans point into the URL. */
typedef struct et_authority {
  et_str host;        /* without brackets for IPv6 literals */
  uint16_t port;      /* 443 unless given */
  et_str prefix;      /* path before /{tenant}: "" or "/x/y" (no trailing /) */
} et_authority;

/* Parse "https://host[:port][/prefix][/]"; the empty span gives the
 * default authority. Only https is accepted: tokens never travel in clear
 * text. ET_E_URL on anything else (userinfo, query, fragment, bad port,
 * characters outside host or path syntax). */
ET_NODISCARD et_err et_authority_parse(et_str url, et_authority *out);

/* ET_OK when tenant is safe as one path segment: 1..128 bytes of
 * [A-Za-z0-9._-] (GUIDs, domains, common/organizations/consumers). */
ET_NODISCARD et_err et_tenant_check(et_str tenant);

#ifdef __cplusplus
}
#endif

#endif
