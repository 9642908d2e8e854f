#!/usr/bin/env python3
"""Set up and run khunnatham-bot on a fresh machine that has only python3.

    python3 dev.py start     # set up, migrate, add the default pledge, start the bot
    python3 dev.py test      # set up, run the test suite (extra arguments go to pytest)
    python3 dev.py lint      # set up, then ruff, the import layers (import-linter) and mypy

Set-up is a virtual environment in .venv with the project installed (editable, with the dev
extras); it is redone only when pyproject.toml changes. Uses only the standard library.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
STAMP = VENV / ".khunnatham-installed"


def say(message: str) -> None:
    print(f"[dev] {message}", flush=True)


def run(*args: str | Path, **kwargs) -> None:
    subprocess.run([str(a) for a in args], check=True, cwd=ROOT, **kwargs)


def make_venv() -> None:
    if PY.exists():
        return
    say("creating the virtual environment in .venv")
    result = subprocess.run([sys.executable, "-m", "venv", str(VENV)], cwd=ROOT, capture_output=True, text=True)
    if result.returncode == 0:
        return
    shutil.rmtree(VENV, ignore_errors=True)
    # Debian ships venv's pip bootstrap separately (python3-venv); install it when we can.
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        version = f"python{sys.version_info.major}.{sys.version_info.minor}-venv"
        say(f"installing Debian's {version} (needed by python3 -m venv)")
        run("apt-get", "update", "-qq")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        if subprocess.run(["apt-get", "install", "-y", "-qq", version], env=env).returncode != 0:
            run("apt-get", "install", "-y", "-qq", "python3-venv", env=env)
        run(sys.executable, "-m", "venv", VENV)
        return
    sys.exit(
        "[dev] python3 -m venv failed:\n" + result.stderr.strip()
        + "\n[dev] On Debian/Ubuntu install it with:  sudo apt-get install python3-venv   then run this again."
    )


def install() -> None:
    make_venv()
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return
    say("installing the project and its dependencies (first run takes a minute)")
    run(PY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--upgrade", "pip")
    run(PY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", ".[dev]")
    STAMP.write_text(digest)


def sandbox_mode(env: dict[str, str]) -> bool:
    """Ask the app's own settings (environment and .env) whether this is the sandbox."""
    probe = "from bot.config import Settings; print(int(Settings.from_env().sandbox))"
    result = subprocess.run([str(PY), "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return result.stdout.strip() == "1"


def start(args: list[str]) -> None:
    install()
    env = dict(os.environ)
    host = env.get("HOST", "127.0.0.1")
    port = env.setdefault("PORT", "8000")
    sandbox = sandbox_mode(env)
    loopback = host == "localhost" or host.startswith("127.") or host == "::1"
    if sandbox and not loopback and env.get("SANDBOX_ALLOW_REMOTE", "").lower() not in ("1", "true", "yes"):
        sys.exit(f"[dev] refusing to serve the sandbox on {host}: anyone who can reach it could act as any "
                 "person. Use HOST=127.0.0.1, or set SANDBOX_ALLOW_REMOTE=1 if you really mean it.")
    say("applying database migrations")
    run(PY, "-m", "flask", "--app", "bot", "db", "upgrade", env=env)
    if sandbox:
        say("no LINE credentials: running the SANDBOX (demo office, fake LINE platform, SQLite in instance/).")
        say(f"open  http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/sandbox/  in a browser")
    else:
        say(f"webhook: http://{host}:{port}/callback   health: http://{host}:{port}/healthz")
    say("Ctrl+C stops the bot")
    os.chdir(ROOT)
    os.execve(str(PY), [str(PY), "-m", "flask", "--app", "bot", "run", "--host", host, "--port", port,
                        "--no-debugger", "--no-reload", "--with-threads", *args], env)


def test(args: list[str]) -> None:
    install()
    os.chdir(ROOT)
    os.execv(str(PY), [str(PY), "-m", "pytest", *args])


LINTERS = (  # (name, program in .venv/bin, arguments); each is configured in pyproject.toml
    ("ruff", "ruff", ["check", "bot", "handlers", "jobs", "models", "tests", "bench", "dev.py"]),
    ("import layers", "lint-imports", []),
    ("mypy", "mypy", []),
)


def lint(args: list[str]) -> None:
    """Every linter, each to the end; fails when any does."""
    install()
    failed = []
    for name, program, arguments in LINTERS:
        say(f"lint: {name}")
        if subprocess.run([str(BIN / program), *arguments], cwd=ROOT).returncode != 0:
            failed.append(name)
    if failed:
        sys.exit(f"[dev] lint failed: {', '.join(failed)}")
    say("lint: all passed")


def main() -> None:
    commands = {"start": start, "test": test, "lint": lint, "setup": lambda args: install()}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
