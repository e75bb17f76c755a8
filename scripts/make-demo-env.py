"""Print demo settings for `.env`: a fresh random secret key and plain HTTP on loopback."""

import secrets

print("# Demo settings written by `make demo`. See .env.example for every variable.")
print("DEBUG=false")
print(f"SECRET_KEY={secrets.token_urlsafe(50)}")
print("ALLOWED_HOSTS=127.0.0.1,localhost")
print("HTTPS=false")
