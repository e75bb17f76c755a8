"""API authentication: a personal API key as a bearer token, or the browser session with CSRF."""

from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer, SessionAuth


class ApiKeyAuth(HttpBearer):
    """`Authorization: Bearer fcrm_…`; a bad key is refused with the reason, not ignored."""

    def __call__(self, request: HttpRequest):
        header = request.headers.get("Authorization", "")
        if header and not header.lower().startswith("bearer "):
            raise AuthenticationError(
                401, "Unsupported Authorization scheme: use 'Bearer <api key>'."
            )
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, token: str):
        from fitnesscrm.accounts.services import ApiKeyRejected, api_key_authenticate

        try:
            user = api_key_authenticate(token.strip())
        except ApiKeyRejected as exc:
            raise AuthenticationError(401, str(exc)) from exc
        request.user = user
        request.auth_method = "api_key"
        return user


class ActiveSessionAuth(SessionAuth):
    """The signed-in browser session; unsafe methods need the CSRF token."""

    def __call__(self, request: HttpRequest):
        # The CSRF check protects a signed-in session; without one there is nothing
        # to forge, and the caller must hear 401 (authenticate), not 403 (CSRF).
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key):
        user = super().authenticate(request, key)
        if user is not None and user.is_active:
            request.auth_method = "session"
            return user
        return None
