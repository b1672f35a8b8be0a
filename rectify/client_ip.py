"""The client's address as the deployment declares it (settings.TRUSTED_PROXY_COUNT, CLIENT_IP_HEADER).

Used by the login protection (django-axes' AXES_CLIENT_IP_CALLABLE). Behind N trusted proxies, each of
which appends the address it saw to X-Forwarded-For, the N-th entry from the right was written by our
own outermost proxy; anything left of it came from the client and may be forged.
"""

from ipaddress import ip_address

from django.conf import settings


def _valid(value: str) -> str | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    try:
        return str(ip_address(value))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        entries = [e for e in request.META.get(settings.CLIENT_IP_HEADER, "").split(",") if e.strip()]
        if len(entries) >= count:
            address = _valid(entries[-count])
            if address:
                return address
        # Header missing or shorter than the proxy chain: the request did not pass our proxies as
        # declared, so fall back to the connection's own address (that proxy's, or the client's).
    return _valid(remote) or remote or None
