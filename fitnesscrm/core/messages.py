"""Flash messages ("Client saved.") kept in a cookie named like the session's.

Django's cookie storage always calls its cookie "messages". Over HTTPS ours is
"__Host-messages": browsers then accept it only with Secure, Path=/ and no Domain,
so no other host and no plain-HTTP page can plant a message (the value is signed as
well). Messages too large for the cookie go to the session, as with Django's default.
"""

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.messages.storage.session import SessionStorage


class PrefixedCookieStorage(CookieStorage):
    @property
    def cookie_name(self) -> str:
        return settings.MESSAGES_COOKIE_NAME


class MessageStorage(FallbackStorage):
    storage_classes = (PrefixedCookieStorage, SessionStorage)
