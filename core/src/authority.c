/* SPDX-License-Identifier: MIT */
/* Authority URLs and tenant names: the parts of a token endpoint URL that
 * come from configuration, checked before they reach a request line. */
#include "flow.h"

static bool is_path_char(char c) { return et_char_in(c, ET_CHARS_UNRESERVED) || c == '/'; }

et_err et_authority_parse(et_str url, et_authority *out) {
  static const char scheme[] = "https://";
  size_t i = sizeof scheme - 1, start;
  bool bracket;
  if (out == NULL)
    return ET_E_ARG;
  if (url.n == 0)
    url = ET_STR(ET_DEFAULT_AUTHORITY);
  if (url.p == NULL || !et_str_eq_nocase((et_str){ url.p, url.n < i ? url.n : i },
                                         (et_str){ scheme, i }))
    return ET_E_URL;
  out->port = 443;
  out->prefix = (et_str){ url.p + url.n, 0 };

  /* A name, or an IPv6 literal in brackets. */
  bracket = i < url.n && url.p[i] == '[';
  i += bracket;
  start = i;
  while (i < url.n && et_char_in(url.p[i], bracket ? ET_CHARS_IPV6 : ET_CHARS_HOST))
    i++;
  out->host = (et_str){ url.p + start, i - start };
  if (out->host.n == 0 || out->host.n > 253)
    return ET_E_URL;
  if (bracket && (i >= url.n || url.p[i++] != ']'))
    return ET_E_URL;

  if (i < url.n && url.p[i] == ':') {
    /* A digit more than 65535 allows stops the port; the path check
     * below refuses it. */
    size_t p0 = ++i;
    uint64_t port = 0;
    while (i < url.n && et_u64_push_digit(&port, url.p[i], 65535))
      i++;
    if (i == p0 || port == 0)
      return ET_E_URL;
    out->port = (uint16_t)port;
  }

  if (i < url.n) {
    size_t end = url.n;
    if (url.p[i] != '/')
      return ET_E_URL;
    while (end > i && url.p[end - 1] == '/')
      end--;
    for (size_t k = i; k < end; k++)
      if (!is_path_char(url.p[k]) || (url.p[k] == '/' && url.p[k - 1] == '/'))
        return ET_E_URL;
    out->prefix = (et_str){ url.p + i, end - i };
  }
  return ET_OK;
}

et_err et_tenant_check(et_str tenant) {
  if (tenant.p == NULL || tenant.n == 0 || tenant.n > 128)
    return ET_E_ARG;
  for (size_t i = 0; i < tenant.n; i++) {
    char c = tenant.p[i];
    if (!et_char_in(c, ET_CHARS_UNRESERVED) || c == '~')
      return ET_E_ARG;
  }
  /* "." and ".." would walk up the path. */
  if (tenant.p[0] == '.')
    return ET_E_ARG;
  return ET_OK;
}

et_err et_app_authority(const et_app *app, et_str explicit_url, et_authority *to) {
  if (CONFIG_ET_FIXED_AUTHORITY) {
    /* A constant: the parser below is not linked for the flows. */
    if (explicit_url.n > 0 || app->authority.n > 0)
      return ET_E_DISABLED;
    to->host = ET_STR(CONFIG_ET_FIXED_AUTHORITY_HOST);
    to->port = CONFIG_ET_FIXED_AUTHORITY_PORT;
    to->prefix = ET_STR(CONFIG_ET_FIXED_AUTHORITY_PREFIX);
    return ET_OK;
  }
  return et_authority_parse(explicit_url.n > 0 ? explicit_url : app->authority, to);
}
