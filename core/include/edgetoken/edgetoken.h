/* edgetoken: Entra ID tokens for small devices. One include for all. */
#ifndef EDGETOKEN_H
#define EDGETOKEN_H

#include "et_config.h"
#include "et_err.h"
#include "et_str.h"
#include "et_b64url.h"
#include "et_form.h"
#include "et_http.h"
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

#ifdef __cplusplus
extern "C" {
#endif

#define ET_VERSION "0.1.0"

#ifdef __cplusplus
}
#endif

#endif
