# SPDX-License-Identifier: MIT
# ESP-IDF's first pass over a component: its CMakeLists.txt in script mode
# (cmake -P) with CMAKE_BUILD_EARLY_EXPANSION, where only the requirements
# given to idf_component_register count. Run with -DET_MODULE=<checkout>
# -DET_CALLS=<file> [-DEDGETOKEN_IDF_PORT=ON].
set(ESP_PLATFORM 1)
set(CMAKE_BUILD_EARLY_EXPANSION 1)
file(WRITE "${ET_CALLS}" "")
function(idf_component_register)
  string(REPLACE ";" " " _line "${ARGN}")
  file(APPEND "${ET_CALLS}" "idf_component_register ${_line}\n")
endfunction()
set(CMAKE_CURRENT_LIST_DIR "${ET_MODULE}")
include("${ET_MODULE}/CMakeLists.txt")
