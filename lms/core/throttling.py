"""Who a request comes from, and request-rate limits that all app servers share.

`client_ip` is the address that sign-in lockouts (django-axes, see lms/people/lockouts.py)
and the API's rate limits count against. Behind a load balancer REMOTE_ADDR is the load
balancer's address, so with TRUSTED_PROXY_COUNT set the address is read from
X-Forwarded-For instead: the entry that the outermost of our own proxies appended, which a
client cannot forge (entries to its left can be). IPv6 addresses count per /64 network,
the block one customer line gets, so that rotating through one's own addresses gains
nothing.

`retry_after` counts requests in the default cache with django-ratelimit's fixed windows
(an atomic add + incr): Redis in production, so every gunicorn worker and app server sees
the same counts. Without REDIS_URL each process has its own memory cache and so its own
counts; that is fine for one development process, and several processes then allow up to
their number times the limit.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage


def _address(value: str | None) -> str | None:
    try:
        address = ipaddress.ip_address((value or "").strip())
    except ValueError:
        return None
    if address.version == 6:
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return str(address)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address (IPv6 as its /64 network), or None if there is none."""
    remote = _address(request.META.get("REMOTE_ADDR"))
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    forwarded = header.split(",") if header.strip() else []
    if len(forwarded) < proxies:
        # Not through all our proxies: the connection's own address is all we know.
        return remote
    return _address(forwarded[-proxies]) or remote


def retry_after(request: HttpRequest, *, group: str, key: str, rate: str, count: bool) -> int:
    """Seconds to wait when `key` is over `rate` in `group`, else 0.

    With `count` this request is counted first, so the request that passes the limit is
    the first one refused.
    """
    usage = get_usage(
        request,
        group=group,
        key=lambda _group, _request: key,
        rate=rate,
        increment=count,
    )
    if usage is None or not usage["should_limit"]:
        # None: RATELIMIT_ENABLE is off.
        return 0
    # time_left is -1 when the cache could not count: refused, but only for a moment.
    return max(1, usage["time_left"])
