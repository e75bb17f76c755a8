"""`.env.example` documents exactly the variables the settings read."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def variables_read_by_settings() -> set[str]:
    source = (ROOT / "fitnesscrm" / "settings.py").read_text()
    return set(re.findall(r'env_(?:str|bool|int|fraction|list)\(\s*"([A-Z0-9_]+)"', source))


def variables_in_env_example() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^([A-Z0-9_]+)=", text, flags=re.MULTILINE))


def test_every_variable_the_settings_read_is_explained_in_env_example():
    missing = variables_read_by_settings() - variables_in_env_example()
    assert not missing, f"add to .env.example: {sorted(missing)}"


def test_env_example_lists_no_variable_the_settings_do_not_read():
    unknown = variables_in_env_example() - variables_read_by_settings()
    assert not unknown, f"remove from .env.example or read in settings: {sorted(unknown)}"


def test_each_variable_in_env_example_has_an_explanation_above_it():
    lines = (ROOT / ".env.example").read_text().splitlines()
    for index, line in enumerate(lines):
        if re.match(r"^[A-Z0-9_]+=", line):
            previous = [item for item in lines[max(0, index - 3) : index] if item.strip()]
            assert previous and (
                previous[-1].startswith("#") or re.match(r"^[A-Z0-9_]+=", previous[-1])
            ), f"{line.split('=')[0]} has no comment"
