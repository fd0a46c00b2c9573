# SPDX-License-Identifier: MIT
"""The user's part of a sign-in at node oidc-provider, without a browser:
follow redirects with cookies, fill the development interactions' forms
(any login and password, consent, the device user code) and submit them.
Stops at the first redirect that leaves the provider (the loopback
listener of `edgetoken login`), which it then requests like a browser."""

import html.parser
import http.cookiejar
import json
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class _Forms(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "method": a.get("method", "get"),
                               "id": a.get("id"), "fields": {}})
        elif tag == "input" and self.forms and a.get("name"):
            self.forms[-1]["fields"][a["name"]] = a.get("value") or ""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


class FormBrowser:
    def __init__(self, ca, user="edgetoken-user"):
        self.ctx = ssl.create_default_context(cafile=ca)
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=self.ctx),
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())
        self.user = user
        self.pages = []

    def _open(self, url, data=None):
        """One request; returns (status, location or None, body text)."""
        req = urllib.request.Request(url, data=data)
        if data is not None:
            req.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with self.opener.open(req, timeout=30) as r:
                return r.status, None, r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            body = e.read().decode("utf-8", "replace")
            return e.code, e.headers.get("Location"), body

    def _walk(self, url, data, origin, fill):
        """Follow redirects and forms until a page without a form, or a
        redirect away from origin (returned as the final URL)."""
        for _ in range(30):
            status, loc, body = self._open(url, data)
            self.pages.append((url, status, body))
            if loc:
                url, data = urllib.parse.urljoin(url, loc), None
                if not url.startswith(origin):
                    self._open(url)  # the loopback listener, as a browser would
                    return url
                continue
            p = _Forms()
            p.feed(body)
            if status >= 400 or not p.forms:
                return body
            form = p.forms[0]
            fields = dict(form["fields"])
            fill(fields)
            data = urllib.parse.urlencode(fields).encode()
            url = urllib.parse.urljoin(url, form["action"])
        raise AssertionError("sign-in did not finish: %s" % self.pages[-1][:2])

    def _fill(self, fields):
        if "login" in fields:
            fields["login"] = self.user
            fields["password"] = "any"

    def sign_in(self, authorize_url):
        """The authorization code flow's user part; returns the URL the
        provider redirected to (the loopback redirect URI with the code)."""
        origin = "/".join(authorize_url.split("/")[:3])
        return self._walk(authorize_url, None, origin, self._fill)

    def device_sign_in(self, device_url, user_code):
        """Enter the user code, sign in, consent; returns the last page."""
        origin = "/".join(device_url.split("/")[:3])

        def fill(fields):
            self._fill(fields)
            if "xsrf" in fields and "login" not in fields:
                fields.setdefault("user_code", user_code)
                if not fields["user_code"]:
                    fields["user_code"] = user_code
        return self._walk(device_url, None, origin, fill)

    def post_json(self, url, body):
        status, _, text = self._open(url, body)
        return json.loads(text)
