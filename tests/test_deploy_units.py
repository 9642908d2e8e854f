"""deploy/ (issue 15 item 5) against what it deploys: the systemd units run the Procfile's commands
(the web unit the very same gunicorn arguments, bound to the loopback address for the proxy) and
pass `systemd-analyze verify`; deploy/env.example names what the units use and only settings the
README documents; the proxies keep /metrics to this machine and let the console's uploads through;
docs/deploy.md covers every file of deploy/ and the README links it."""

from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.console import UPLOAD_LIMIT
from bot.webhook import MAX_BODY

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
WEB, SCHEDULER, RELEASE = "khunnatham-web.service", "khunnatham-scheduler.service", "khunnatham-release.service"
UNITS = (WEB, SCHEDULER, RELEASE)
VENV_BIN = "/opt/khunnatham-bot/.venv/bin/"
BIND = "127.0.0.1:8000"  # where the web unit listens and the proxies and Prometheus look
PROCFILE_BIND = "0.0.0.0:${PORT}"  # the Procfile's bind once its ${PORT:-8000} lost the default
# Set by gunicorn's platforms rather than the bot (deploy/env.example documents them).
GUNICORN_SETTINGS = {"WEB_CONCURRENCY", "WEB_THREADS"}
# Documented in the README's Configuration table and deliberately not in deploy/env.example.
NOT_FOR_PRODUCTION = {"LINE_API_HOST"}  # the tests and the sandbox point it at a fake LINE
# Lines `systemd-analyze verify` may print about these units that say nothing about them. None so
# far (Debian 12, systemd 252, with and without systemd as PID 1); add one here with the reason.
HARMLESS_VERIFY_LINES: tuple[str, ...] = ()
MIB = 1024 * 1024


# -- reading the files -------------------------------------------------------------------------------
def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read_string((DEPLOY / name).read_text(encoding="utf-8"), source=name)
    return parser


def all_values(name: str, section: str, key: str) -> list[str]:
    """Every value of a key a unit may repeat (Environment=, After=), in order; configparser keeps the last."""
    values, current = [], None
    for line in (DEPLOY / name).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
        elif current == section and not line.startswith(("#", ";")) and "=" in line:
            found, _, value = line.partition("=")
            if found.strip() == key:
                values.append(value.strip())
    return values


def words(name: str, section: str, key: str) -> list[str]:
    return [word for value in all_values(name, section, key) for word in value.split()]


def environment(name: str) -> dict[str, str]:
    """What the unit's Environment= lines set (before the env file overrides them)."""
    return dict(pair.split("=", 1) for pair in words(name, "Service", "Environment"))


def procfile() -> dict[str, str]:
    entries = {}
    for line in (ROOT / "Procfile").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            process, _, command = line.partition(":")
            entries[process.strip()] = command.strip()
    return entries


DEFAULTED = re.compile(r"\$\{(\w+):-([^}]*)\}")


def procfile_defaults(process: str) -> dict[str, str]:
    """${NAME:-default} in a Procfile command: {NAME: default}."""
    return dict(DEFAULTED.findall(procfile()[process]))


def procfile_argv(process: str) -> list[str]:
    """A Procfile command as systemd would run it: ${X:-default} becomes ${X} (systemd has no
    defaults: the web unit and env.example give them) and the public bind the loopback one."""
    argv = shlex.split(DEFAULTED.sub(r"${\1}", procfile()[process]))
    return [BIND if token == PROCFILE_BIND else token for token in argv]


def unit_argv(name: str) -> list[str]:
    """The unit's ExecStart= with the venv's directory taken off its program (checked to be there)."""
    argv = shlex.split(unit(name)["Service"]["ExecStart"])
    assert argv[0].startswith(VENV_BIN), f"{name} runs {argv[0]}, not a program of {VENV_BIN}"
    return [argv[0].removeprefix(VENV_BIN), *argv[1:]]


