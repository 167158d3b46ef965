"""The commands and variables the README quotes are ones the code has, without running them.

Every ``akhbar`` command line in a shell block or an inline code span names a subcommand of
the CLI and only that subcommand's options (read from click's command tree); every
``make`` target is one of the Makefile's; every ``python -m`` module, script and repository
path exists, with only the options its argparse parser declares; every ``module.name`` of
the package it names exists. Every ``AKHBAR_*``
variable the README names is read by the code or the deployment, and every one they read
is in the README.
"""

from __future__ import annotations

import importlib
import re
import shlex
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
import typer
from envvars import settings_variables

from pipeline.cli import app
from pipeline.settings import Settings

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
SHELL_BLOCKS = ("", "sh", "bash")
# Top-level folders whose files the README may name by path.
REPO_DIRS = ("pipeline", "dags", "tests", "benchmarks", "scripts", "sql", "docs", "docker")
PLACEHOLDERS = ("...", "…")
# A name, not a family written with a wildcard (AKHBAR_QA_*).
VARIABLE = re.compile(r"(?<![A-Z0-9_])AKHBAR_[A-Z][A-Z0-9_]*(?![A-Z0-9_*])")


def shell_snippets(text: str) -> list[str]:
    """Shell lines of the README's sh/bash/plain blocks, and every inline code span."""
    snippets: list[str] = []
    prose: list[str] = []
    lang: str | None = None
    block: list[str] = []
    for line in text.splitlines():
        fence = re.match(r"\s*```(\w*)", line)
        if fence and lang is None:
            lang, block = fence.group(1), []
        elif fence:
            if lang in SHELL_BLOCKS:
                snippets.extend(re.sub(r"\\\n\s*", " ", "\n".join(block)).splitlines())
            lang = None
        elif lang is not None:
            block.append(line)
        else:
            prose.append(line)
    snippets += [span.replace("\n", " ")
                 for span in re.findall(r"`([^`]+)`", "\n".join(prose))]
    return snippets


def invocations(snippets: list[str], program: re.Pattern[str]) -> Iterator[list[str]]:
    """The words after each ``program`` word, up to a comment or the next command."""
    for snippet in snippets:
        for part in re.split(r"\s#|&&|\|\||[;|]", " " + snippet):
            try:
                words = shlex.split(part)
            except ValueError:
                words = part.split()
            for i, word in enumerate(words):
                if program.fullmatch(word):
                    yield [w.strip("[]") for w in words[i + 1:] if w.strip("[]")]
                    break


@pytest.fixture(scope="module")
def snippets() -> list[str]:
    return shell_snippets(README.read_text(encoding="utf-8"))


def check_akhbar(words: list[str], root: Any) -> str | None:
    """What is wrong with ``akhbar <words>`` (None if nothing): click's tree is the truth."""
    command, path, arguments = root, ["akhbar"], 0
    words = list(words)
    while words:
        word = words.pop(0)
        if word in PLACEHOLDERS:
            continue
        if word.startswith("-"):
            name = word.split("=", 1)[0]
            if name == "--help":
                continue
            option = next((p for p in command.params if p.param_type_name == "option"
                           and name in p.opts + p.secondary_opts), None)
            if option is None:
                return f"{' '.join(path)} has no option {name}"
            if not option.is_flag and not option.count and "=" not in word and words:
                words.pop(0)
        elif getattr(command, "commands", None):
            if word not in command.commands:
                return f"{' '.join(path)} has no subcommand {word!r}"
            command = command.commands[word]
            path.append(word)
        else:
            arguments += 1
            nargs = sum(p.nargs if p.nargs >= 0 else 99 for p in command.params
                        if p.param_type_name == "argument")
            if arguments > nargs:
                return f"{' '.join(path)} takes no argument {word!r}"
    return None


def test_every_akhbar_command_exists_with_its_options(snippets: list[str]) -> None:
    root = typer.main.get_command(app)
    found = list(invocations(snippets, re.compile(r"(?:\S*/)?akhbar")))
    assert len(found) > 20, "the README's akhbar commands were not found"
    wrong = [f"akhbar {' '.join(words)}: {problem}" for words in found
             if (problem := check_akhbar(words, root))]
    assert not wrong, "README quotes commands the CLI does not have:\n" + "\n".join(wrong)


def test_every_make_target_exists(snippets: list[str]) -> None:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"(?m)^([\w.-]+):(?!=)", makefile))
    named = {w for words in invocations(snippets, re.compile("make"))
             for w in words if not w.startswith("-") and "=" not in w}
    assert {"run", "test"} <= named
    assert not named - targets, f"README names make targets the Makefile lacks: {named - targets}"


def declared_options(source: Path) -> set[str]:
    """The options an argparse parser in ``source`` declares."""
    text = source.read_text(encoding="utf-8")
    return set(re.findall(r"add_argument\(\s*\"(--?[\w-]+)\"", text)) | {"-h", "--help"}


