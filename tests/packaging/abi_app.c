/* SPDX-License-Identifier: MIT */
/* An application's ABI check (et_abi.h), built by tests/packaging/abi.sh
 * with the library's settings and with other ones. Prints both sides'
 * settings; exit 0 when the library accepts the fingerprint, 3 on ET_E_ABI,
 * 1 on anything else. Also checks what the header promises about itself:
 * the numeric version matches the string, and ET_ABI_PORT_CONNS matches
 * et_transport.h's ET_PORT_CONNS. */
#include "edgetoken/edgetoken.h"
#include "edgetoken/et_transport.h"

#include <stdio.h>
#include <string.h>

int main(void) {
  char v[32];
  et_err e;
  snprintf(v, sizeof v, "%d.%d.%d", ET_VERSION_MAJOR, ET_VERSION_MINOR, ET_VERSION_PATCH);
  if (strcmp(v, ET_VERSION) != 0 ||
      ET_VERSION_NUMBER != ((ET_VERSION_MAJOR << 16) | (ET_VERSION_MINOR << 8) | ET_VERSION_PATCH)) {
    fprintf(stderr, "abi_app: ET_VERSION %s but the numbers say %s\n", ET_VERSION, v);
    return 1;
  }
  if (ET_ABI_PORT_CONNS != ET_PORT_CONNS) {
    fprintf(stderr, "abi_app: ET_ABI_PORT_CONNS %d, et_transport.h's ET_PORT_CONNS %d\n",
            (int)ET_ABI_PORT_CONNS, (int)ET_PORT_CONNS);
    return 1;
  }
  printf("app:     %s (%08lx)\n", ET_ABI_SETTINGS, (unsigned long)ET_ABI_FINGERPRINT);
  printf("library: %s (%08lx)\n", et_abi_settings(), (unsigned long)et_abi_fingerprint());
  e = ET_ABI_CHECK();
  if (e == ET_OK) {
    printf("abi: ok\n");
    return 0;
  }
  printf("abi: %s\n", et_strerror(e));
  return e == ET_E_ABI ? 3 : 1;
}
