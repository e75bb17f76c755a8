"""Reads the command blocks of the operations guides and runs them in a scratch install.

Each ```sh block in docs/PRODUCTION_DEPLOYMENT.md and docs/OPERATIONS_MANUAL.md follows a
line `<!-- check: … -->` that says how it is checked (the guides explain the notation):

- `run` (optionally `, keep` and `, exit N`): run here, in document order, by bash with
  `set -euo pipefail`, in a scratch copy of the project. A `keep` block's lines (shell
  variables) are put in front of every later block of the same guide. `exit N` is the exit
  status expected (several may be given: `exit 0 1`).
- anything else: comma-separated pytest node ids that run the same thing here.

A `docker compose -f deploy/docker-compose.prod.yml run --rm -T SERVICE` (or `exec`) in
front of a `fitnesscrm` command is taken off, and the command runs with the settings file
the guide wrote, as the container would: container paths go to the scratch directory, the
`db` and `redis` hosts to the test's PostgreSQL and Redis (or SQLite and the local cache).
"""

import os
import re
import shlex
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml import YAML

PROJECT_DIR = Path(__file__).resolve().parents[2]
DOCS = PROJECT_DIR / "docs"
GUIDES = ("PRODUCTION_DEPLOYMENT.md", "OPERATIONS_MANUAL.md")
COMPOSE_FILE = "deploy/docker-compose.prod.yml"
COMPOSE_PREFIX = re.compile(
    r"docker compose -f deploy/docker-compose\.prod\.yml (?:run --rm|exec)(?: -T)? (\S+) "
    r"(?=fitnesscrm |sh -c )"
)
BLOCK = re.compile(r"^```sh\n(.*?)^```", re.MULTILINE | re.DOTALL)
CHECK = re.compile(r"^<!-- check: (.+?) -->$")
CONTAINER_PATHS = {"/var/lib/fitnesscrm": "data", "/app/staticfiles": "static"}


@dataclass
class Block:
    guide: str
    line: int
    check: str
    code: str

    @property
    def runs_here(self) -> bool:
        return self.check.split(",")[0].strip() == "run"

    @property
    def keep(self) -> bool:
        return self.runs_here and "keep" in [part.strip() for part in self.check.split(",")]

    @property
    def expected_exits(self) -> set[int]:
        found = re.search(r"exit ((?:\d+ ?)+)", self.check)
        return {int(code) for code in found.group(1).split()} if found else {0}

    @property
    def tests(self) -> list[str]:
        return [] if self.runs_here else [item.strip() for item in self.check.split(",")]

    @property
    def name(self) -> str:
        return f"{self.guide}:{self.line}"


def blocks(guide: str) -> list[Block]:
    text = (DOCS / guide).read_text()
    found = []
    for match in BLOCK.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        above = text.splitlines()[line - 2] if line >= 2 else ""
        check = CHECK.match(above)
        found.append(Block(guide, line, check.group(1) if check else "", match.group(1)))
    return found


def command_lines(code: str) -> list[list[str]]:
    """Each command of a block as words: continuation lines joined, pipes split."""
    joined = code.replace("\\\n", " ")
    commands = []
    for line in joined.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        for part in re.split(r"\s(?:\||&&|\|\|)\s", line):
            try:
                commands.append(shlex.split(part, comments=True))
            except ValueError:
                commands.append(part.split())
    return commands


def compose_services() -> dict:
    return YAML(typ="safe").load((PROJECT_DIR / COMPOSE_FILE).read_text())


def production_values(path: Path) -> dict[str, str]:
    pairs = re.findall(r"^([A-Z0-9_]+)=(.*)$", path.read_text(), flags=re.MULTILINE)
    return dict(pairs)


@dataclass
class Sandbox:
    """A scratch copy of the project: deploy/ copied (the guides write into it), the scripts
    and the virtual environment linked, data in ./data, and its own database."""

    root: Path
    database_url: str | None
    redis_url: str | None
    kept: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def create(cls, root: Path) -> "Sandbox":
        shutil.copytree(PROJECT_DIR / "deploy", root / "deploy")
        (root / "scripts").symlink_to(PROJECT_DIR / "scripts")
        (root / ".venv").symlink_to(Path(sys.executable).parent.parent)
        for name in ("data", "static", "home"):
            (root / name).mkdir()
        return cls(root, _scratch_database(), os.environ.get("REDIS_URL") or None)

    def env(self) -> dict[str, str]:
        env = {
            "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": str(self.root / "home"),
            "LANG": "C.UTF-8",
            "ENV_FILE": str(self.root / "no-such.env"),
            "DATA_DIR": str(self.root / "data"),
            "DEBUG": "false",
        }
        settings = self.root / "deploy" / ".env.production"
        if settings.exists():
            for name, value in production_values(settings).items():
                env[name] = self._as_in_the_container(name, value)
        env.pop("DATABASE_URL", None)
        env.pop("REDIS_URL", None)
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        return env

    def _as_in_the_container(self, name: str, value: str) -> str:
        for container_path, here in CONTAINER_PATHS.items():
            if value == container_path or value.startswith(container_path + "/"):
                return str(self.root / here) + value[len(container_path) :]
        return value

    def run(self, block: Block) -> subprocess.CompletedProcess:
        code = self.translate(block.code)
        script = "\n".join(["set -euo pipefail", *self.kept.get(block.guide, []), code])
        result = subprocess.run(  # noqa: S603
            ["/bin/bash", "-c", script],
            cwd=self.root,
            env=self.env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if block.keep:
            self.kept.setdefault(block.guide, []).append(code)
        return result

    def translate(self, code: str) -> str:
        services = compose_services()["services"]
        for service in COMPOSE_PREFIX.findall(code):
            assert service in services, f"no service {service!r} in {COMPOSE_FILE}"
        code = COMPOSE_PREFIX.sub("", code)
        for words in command_lines(code):
            assert "docker" not in words, f"a `check: run` block cannot start containers: {words}"
        return code

    def start_one_shot_services(self) -> None:
        """What `docker compose up` does before the app starts: the `migrate` service."""
        command = compose_services()["services"]["migrate"]["command"]
        result = subprocess.run(  # noqa: S603
            command, cwd=self.root, env=self.env(), capture_output=True, text=True, timeout=600
        )
        assert result.returncode == 0, result.stdout + result.stderr

    def remove(self) -> None:
        if self.database_url:
            _drop_databases_like(self.database_url)


def admin_connection(url: str):
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    return psycopg.connect(
        host=config["HOST"] or "127.0.0.1",
        port=config["PORT"] or 5432,
        user=config["USER"] or "postgres",
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


def _scratch_database() -> str | None:
    """A new PostgreSQL database beside the test's own, or None on SQLite."""
    test_url = os.environ.get("DATABASE_URL")
    if not test_url:
        return None
    name = f"fcrm_docs_{uuid.uuid4().hex[:10]}"
    with admin_connection(test_url) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return test_url.rsplit("/", 1)[0] + "/" + name


def _drop_databases_like(url: str) -> None:
    """The scratch database and what a restore kept beside it (`<name>_pre_restore_…`)."""
    name = url.rsplit("/", 1)[1]
    with admin_connection(url) as connection:
        rows = connection.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", [name + "%"]
        ).fetchall()
        for (database,) in rows:
            connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