def script_problems(words: list[str], script: Path) -> list[str]:
    """A missing script, or options and subcommands it does not take."""
    if not script.is_file():
        return [f"{script.relative_to(REPO)} does not exist"]
    problems = []
    if script.suffix == ".py":
        known = declared_options(script)
        problems += [f"{script.relative_to(REPO)} has no option {w.split('=')[0]}"
                     for w in words if w.startswith("-") and w.split("=")[0] not in known]
    elif script.suffix == ".sh" and words:
        arms = re.findall(r"(?m)^\s*([\w|-]+)\)", script.read_text(encoding="utf-8"))
        if words[0] not in {a for arm in arms for a in arm.split("|")}:
            problems.append(f"{script.relative_to(REPO)} has no subcommand {words[0]!r}")
    return problems


def benchmark_choices(words: list[str]) -> list[str]:
    """Values of ``python -m benchmarks --parts``/``--stream`` that it does not know."""
    from benchmarks.__main__ import PARTS
    from benchmarks.corpus import STREAMS

    known = {"--parts": PARTS, "--stream": STREAMS}
    return [f"python -m benchmarks {option} has no {value!r}"
            for option, values in zip(words, words[1:], strict=False) if option in known
            for value in values.split(",") if value not in known[option]]


def test_every_python_module_and_script_exists_with_its_options(snippets: list[str]) -> None:
    problems: list[str] = []
    python = re.compile(r"(?:\S*/)?python3?")
    for words in invocations(snippets, python):
        if words[:1] == ["-m"] and len(words) > 1:
            top, *rest = words[1].split(".")
            if top not in REPO_DIRS:
                continue  # pytest, pip and the like
            package = REPO.joinpath(top, *rest)
            script = package / "__main__.py" if package.is_dir() else package.with_suffix(".py")
            problems += script_problems(words[2:], script)
            if words[1] == "benchmarks":
                problems += benchmark_choices(words[2:])
        elif words and words[0].endswith(".py"):
            problems += script_problems(words[1:], REPO / words[0])
    checked = 0
    for words in invocations(snippets, re.compile(r"scripts/[\w-]+\.sh")):
        checked += 1
        problems += script_problems(words, REPO / "scripts" / "airflow-local.sh")
    assert checked, "the README's scripts/airflow-local.sh commands were not found"
    assert not problems, "README quotes scripts wrongly:\n" + "\n".join(problems)


def test_every_repository_path_exists(snippets: list[str]) -> None:
    paths = {m for s in snippets for m in re.findall(
        rf"(?<![\w./$-])((?:{'|'.join(REPO_DIRS)})/[\w./-]*[\w/])", s)}
    assert len(paths) > 20, "the README's paths were not found"
    # A migration may be named by its number alone (sql/107).
    missing = sorted(p for p in paths
                     if not (REPO / p).exists() and not list(REPO.glob(p + "_*")))
    assert not missing, f"README names files that do not exist: {missing}"


def test_every_function_named_exists(snippets: list[str]) -> None:
    """``night.run_night``, ``pipeline.report.write_report``: names of the package resolve."""
    modules = {p.stem for p in (REPO / "pipeline").glob("*.py")}
    named = {(m.group(1), m.group(2)) for s in snippets for m in re.finditer(
        r"(?<![\w./])(?:pipeline\.)?([a-z_]+)\.([A-Za-z_]\w*)(?![\w./])", s)
        if m.group(1) in modules and m.group(2) not in ("py", "yaml", "html")}
    assert len(named) > 5, "the README's function names were not found"
    missing = sorted(f"{module}.{name}" for module, name in named
                     if not hasattr(importlib.import_module(f"pipeline.{module}"), name))
    assert not missing, f"README names functions the package lacks: {missing}"


def variables_the_code_reads() -> set[str]:
    """``AKHBAR_*`` read by Settings, the quality limits, pipeline/, dags/, the scripts, the
    benchmarks and the compose deployment (its files and .env.example)."""
    read = settings_variables()
    assert len([v for v in read if v.startswith("AKHBAR_")]) > len(fields(Settings))
    for folder, pattern in (("pipeline", r'environ\.get\("(AKHBAR_\w+)"'),
                            ("benchmarks", r'environ\.get\("(AKHBAR_\w+)"'),
                            ("dags", r'"(AKHBAR_\w+)"'),
                            ("scripts", r"\$\{?(AKHBAR_\w+)")):
        for source in (REPO / folder).iterdir():
            if source.suffix in (".py", ".sh"):
                read |= set(re.findall(pattern, source.read_text(encoding="utf-8")))
    for name in ("docker-compose.yml", "docker-compose.celery.yml", ".env.example"):
        read |= set(VARIABLE.findall((REPO / name).read_text(encoding="utf-8")))
    return {v for v in read if v.startswith("AKHBAR_")}


def test_readme_names_exactly_the_variables_the_code_reads() -> None:
    named = set(VARIABLE.findall(README.read_text(encoding="utf-8")))
    read = variables_the_code_reads()
    assert not named - read, f"README names variables nothing reads: {sorted(named - read)}"
    assert not read - named, f"variables the README does not name: {sorted(read - named)}"
