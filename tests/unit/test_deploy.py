"""deploy/ against the code: every file parses and names settings that exist; the
image and the compose file run commands that exist and wire the pieces together as
deploy/README.md says.  No container runtime is needed: tests/unit/test_deploy_k8s.py
reads the Kubernetes manifests the same way, and tests/integration/test_deploy_proxy.py
runs the real nginx configuration in front of two real nodes."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from tests.support.deploy import (
    DEPLOY,
    ROOT,
    compose,
    dockerfile,
    load_all,
    samband_names_in,
    service_environment,
    setting_names,
    settings_from,
    yaml_files,
)
from web.cli import build_parser
from web.settings import Settings


# --- every file ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", yaml_files(), ids=lambda p: str(p.relative_to(DEPLOY)))
def test_every_yaml_file_parses(path):
    assert load_all(path), f"{path} is empty"


def test_every_samband_variable_named_in_deploy_is_a_setting():
    known = setting_names()
    assert {"SAMBAND_DATABASE_URL", "SAMBAND_OIDC__ISSUER", "SAMBAND_CONSENT__LOG_SIGNING_KEY_FILE"} <= known
    for path in sorted(p for p in DEPLOY.rglob("*") if p.is_file()):
        unknown = samband_names_in(path.read_text()) - known
        assert not unknown, f"{path.relative_to(ROOT)} names settings that do not exist: {sorted(unknown)}"


def test_configuration_reference_documents_every_setting():
    rows = [line.split("|")[1] for line in (DEPLOY / "configuration.md").read_text().splitlines() if line.startswith("|")]
    documented = samband_names_in("\n".join(rows))
    missing = setting_names() - documented
    assert not missing, f"deploy/configuration.md does not document {sorted(missing)}"


# --- the image -----------------------------------------------------------------------------


def test_image_runs_an_existing_command_as_a_non_root_user():
    instructions = dockerfile()
    entrypoint = json.loads(next(args for word, args in instructions if word == "ENTRYPOINT"))
    cmd = json.loads(next(args for word, args in instructions if word == "CMD"))
    scripts = re.search(r"\[project\.scripts\](.*?)\n\[", (ROOT / "pyproject.toml").read_text(), re.S).group(1)
    assert entrypoint == ["samband"] and re.search(r'^samband = "web\.cli:main"$', scripts, re.M)
    assert build_parser().parse_args(cmd).command == "serve"
    user = [args for word, args in instructions if word == "USER"][-1]
    assert user.split(":")[0] not in ("root", "0")
    assert [args for word, args in instructions if word == "EXPOSE"] == ["8000"]
    healthcheck = next(args for word, args in instructions if word == "HEALTHCHECK")
    assert "http://127.0.0.1:8000/health" in healthcheck


def test_image_builds_the_bundle_from_the_lockfile_and_copies_only_what_exists():
    instructions = dockerfile()
    stages = [args for word, args in instructions if word == "FROM"]
    assert len(stages) == 3 and "AS frontend" in stages[0]
    runs = " ".join(args for word, args in instructions if word == "RUN")
    assert "npm ci" in runs and "npm run --silent build" in runs and "pip install ." in runs
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    for word, args in instructions:
        if word != "COPY" or args.startswith("--from"):
            continue
        *sources, _target = shlex.split(args)
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: no such file in the repository"
            top = source.split("/")[0]
            assert f"!{top}" in ignored or f"!{top}/" in ignored, f".dockerignore leaves out {source}"
    # The bundle is not in git (.gitignore): the image builds its own, never the host's.
    assert "web/static/build/" in ignored and "web/frontend/node_modules/" in ignored


# --- compose ---------------------------------------------------------------------------


def test_compose_runs_a_migration_then_two_nodes_behind_nginx():
    model = compose("compose.yaml")
    services = model["services"]
    assert set(services) == {"postgres", "migrate", "app-a", "app-b", "proxy"}
    assert services["postgres"]["healthcheck"]["test"]
    assert services["migrate"]["command"] == ["migrate"]
    assert services["migrate"]["restart"] == "no"
    node_ids = set()
    for name in ("app-a", "app-b"):
        node = services[name]
        args = build_parser().parse_args(node["command"])
        assert args.command == "serve" and args.migrate is False and args.port == 8000
        assert node["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert node["depends_on"]["postgres"] == {"condition": "service_healthy"}
        assert node["image"] == services["migrate"]["image"]
        assert node["read_only"] is True and "ports" not in node  # only the proxy reaches the nodes
        node_ids.add(node["environment"]["SAMBAND_NODE_ID"])
    assert node_ids == {"app-a", "app-b"}
    proxy = services["proxy"]
    assert set(proxy["depends_on"]) == {"app-a", "app-b"}
    assert "./nginx:/etc/nginx/samband:ro" in proxy["volumes"]
    assert proxy["command"][:3] == ["nginx", "-c", "/etc/nginx/samband/nginx.conf"]
    upstream = (DEPLOY / "nginx" / "upstream.conf").read_text()
    assert re.findall(r"^\s*server\s+(\S+)", upstream, re.M) == ["app-a:8000", "app-b:8000"]


def test_compose_nodes_with_the_example_env_file_pass_the_production_checks(monkeypatch):
    model = compose("compose.yaml")
    envs = [service_environment(model, name) for name in ("migrate", "app-a", "app-b")]
    settings = settings_from(envs[1], monkeypatch)
    assert settings.environment == "production" and not settings.embedded_idp
    assert settings.database_url.startswith("postgresql+psycopg://") and "@postgres:5432/" in settings.database_url
    # What several nodes must share is the same for every one of them.
    shared = ("SAMBAND_DATABASE_URL", "SAMBAND_SESSION_SECRET", "SAMBAND_OIDC__ISSUER", "SAMBAND_PUBLIC_URL",
              "SAMBAND_CONSENT__LOG_SIGNING_KEY_FILE")
    assert all(env[name] == envs[0][name] for env in envs for name in shared)
    key_file = Path(envs[1]["SAMBAND_CONSENT__LOG_SIGNING_KEY_FILE"])
    assert all(any(v.endswith(":" + str(key_file.parent)) for v in model["services"][n]["volumes"])
               for n in ("app-a", "app-b"))


def test_compose_demo_overlay_is_a_development_try_out_on_one_port(monkeypatch):
    model = compose("compose.yaml", "compose.demo.yaml")
    services = model["services"]
    assert services["migrate"]["command"] == ["demo"]
    env = service_environment(model, "app-a")
    assert services["app-a"]["env_file"] == [] and env["SAMBAND_NODE_ID"] == "app-a"
    settings = settings_from(env, monkeypatch)
    assert settings.environment == "development" and settings.embedded_idp
    # Each node fetches its IdP keys from the public URL; inside its container that
    # address must be the node itself: the same port outside and in.
    port = int(settings.public_url.rsplit(":", 1)[1])
    assert services["proxy"]["ports"] == [f"{port}:80"]
    assert build_parser().parse_args(services["app-a"]["command"]).port == port


def test_proxy_upgrades_websockets_and_holds_them_far_beyond_the_ping_interval():
    server = (DEPLOY / "nginx" / "samband.conf").read_text()
    ws = re.search(r"location = /ws \{(.*?)\n    \}", server, re.S).group(1)
    assert "proxy_set_header Upgrade $http_upgrade;" in ws
    assert "proxy_set_header Connection $connection_upgrade;" in ws
    for directive in ("proxy_read_timeout", "proxy_send_timeout"):
        number, unit = re.search(rf"{directive} (\d+)([smh]?);", ws).groups()
        seconds = int(number) * {"": 1, "s": 1, "m": 60, "h": 3600}[unit]
        assert seconds >= 10 * Settings.model_fields["ws_ping_seconds"].default, directive
    assert re.search(r"location \^~ /metrics \{\s*return 404;\s*\}", server)
