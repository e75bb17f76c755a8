"""Headers that Django's own middleware does not set: Permissions-Policy,
Cross-Origin-Resource-Policy, and no caching of anything but static files.

Content-Security-Policy, HSTS, X-Content-Type-Options, Referrer-Policy,
Cross-Origin-Opener-Policy and X-Frame-Options come from Django's middleware and
settings (settings.py, "Security").
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


def permissions_policy(features: dict[str, list[str]]) -> str:
    """`{"camera": []}` as the header's "camera=()"."""
    return ", ".join(f"{name}=({' '.join(origins)})" for name, origins in features.items())


class SecurityHeadersMiddleware:
    """Placed before WhiteNoise, so that it sees every response, static files included.

    A response that says nothing about caching gets `Cache-Control: no-store, private`:
    pages carry personal data and a CSRF token, API answers carry records. Static
    files keep the long cache WhiteNoise gives them, and a view that chose its own
    caching (a calendar feed, a photo) keeps its choice.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.permissions_policy = permissions_policy(settings.SECURE_PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.permissions_policy:
            response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        response.headers.setdefault(
            "Cross-Origin-Resource-Policy", settings.SECURE_CROSS_ORIGIN_RESOURCE_POLICY
        )
        if not request.path.startswith(settings.STATIC_URL) and not response.has_header(
            "Cache-Control"
        ):
            patch_cache_control(response, no_store=True, private=True)
        return response
