"""Reading deploy/: the compose files (with compose's merge tags), the Kubernetes
manifests, the Dockerfile, and the names of every setting ``Settings`` reads."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from web.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"


class ComposeTag:
    """Compose's merge tags: ``!reset`` (drop what the base file says) and ``!override``
    (replace it instead of merging)."""

    def __init__(self, tag: str, value: typing.Any) -> None:
        self.tag, self.value = tag, value


class ComposeLoader(yaml.SafeLoader):
    pass


for _tag in ("!reset", "!override"):
    ComposeLoader.add_constructor(
        _tag, lambda loader, node, tag=_tag: ComposeTag(
            tag, loader.construct_sequence(node) if isinstance(node, yaml.SequenceNode)
            else loader.construct_mapping(node) if isinstance(node, yaml.MappingNode)
            else loader.construct_scalar(node)))


def load_all(path: Path) -> list[typing.Any]:
    return [doc for doc in yaml.load_all(path.read_text(), Loader=ComposeLoader) if doc is not None]


def yaml_files() -> list[Path]:
    return sorted(p for p in DEPLOY.rglob("*") if p.suffix in (".yaml", ".yml"))


def k8s_objects(*, listed_only: bool = True) -> list[dict]:
    kustomization = load_all(K8S / "kustomization.yaml")[0]
    files = [K8S / name for name in kustomization["resources"]] if listed_only else [
        p for p in sorted(K8S.glob("*.yaml")) if p.name != "kustomization.yaml"]
    return [doc for path in files for doc in load_all(path)]


def one(kind: str, name: str | None = None) -> dict:
    found = [o for o in k8s_objects() if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
    return found[0]


def compose(*files: str) -> dict:
    """The compose model after merging ``files`` the way ``docker compose -f a -f b``
    does for the keys used here (mappings merge, ``!reset``/``!override`` replace)."""
    merged: dict = {}
    for name in files:
        merged = _merge(merged, load_all(DEPLOY / name)[0])
    return merged


def _merge(base: typing.Any, override: typing.Any) -> typing.Any:
    if isinstance(override, ComposeTag):
        return override.value
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for key, value in override.items():
            out[key] = _merge(base.get(key), value) if key in base else _unwrap(value)
        return out
    return _unwrap(override)


def _unwrap(value: typing.Any) -> typing.Any:
    if isinstance(value, ComposeTag):
        return value.value
    if isinstance(value, dict):
        return {k: _unwrap(v) for k, v in value.items() if not k.startswith("x-")}
    return value


def interpolate(value: str) -> str:
    """Compose's ``${VAR:-default}`` with nothing set: the defaults."""
    def sub(match: re.Match) -> str:
        assert match.group(2) is not None, f"{match.group(0)} has no default: the try-out would fail without it"
        return match.group(2)
    return re.sub(r"\$\{([A-Z_][A-Z0-9_]*):-([^}]*)\}", sub, value)


def env_file(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if line.strip() and not line.startswith("#"))
    return {k.strip(): v.strip() for k, v in pairs}


def service_environment(model: dict, service: str) -> dict[str, str]:
    spec = model["services"][service]
    env: dict[str, str] = {}
    for entry in spec.get("env_file", []):
        path = DEPLOY / (entry["path"] if isinstance(entry, dict) else entry)
        env.update(env_file(path.with_name(path.name + ".example") if not path.exists() else path))
    env.update({k: interpolate(str(v)) for k, v in spec.get("environment", {}).items()})
    return env


def dockerfile() -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` pairs, continuation lines joined, comments dropped."""
    lines, current = [], ""
    for raw in (DEPLOY / "Dockerfile").read_text().splitlines():
        if raw.lstrip().startswith("#") and not current:
            continue
        current += raw.rstrip("\\").strip() + " "
        if not raw.rstrip().endswith("\\"):
            if current.strip():
                word, _, rest = current.strip().partition(" ")
                lines.append((word.upper(), rest.strip()))
            current = ""
    return lines


def setting_names(model: type[BaseModel] = Settings, prefix: str | None = None) -> set[str]:
    """Every environment variable ``Settings`` reads, nested sections included."""
    config = Settings.model_config
    prefix = config["env_prefix"] if prefix is None else prefix
    names: set[str] = set()
    for name, field in model.model_fields.items():
        candidates = [field.annotation, *typing.get_args(field.annotation)]
        section = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
        if section is not None:
            names |= setting_names(section, f"{prefix}{name.upper()}{config['env_nested_delimiter']}")
        else:
            names.add(f"{prefix}{name.upper()}")
    return names


def samband_names_in(text: str) -> set[str]:
    return set(re.findall(r"\bSAMBAND_[A-Z0-9_]*[A-Z0-9]\b", text))


def settings_from(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings()
