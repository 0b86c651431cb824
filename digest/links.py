"""Canonical links: when two links name one story, whatever scheme, host spelling or tracking.

A pure function of the URL, used by the archive (a feed item that changed its guid is
still the same entry) and by the select stage (copies of one story from other sources).
w3lib (Scrapy's URL library) normalises percent-encoding and query order; this module
adds what is specific to stories: the scheme, `www.`, tracking parameters and a
trailing slash do not tell two stories apart.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit, urlunsplit

# Change this whenever canonical_link changes what it returns: the archive stores each
# entry's canonical link and computes them all again when the rule it stored them by differs.
RULE = "1"

_TRACKING_PARAMETERS = re.compile(
    r"^(utm_.*|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|_hsenc|_hsmi|ref|source)$", re.I
)
_DEFAULT_PORTS = {"http": 80, "https": 443}
# A link nothing in canonical_link changes but its scheme, `www.`, the host's case and a trailing
# slash: an ASCII host of plain labels (no IDNA "xn--" label, no port, no userinfo), and a path of
# unreserved characters whose segments are neither empty nor begin with a dot (no "." or ".."
# to resolve, no percent-encoding to normalise), with no query or fragment. Most feed links are
# such; they skip urlsplit and w3lib (tests/test_ingest_paths.py holds the two paths equal).
_PLAIN_LINK = re.compile(
    r"https?://(?!(?:[^/]*\.)?[xX][nN]--)([A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*)"
    r"((?:/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*)/?"
)


def canonical_link(url: str) -> str:
    """`host/path?query`: the link without what differs between copies of one story.

    http and https are one; the host is lower case and without `www.`; default ports,
    the fragment, tracking parameters (`utm_*`, `fbclid`, `gclid`, `mc_cid`, …) and a
    trailing slash are dropped; other query parameters are kept, in sorted order.
    """
    plain = _PLAIN_LINK.fullmatch(url)
    if plain:
        return plain[1].lower().removeprefix("www.") + (plain[2] or "/")
    return _canonical_link(url)


def _canonical_link(url: str) -> str:
    """canonical_link by urllib and w3lib: any URL."""
    from w3lib.url import canonicalize_url, url_query_cleaner  # only links with more in them

    parts = urlsplit(url.strip())
    host = (parts.hostname or "").removeprefix("www.")
    if ":" in host:
        host = f"[{host}]"  # an IPv6 address
    try:
        port = parts.port
    except ValueError:  # a port that is not a number: not part of the story's name
        port = None
    if port and port != _DEFAULT_PORTS.get(parts.scheme.lower()):
        host += f":{port}"
    tracking = [
        name
        for name, _ in parse_qsl(parts.query, keep_blank_values=True)
        if _TRACKING_PARAMETERS.match(name)
    ]
    plain = urlunsplit(("https", host, parts.path, parts.query, ""))
    if tracking:
        plain = url_query_cleaner(plain, tracking, remove=True, unique=False)
    try:
        canonical = urlsplit(canonicalize_url(plain, keep_blank_values=True))
    except ValueError:  # w3lib refuses what urllib let through: compare it as it is
        canonical = urlsplit(plain)
    path = canonical.path.rstrip("/") or "/"
    return canonical.netloc + path + (f"?{canonical.query}" if canonical.query else "")


def story_link(url: str | None) -> str | None:
    """The canonical link when it can name one story; None for none, or a site's front page.

    Some feeds give every item the site's address as its link: such a link says
    nothing about which story an item is, so it never makes two items one.
    """
    if not url:
        return None
    link = canonical_link(url)
    return None if link.endswith("/") and link.count("/") == 1 else link
