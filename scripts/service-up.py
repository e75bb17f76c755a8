"""Exit 0 when the PostgreSQL or Redis server at URL answers, 1 otherwise.

Usage: service-up.py postgres|redis URL
"""

import sys


def postgres_up(url: str) -> bool:
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    try:
        with psycopg.connect(
            host=cfg["HOST"] or None,
            port=cfg["PORT"] or None,
            user=cfg["USER"] or None,
            password=cfg["PASSWORD"] or None,
            dbname="postgres",
            connect_timeout=3,
        ) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def redis_up(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=3).ping())
    except redis.RedisError:
        return False


if __name__ == "__main__":
    kind, url = sys.argv[1], sys.argv[2]
    up = postgres_up(url) if kind == "postgres" else redis_up(url)
    sys.exit(0 if up else 1)
