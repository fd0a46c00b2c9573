/* SPDX-License-Identifier: MIT */
/* Which proxy, if any (et_proxy.h): the proxy URL, its percent-encoded
 * userinfo, and the no_proxy list that sends some hosts direct. */
#include "edgetoken/et_proxy.h"

static et_str span(const char *p, size_t n) {
  return (et_str){ p, n };
}

static size_t find(et_str s, char c, size_t from) {
  while (from < s.n && s.p[from] != c)
    from++;
  return from;
}

/* The last ':' of s not inside brackets, or s.n. */
static size_t port_colon(et_str s) {
  size_t at = s.n;
  bool in_brackets = false;
  for (size_t i = 0; i < s.n; i++) {
    if (s.p[i] == '[')
      in_brackets = true;
    else if (s.p[i] == ']')
      in_brackets = false;
    else if (s.p[i] == ':' && !in_brackets)
      at = i;
  }
  return at;
}

/* "host", "[v6]", "host:port", "[v6]:port" -> host (brackets off), port
 * (0 when absent). false when the port is not 1..65535, a bracket is
 * unbalanced or a colon is left outside brackets. */
static bool split_host_port(et_str hp, et_str *host, uint16_t *port) {
  size_t colon = port_colon(hp);
  uint64_t v = 0;
  *port = 0;
  if (colon < hp.n) {
    if (et_str_to_u64(span(hp.p + colon + 1, hp.n - colon - 1), 65535, &v) != ET_OK || v == 0)
      return false;
    *port = (uint16_t)v;
    hp.n = colon;
  }
  if (hp.n > 0 && hp.p[0] == '[') {
    if (hp.n < 2 || hp.p[hp.n - 1] != ']')
      return false;
    hp.p++;
    hp.n -= 2;
  } else if (find(hp, ':', 0) < hp.n) {
    return false; /* an IPv6 literal with a port needs its brackets */
  }
  *host = hp;
  return true;
}

static bool host_chars_ok(et_str h) {
  bool colon = false;
  for (size_t i = 0; i < h.n; i++)
    colon = colon || h.p[i] == ':';
  for (size_t i = 0; i < h.n; i++)
    if (!et_char_in(h.p[i], colon ? ET_CHARS_IPV6 : ET_CHARS_HOST))
      return false;
  return h.n > 0;
}

et_err et_proxy_url_parse(et_str url, et_proxy_url *out) {
  static const et_str scheme = { "http://", 7 };
  if (out == NULL)
    return ET_E_ARG;
  out->host = ET_STR_NULL;
  out->port = 0;
  out->has_userinfo = false;
  out->user = out->pass = ET_STR_NULL;
  if (url.p == NULL || url.n == 0)
    return ET_E_URL;
  for (size_t i = 0; i < url.n; i++)
    if ((unsigned char)url.p[i] <= 0x20 || url.p[i] == 0x7f)
      return ET_E_URL;
  if (url.n >= scheme.n && et_str_eq_nocase(span(url.p, scheme.n), scheme)) {
    url.p += scheme.n;
    url.n -= scheme.n;
  } else if (find(url, ':', 0) + 2 < url.n && url.p[find(url, ':', 0) + 1] == '/') {
    return ET_E_URL; /* "https://", "socks5://": not an HTTP proxy we speak */
  }
  if (url.n > 0 && url.p[url.n - 1] == '/')
    url.n--;
  if (find(url, '/', 0) < url.n || find(url, '?', 0) < url.n || find(url, '#', 0) < url.n)
    return ET_E_URL;
  et_str hp = url;
  for (size_t i = url.n; i > 0; i--) {
    if (url.p[i - 1] == '@') { /* the last '@': a password may hold one */
      et_str info = span(url.p, i - 1);
      size_t colon = find(info, ':', 0);
      out->has_userinfo = true;
      out->user = span(info.p, colon);
      if (colon < info.n)
        out->pass = span(info.p + colon + 1, info.n - colon - 1);
      hp = span(url.p + i, url.n - i);
      break;
    }
  }
  if (!split_host_port(hp, &out->host, &out->port) || !host_chars_ok(out->host))
    return ET_E_URL;
  if (out->port == 0)
    out->port = ET_PROXY_DEFAULT_PORT;
  return ET_OK;
}

et_err et_proxy_pct_decode(et_str s, char *out, size_t cap, size_t *n) {
  size_t k = 0;
  if ((s.p == NULL && s.n > 0) || n == NULL || (out == NULL && cap > 0))
    return ET_E_ARG;
  for (size_t i = 0; i < s.n; i++) {
    char c = s.p[i];
    if (c == '%') {
      int hi = i + 2 < s.n ? et_hex_value(s.p[i + 1]) : -1;
      int lo = hi >= 0 ? et_hex_value(s.p[i + 2]) : -1;
      if (lo < 0)
        return ET_E_URL;
      c = (char)(hi << 4 | lo);
      i += 2;
    }
    if (k >= cap)
      return ET_E_NOSPACE;
    out[k++] = c;
  }
  *n = k;
  return ET_OK;
}

static et_str trim(et_str s) {
  while (s.n > 0 && (s.p[0] == ' ' || s.p[0] == '\t')) {
    s.p++;
    s.n--;
  }
  while (s.n > 0 && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t'))
    s.n--;
  return s;
}

static et_str no_final_dot(et_str s) {
  if (s.n > 0 && s.p[s.n - 1] == '.')
    s.n--;
  return s;
}

/* An IP literal (IPv4 dotted digits, or IPv6): matched whole only. */
static bool ip_literal(et_str h) {
  bool v4 = h.n > 0;
  for (size_t i = 0; i < h.n; i++) {
    if (h.p[i] == ':')
      return true;
    v4 = v4 && ((h.p[i] >= '0' && h.p[i] <= '9') || h.p[i] == '.');
  }
  return v4;
}

/* host is name, or a name under it ("a.name"). */
static bool under(et_str host, et_str name) {
  if (name.n == 0 || host.n < name.n)
    return false;
  if (ip_literal(host))
    return et_str_eq_nocase(host, name);
  if (!et_str_eq_nocase(span(host.p + host.n - name.n, name.n), name))
    return false;
  return host.n == name.n || host.p[host.n - name.n - 1] == '.';
}

static bool entry_matches(et_str entry, et_str host, uint16_t port) {
  et_str name;
  uint16_t want = 0;
  /* A bare IPv6 literal has colons but no port. */
  bool bare_v6 = entry.n > 0 && entry.p[0] != '[' && find(entry, ':', 0) < entry.n &&
                 find(entry, ':', find(entry, ':', 0) + 1) < entry.n;
  if (bare_v6)
    name = entry;
  else if (!split_host_port(entry, &name, &want))
    return false;
  if (want != 0 && want != port)
    return false;
  if (name.n > 0 && name.p[0] == '.') {
    name.p++;
    name.n--;
  }
  return under(no_final_dot(host), no_final_dot(name));
}

bool et_proxy_bypass(et_str no_proxy, et_str host, uint16_t port) {
  size_t at = 0;
  if (no_proxy.p == NULL || host.p == NULL)
    return false;
  if (host.n >= 2 && host.p[0] == '[' && host.p[host.n - 1] == ']') {
    host.p++;
    host.n -= 2;
  }
  while (at < no_proxy.n) {
    size_t end = find(no_proxy, ',', at);
    et_str entry = trim(span(no_proxy.p + at, end - at));
    if (entry.n == 1 && entry.p[0] == '*')
      return true;
    if (entry.n > 0 && entry_matches(entry, host, port))
      return true;
    at = end + 1;
  }
  return false;
}
