# cmake -DASSET_DIR=<dir> -DASSETS=a.html,b.js -DOUTPUT=<file.cpp> -P embed_assets.cmake
#
# Writes a C++ source holding each asset's bytes and the table assets.hpp's find_asset searches:
# the observer's page is part of the library, nothing is read from disk or fetched at run time.
set(types_html "text/html; charset=utf-8")
set(types_js "text/javascript; charset=utf-8")
set(types_css "text/css; charset=utf-8")
set(types_png "image/png")

string(REPLACE "," ";" ASSETS "${ASSETS}")
set(arrays "")
set(table "")
set(index 0)
foreach(asset IN LISTS ASSETS)
  file(READ ${ASSET_DIR}/${asset} hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n    "
         bytes "${bytes}")
  get_filename_component(extension ${asset} LAST_EXT)
  string(SUBSTRING ${extension} 1 -1 extension)
  set(type "${types_${extension}}")
  if(type STREQUAL "")
    message(FATAL_ERROR "embed_assets: no content type for ${asset}")
  endif()
  string(APPEND arrays "const unsigned char asset_${index}[] = {\n    ${bytes}};\n")
  string(APPEND table "    {\"${asset}\", \"${type}\",\n     std::string_view(reinterpret_cast<const char*>(asset_${index}), sizeof asset_${index})},\n")
  math(EXPR index "${index} + 1")
endforeach()

file(WRITE ${OUTPUT}.tmp "// Generated from observer/assets/ by observer/cmake/embed_assets.cmake: do not edit.
#include \"assets.hpp\"

namespace otp::observer::detail {
namespace {

${arrays}
const asset table[] = {
${table}};

}  // namespace

const asset* find_asset(std::string_view name) {
  for (const asset& a : table)
    if (a.name == name) return &a;
  return nullptr;
}

}  // namespace otp::observer::detail
")
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUTPUT}.tmp)
