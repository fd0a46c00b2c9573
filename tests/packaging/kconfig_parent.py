#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""edgetoken's Kconfig inside a parent tree, loaded by kconfiglib (the
library Zephyr's and ESP-IDF's menuconfig are built on or compatible with):

  zephyr  a parent that sources zephyr/Kconfig under "Modules", as Zephyr's
          generated Kconfig.modules does: menuconfig EDGETOKEN, and every
          CONFIG_ET_* inside it, under the top menu "edgetoken"
  esp-idf a parent that sources the top-level Kconfig under "Component
          config", as ESP-IDF does with a component's Kconfig

For each, the options must sit under the edgetoken menu (not bare "Memory",
"Network", "Flows" in the parent), and a configuration (client credentials
off, 8 AADSTS codes, error texts on) is written as .config and a C header
(Zephyr's autoconf.h, ESP-IDF's sdkconfig.h) into OUTDIR/<sdk>/.

usage: kconfig_parent.py ROOT OUTDIR
"""
import os
import sys

import kconfiglib

ROOT, OUT = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])

PARENTS = {
    "zephyr": '''mainmenu "Zephyr stand-in"
config MBEDTLS
\tbool "mbedTLS"
menu "Modules"
osource "$(ET_ROOT)/zephyr/Kconfig"
endmenu
''',
    "esp-idf": '''mainmenu "ESP-IDF stand-in"
menu "Component config"
source "$(ET_ROOT)/Kconfig"
endmenu
''',
}
EXPECT = {
    "zephyr": ["Modules", "edgetoken: Entra ID OAuth 2.0 tokens", "edgetoken", "Memory"],
    "esp-idf": ["Component config", "edgetoken", "Memory"],
}


def menu_path(node):
    path = []
    node = node.parent
    while node is not None and node.parent is not None:
        if node.prompt:
            path.append(node.prompt[0])
        node = node.parent
    return list(reversed(path))


def main():
    os.environ["ET_ROOT"] = ROOT
    failures = 0
    for sdk, text in PARENTS.items():
        d = os.path.join(OUT, sdk)
        os.makedirs(d, exist_ok=True)
        parent = os.path.join(d, "Kconfig.parent")
        with open(parent, "w") as f:
            f.write(text)
        kc = kconfiglib.Kconfig(parent, warn_to_stderr=False)
        for w in kc.warnings:
            print(f"{sdk}: kconfig warning: {w}")
            failures += 1
        first = kc.top_node.list
        bare = []
        while first is not None:
            if first.prompt and first.prompt[0] in ("Memory", "Network", "Flows"):
                bare.append(first.prompt[0])
            first = first.next
        if bare:
            print(f"{sdk}: bare menus at the top of the parent: {bare}")
            failures += 1
        sym = kc.syms["ET_MAX_ERROR_CODES"]
        path = menu_path(sym.nodes[0])
        if path != EXPECT[sdk]:
            print(f"{sdk}: ET_MAX_ERROR_CODES is under {path}, want {EXPECT[sdk]}")
            failures += 1
        else:
            print(f"{sdk}: CONFIG_ET_MAX_ERROR_CODES under {' > '.join(path)}")
        if sdk == "zephyr":
            # Off, the module writes none of its options.
            kc.syms["EDGETOKEN"].set_value("n")
            if sym.visibility or sym.config_string:
                print("zephyr: ET_* options visible or written with EDGETOKEN=n")
                failures += 1
            kc.syms["EDGETOKEN"].set_value("y")
            kc.syms["MBEDTLS"].set_value("y")
            kc.syms["EDGETOKEN_PORT_MBEDTLS"].set_value("y")
        kc.syms["ET_FLOW_CLIENT_CREDENTIALS"].set_value("n")
        kc.syms["ET_MAX_ERROR_CODES"].set_value("8")
        kc.syms["ET_ERROR_TEXT"].set_value("y")
        if sym.str_value != "8":
            print(f"{sdk}: ET_MAX_ERROR_CODES did not take 8 ({sym.str_value})")
            failures += 1
        kc.write_config(os.path.join(d, ".config"), header="")
        header = "autoconf.h" if sdk == "zephyr" else "sdkconfig.h"
        kc.write_autoconf(os.path.join(d, header))
        with open(os.path.join(d, header)) as f:
            h = f.read()
        for want in ("#define CONFIG_ET_MAX_ERROR_CODES 8", "#define CONFIG_ET_ERROR_TEXT 1"):
            if want not in h:
                print(f"{sdk}: {header} lacks {want}")
                failures += 1
        if "CONFIG_ET_FLOW_CLIENT_CREDENTIALS" in h:
            print(f"{sdk}: {header} defines the flow that is off")
            failures += 1
    print("kconfig_parent: ok" if failures == 0 else f"kconfig_parent: {failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
