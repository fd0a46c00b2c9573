/* SPDX-License-Identifier: MIT */
/* The library's side of the ABI check (et_abi.h): the fingerprint and
 * settings of the configuration core was compiled with. */
#include "edgetoken/edgetoken.h"

uint32_t et_abi_fingerprint(void) {
  return ET_ABI_FINGERPRINT;
}

const char *et_abi_settings(void) {
  return ET_ABI_SETTINGS;
}

et_err et_abi_check(uint32_t caller_fingerprint) {
  return caller_fingerprint == ET_ABI_FINGERPRINT ? ET_OK : ET_E_ABI;
}