ASSIGNMENT = re.compile(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$")


def env_example() -> tuple[dict[str, str], set[str]]:
    """deploy/env.example: (the names it sets with their values, the names it shows commented out)."""
    active, commented = {}, set()
    for line in (DEPLOY / "env.example").read_text(encoding="utf-8").splitlines():
        match = ASSIGNMENT.match(line.strip())
        if match is None:
            continue
        if match.group(1):
            commented.add(match.group(2))
        else:
            active[match.group(2)] = match.group(3)
    return active, commented


def readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


def readme_settings() -> set[str]:
    """The names in the first column of the README's Configuration table."""
    section = readme().split("\n## Configuration", 1)[1].split("\n## ", 1)[0]
    names = set()
    for row in section.splitlines():
        if row.startswith("| `"):
            names.update(re.findall(r"`([A-Z][A-Z0-9_]*)`", row.split("|")[1]))
    return names


# -- (a) the units run the Procfile's commands ---------------------------------------------------------
def test_web_unit_runs_the_procfiles_gunicorn_command():
    """Token by token: a flag added to the Procfile's web line and not to the unit (or the other way
    round) fails here."""
    argv = procfile_argv("web")
    assert argv[0] == "gunicorn" and BIND in argv, f"the Procfile's web line is no longer gunicorn on {PROCFILE_BIND}"
    assert unit_argv(WEB) == argv


def test_web_unit_gives_the_procfiles_defaults():
    """${WEB_CONCURRENCY:-2} and ${WEB_THREADS:-8}: the unit's Environment= has the same defaults (the
    env file may override them), and so does deploy/env.example."""
    used = set(re.findall(r"\$\{(\w+)\}", unit(WEB)["Service"]["ExecStart"]))
    defaults = procfile_defaults("web")
    assert used == set(defaults) - {"PORT"}  # PORT is the bind, fixed for the proxy
    unit_defaults = environment(WEB)
    active, _ = env_example()
    for name in used:
        assert unit_defaults.get(name) == defaults[name], f"{WEB}: Environment={name}= is not the Procfile's"
        assert active.get(name) == defaults[name], f"env.example: {name}= is not the Procfile's default"


def test_scheduler_and_release_units_run_the_procfiles_commands():
    assert procfile_argv("scheduler") == ["python", "-m", "jobs"]
    assert unit_argv(SCHEDULER) == procfile_argv("scheduler")
    assert procfile_argv("release") == ["flask", "--app", "bot", "db", "upgrade"]
    assert unit_argv(RELEASE) == procfile_argv("release")
    assert unit(RELEASE)["Service"]["Type"] == "oneshot"


def test_web_and_scheduler_wait_for_the_release_unit():
    for name in (WEB, SCHEDULER):
        assert RELEASE in words(name, "Unit", "Requires"), f"{name} starts without the migrations"
        assert RELEASE in words(name, "Unit", "After"), f"{name} may start before the migrations end"
        assert unit(name)["Service"]["Restart"] == "on-failure"
        assert unit(name)["Install"]["WantedBy"] == "multi-user.target"
    assert not unit(RELEASE).has_section("Install")  # started by the other two, never on its own


def test_units_run_as_the_bot_user_in_its_folder_with_its_settings_and_hardening():
    active, _ = env_example()
    for name in UNITS:
        service = unit(name)["Service"]
        assert service["User"] == "khunnatham"
        assert service["WorkingDirectory"] == "/opt/khunnatham-bot"
        assert service["EnvironmentFile"] == "/etc/khunnatham-bot/env"
        for key, value in {
            "NoNewPrivileges": "yes",
            "ProtectSystem": "strict",
            "PrivateTmp": "yes",
            "ProtectHome": "yes",
        }.items():
            assert service.get(key) == value, f"{name}: {key}={value} missing"
        writable = [path.removeprefix("-") for path in words(name, "Service", "ReadWritePaths")]
        assert "/opt/khunnatham-bot/instance" in writable, f"{name}: SQLite's instance/ is read-only"
        needs = [active["UPLOADS_DIR"]] + ([active["BACKUP_DIR"]] if name == SCHEDULER else [])
        for path in needs:
            assert any(path == w or path.startswith(w + "/") for w in writable), f"{name} cannot write {path}"


def test_metrics_folder_belongs_to_the_web_unit_alone():
    """PROMETHEUS_MULTIPROC_DIR lives in the web unit's RuntimeDirectory (gunicorn empties it at start)
    and is set by that unit only: the env file is read by the scheduler, the release unit and the CLI
    too, which would then write their counters into the web's folder (and fail: it is not theirs)."""
    service = unit(WEB)["Service"]
    folder = environment(WEB)["PROMETHEUS_MULTIPROC_DIR"]
    assert folder.startswith(f"/run/{service['RuntimeDirectory']}/")
    active, commented = env_example()
    assert "PROMETHEUS_MULTIPROC_DIR" not in active and "PROMETHEUS_MULTIPROC_DIR" in commented
    for name in (SCHEDULER, RELEASE):
        assert "PROMETHEUS_MULTIPROC_DIR" not in environment(name)


# -- (b) systemd itself reads them without a complaint -------------------------------------------------
@pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed (Debian: systemd)"
)
def test_units_pass_systemd_analyze_verify(tmp_path):
    """The units as they are, but with the venv's programs (absent here; verify refuses a missing
    executable) replaced by scripts in a temporary folder. User= stays: verify does not require the
    user to exist. Exit code 0 and not a line about the units on stderr (an unknown key is only a
    warning, exit code 0)."""
    programs, units = tmp_path / "bin", tmp_path / "units"
    programs.mkdir()
    units.mkdir()
    for name in UNITS:
        text = (DEPLOY / name).read_text(encoding="utf-8")
        for program in set(re.findall(re.escape(VENV_BIN) + r"([^\s/]+)", text)):
            script = programs / program
            script.write_text("#!/bin/sh\nexit 0\n")
            script.chmod(0o755)
        copied = text.replace(VENV_BIN, f"{programs}/")
        assert "\nUser=khunnatham\n" in copied and VENV_BIN not in copied
        (units / name).write_text(copied, encoding="utf-8")
    done = subprocess.run(
        ["systemd-analyze", "verify", *(str(units / name) for name in UNITS)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    about_units = [
        line
        for line in done.stderr.splitlines()
        if any(name in line for name in UNITS) and not any(h in line for h in HARMLESS_VERIFY_LINES)
    ]
    assert done.returncode == 0, done.stderr
    assert about_units == [], "\n".join(about_units)


# -- (c) the env file ----------------------------------------------------------------------------------
def test_env_example_names_what_the_units_use_and_only_documented_settings():
    active, commented = env_example()
    named = set(active) | commented
    for name in UNITS:
        text = "\n".join(f"{key}={value}" for key, value in unit(name)["Service"].items())
        for variable in re.findall(r"\$\{(\w+)\}", text):
            assert variable in active, f"{name} uses ${{{variable}}}, which deploy/env.example does not set"
    documented = readme_settings()
    assert documented, "the README's Configuration table was not found"
    unknown = named - documented - GUNICORN_SETTINGS
    assert not unknown, f"deploy/env.example has names the README's Configuration table does not: {sorted(unknown)}"
    missing = documented - named - NOT_FOR_PRODUCTION
    assert not missing, (
        f"the README documents {sorted(missing)}: add them to deploy/env.example (commented out "
        "when optional) or to NOT_FOR_PRODUCTION here"
    )


def test_env_example_lines_read_the_same_by_systemd_and_by_dotenv():
    """The file is systemd's EnvironmentFile= and the bot's .env: plain NAME=value lines only (systemd
    keeps a trailing comment as part of the value; python-dotenv drops it)."""
    active, _ = env_example()
    assert {
        "LINE_CHANNEL_SECRET",
        "LINE_CHANNEL_ACCESS_TOKEN",
        "DATABASE_URL",
        "PUBLIC_BASE_URL",
        "SECRET_KEY",
        "UPLOADS_DIR",
        "BACKUP_DIR",
        "LOG_FORMAT",
    } <= set(active)
    for name, value in active.items():
        assert " #" not in value and "$" not in value and "\\" not in value, f"{name}={value}"
        if value.startswith('"'):
            assert value.endswith('"') and value.count('"') == 2, f"{name}={value}"
    assert active["LOG_FORMAT"] == "json"
    assert active["DATABASE_URL"].startswith("postgresql://")
    assert active["PUBLIC_BASE_URL"].startswith("https://")


# -- the proxies and Prometheus --------------------------------------------------------------------------
def test_proxies_forward_to_the_web_unit_refuse_metrics_and_let_uploads_through():
    caddy = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
    assert re.search(rf"^\s*reverse_proxy {re.escape(BIND)}\s*$", caddy, re.M)
    assert re.search(r"^\s*@metrics path /metrics /metrics/\*\s*$", caddy, re.M)
    assert re.search(r"^\s*respond @metrics 404\s*$", caddy, re.M)
    caddy_limit = re.search(r"^\s*max_size (\d+)MiB\s*$", caddy, re.M)
    assert caddy_limit and int(caddy_limit.group(1)) * MIB > max(UPLOAD_LIMIT, MAX_BODY)

    nginx = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    assert re.search(rf"^\s*proxy_pass http://{re.escape(BIND)};\s*$", nginx, re.M)
    assert re.search(r"location = /metrics \{\s*return 404;\s*\}", nginx)
    nginx_limit = re.search(r"^\s*client_max_body_size (\d+)m;\s*$", nginx, re.M)
    assert nginx_limit and int(nginx_limit.group(1)) * MIB > max(UPLOAD_LIMIT, MAX_BODY)


def test_prometheus_scrapes_the_web_unit_and_alerts_on_documented_metrics():
    config = yaml.safe_load((DEPLOY / "prometheus.yml").read_text(encoding="utf-8"))
    assert config["rule_files"] == ["alerts.yml"]
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert jobs["khunnatham"]["static_configs"][0]["targets"] == [BIND]
    rules = yaml.safe_load((DEPLOY / "alerts.yml").read_text(encoding="utf-8"))["groups"][0]["rules"]
    expressions = " ".join(str(rule["expr"]) for rule in rules)
    used = {re.sub(r"_(count|bucket|sum)$", "", name) for name in re.findall(r"khunnatham_\w+", expressions)}
    assert used, "no alert on the bot's own metrics"
    undocumented = {name for name in used if f"`{name}" not in readme()}
    assert not undocumented, f"alerts on metrics the README's HTTP contract does not list: {sorted(undocumented)}"
    for metric in (
        "khunnatham_outbox_pending",
        "khunnatham_line_quota_remaining",
        "khunnatham_job_runs",
        "khunnatham_webhook_request_duration_seconds",
    ):
        assert metric in used


# -- (d) the guide -------------------------------------------------------------------------------------
def test_guide_covers_every_file_of_deploy_and_the_readme_links_it():
    guide = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    for path in sorted(DEPLOY.iterdir()):
        assert f"deploy/{path.name}" in guide, f"docs/deploy.md does not mention deploy/{path.name}"
    assert "](docs/deploy.md)" in readme()
