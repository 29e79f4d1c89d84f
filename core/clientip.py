"""The client's IP address, trusting X-Forwarded-For only from configured proxies (contract §3)."""
from functools import lru_cache
import ipaddress

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]):
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def ip_in_networks(ip: str, networks) -> bool:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in network for network in networks)


def trusted_proxy_networks():
    return _networks(tuple(settings.TRUSTED_PROXIES))


def client_ip(request) -> str:
    """
    REMOTE_ADDR, unless the peer is a trusted proxy: then the right-most
    X-Forwarded-For entry that is not itself a trusted proxy. Untrusted peers'
    X-Forwarded-For is ignored, so it cannot be spoofed.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = trusted_proxy_networks()
    if not proxies or not ip_in_networks(remote, proxies):
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    for hop in reversed(forwarded):
        if not ip_in_networks(hop, proxies):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return remote
    return remote
