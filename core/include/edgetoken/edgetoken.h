/* SPDX-License-Identifier: MIT */
/* edgetoken: Entra ID tokens for small devices. One include for all. */
#ifndef EDGETOKEN_H
#define EDGETOKEN_H

#include "et_config.h"
#include "et_err.h"
#include "et_str.h"
#include "et_b64url.h"
#include "et_form.h"
#include "et_http.h"
#include "et_http_date.h"
#include "et_proxy.h"
#include "et_json.h"
#include "et_token.h"
#include "et_port.h"
#include "et_work.h"
#include "et_result.h"
#include "et_retry.h"
#include "et_client.h"
#include "et_assertion.h"
#include "et_device_code.h"
#include "et_signin.h"
#include "et_store.h"
#include "et_id_token.h"
#include "et_engine.h"
#include "et_discovery.h"
#include "et_cache.h"
#include "et_adme.h"
#include "et_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The release: ET_VERSION "MAJOR.MINOR.PATCH", the same as numbers, and
 * ET_VERSION_NUMBER 0xMMmmpp for comparisons (#if ET_VERSION_NUMBER >= 0x000400). */
#define ET_VERSION_MAJOR 0
#define ET_VERSION_MINOR 3
#define ET_VERSION_PATCH 0
#define ET_VERSION "0.3.0"
#define ET_VERSION_NUMBER \
  ((ET_VERSION_MAJOR << 16) | (ET_VERSION_MINOR << 8) | ET_VERSION_PATCH)

#ifdef __cplusplus
}
#endif

#endif
