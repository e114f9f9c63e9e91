"""The shell commands the README shows, read from the README itself (for ``test_readme_commands.py``).

Every fenced ``bash`` block is read; a line ending in ``\\`` continues on the next, ``&&`` separates
two commands, ``#`` starts a comment, and ``[...]`` marks an optional part (left out). Lines that
are only a comment are not commands.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
FENCE = re.compile(r"^```bash\n(.*?)^```", re.S | re.M)
OPTIONAL = re.compile(r"\s*\[--[^\]]*\]")  # [--root DIR]: an optional part


def readme_commands(readme: Path = README) -> list[str]:
    """Every command of the README's bash blocks, in order, comments and optional parts removed."""
    commands = []
    for block in FENCE.findall(readme.read_text(encoding="utf-8")):
        pending = ""
        for line in block.splitlines():
            line = pending + line.strip()
            if line.endswith("\\"):
                pending = line[:-1] + " "
                continue
            pending = ""
            words = shlex.split(OPTIONAL.sub("", line), comments=True)
            command: list[str] = []
            for word in [*words, "&&"]:
                if word != "&&":
                    command.append(word)
                elif command:
                    commands.append(shlex.join(command))
                    command = []
    return commands


def arguments_after(command: str, module: str) -> list[str]:
    """The argument list after ``-m <module>`` of a ``python -m`` command."""
    words = shlex.split(command)
    position = words.index(module)
    return words[position + 1 :]


def option_values(arguments: list[str], option: str) -> list[str]:
    """The values after ``option`` up to the next option (``--seeds 0 1 2`` -> ``["0", "1", "2"]``)."""
    if option not in arguments:
        return []
    values = []
    for word in arguments[arguments.index(option) + 1 :]:
        if word.startswith("--"):
            break
        values.append(word)
    return values


def replace_option(arguments: list[str], option: str, values: list[str]) -> list[str]:
    """``arguments`` with ``option``'s values replaced (the option added when absent)."""
    if option not in arguments:
        return [*arguments, option, *values]
    start = arguments.index(option)
    end = start + 1 + len(option_values(arguments, option))
    return [*arguments[:start], option, *values, *arguments[end:]]
