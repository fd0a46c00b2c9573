# SPDX-License-Identifier: MIT
# Shared by the SDK stand-ins: every SDK call the component makes is
# appended to ${ET_CALLS} (one line: the command and its arguments), then
# done with plain CMake so the sources really compile, for Cortex-M4 with
# arm-none-eabi-gcc as a device build would.
set(ET_CALLS "${CMAKE_BINARY_DIR}/calls.txt")
file(WRITE "${ET_CALLS}" "")
function(et_record)
  string(REPLACE ";" " " _line "${ARGN}")
  file(APPEND "${ET_CALLS}" "${_line}\n")
endfunction()
add_compile_options(-std=c99 -mcpu=cortex-m4 -mthumb -Os -ffreestanding -ffunction-sections
  -fdata-sections -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla)
