"""The back-office registry: sixteen systems, each reachable, and the local override."""

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from pydantic import ValidationError

from finestra.backoffice.registry import SYSTEM_CODES, LookupKey, Registry, SystemProtocol
from finestra.domain.catalogue import Catalogue
from finestra.domain.errors import NotFound

CONFIG = Path(__file__).resolve().parents[2] / "infra" / "config"
REGISTRY = Registry.load(CONFIG)


def config_with(tmp_path: Path, change: Any) -> Path:
    """A copy of ``lob_systems.json`` in ``tmp_path`` after ``change`` edited its systems."""
    document = json.loads((CONFIG / "lob_systems.json").read_text(encoding="utf-8"))
    change(document["systems"])
    (tmp_path / "lob_systems.json").write_text(json.dumps(document), encoding="utf-8")
    return tmp_path


def test_the_registry_holds_the_sixteen_systems_each_once() -> None:
    # given the registry of the configuration folder

    # when its codes are read
    codes = REGISTRY.codes

    # then they are the sixteen systems of today, each once
    assert len(codes) == 16
    assert set(codes) == set(SYSTEM_CODES)


def test_every_theme_names_systems_of_the_registry() -> None:
    # given the theme catalogue
    catalogue = Catalogue.load(CONFIG)

    # when the systems every theme needs are gathered
    needed = {code for theme in catalogue.themes for code in theme.back_office_systems}

    # then the registry knows each of them
    assert needed <= set(REGISTRY.codes)


def test_only_the_legacy_complaints_system_speaks_forms() -> None:
    # given the registry

    # when the systems are grouped by protocol
    legacy = [s.code for s in REGISTRY.systems if s.protocol is SystemProtocol.LEGACY_FORM]

    # then fifteen speak JSON and the legacy complaints system speaks forms
    assert legacy == ["complaints-legacy"]


def test_every_system_is_reached_over_https_on_a_path_of_its_own() -> None:
    # given the registry

    # when each system's address is read
    parts = [urlsplit(system.url) for system in REGISTRY.systems]

    # then each is https on a city host, and no two share a path
    assert {p.scheme for p in parts} == {"https"}
    assert all(str(p.hostname).endswith(".bcn.example") for p in parts)
    assert len({p.path for p in parts}) == 16


def test_every_system_has_a_secret_a_timeout_and_a_cache_time_in_range() -> None:
    # given the registry

    # when each system's limits are read
    systems = REGISTRY.systems

    # then each has its own secret and sensible limits
    assert len({s.secret for s in systems}) == 16
    assert all(s.secret.startswith("finestra/backoffice/") for s in systems)
    assert all(800 <= s.timeout_ms <= 2500 for s in systems)
    assert all(300 <= s.cache_seconds <= 86_400 for s in systems)
    assert all(s.lookup_by for s in systems)


def test_place_systems_are_queried_by_location_and_citizen_systems_by_a_key() -> None:
    # given the systems that know places, and those that know citizens
    street_lighting = REGISTRY.system("street-lighting")
    population_register = REGISTRY.system("population-register")

    # when what they are queried by is read
    by_place, by_citizen = street_lighting.lookup_by, population_register.lookup_by

    # then each is asked by what it knows
    assert by_place == (LookupKey.LOCATION,)
    assert by_citizen == (LookupKey.DOCUMENT_ID,)


def test_an_override_points_every_system_at_one_origin_keeping_its_path() -> None:
    # given an origin for the local stack
    origin = "http://127.0.0.1:8765"

    # when the registry is loaded with it
    local = Registry.load(CONFIG, base_url_override=origin + "/")

    # then every system answers there, on its own path
    for system in REGISTRY.systems:
        moved = local.system(system.code)
        assert moved.url == origin + system.path
        assert moved.model_dump(exclude={"base_url"}) == system.model_dump(exclude={"base_url"})


@pytest.mark.parametrize(
    "override",
    [
        "http://127.0.0.1:8765/backoffice",
        "http://demo.bcn.example",
        "ftp://127.0.0.1:21",
        "127.0.0.1:8765",
        "http://127.0.0.1:0",
    ],
)
def test_an_override_that_is_not_a_reachable_origin_is_refused(override: str) -> None:
    # given an override with a path, plain http off the loopback, or no scheme

    # when the registry is loaded with it, then it is refused
    with pytest.raises(ValidationError, match="base_url"):
        Registry.load(CONFIG, base_url_override=override)


def test_a_registry_without_one_of_the_systems_is_refused(tmp_path: Path) -> None:
    # given a registry that lost the fines system
    folder = config_with(tmp_path, lambda systems: systems.pop(2))

    # when it is loaded, then the missing system is named
    with pytest.raises(ValidationError, match="missing: fines"):
        Registry.load(folder)


def test_a_system_the_city_does_not_run_is_refused(tmp_path: Path) -> None:
    # given a registry naming a system that is not one of the sixteen
    folder = config_with(tmp_path, lambda systems: systems[0].update(code="cemeteries"))

    # when it is loaded, then it is refused
    with pytest.raises(ValidationError, match="not one of the city's back-office systems"):
        Registry.load(folder)


def test_a_system_listed_twice_is_refused(tmp_path: Path) -> None:
    # given a registry listing a system twice
    folder = config_with(tmp_path, lambda systems: systems.append(dict(systems[0])))

    # when it is loaded, then it is refused
    with pytest.raises(ValidationError, match="listed twice"):
        Registry.load(folder)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("protocol", "soap"),
        ("lookup_by", ["passport"]),
        ("lookup_by", []),
        ("lookup_by", ["email", "email"]),
        ("timeout_ms", 60_000),
        ("cache_seconds", 10),
        ("secret", "someone-elses/secret"),
        ("path", "padro/v1"),
        ("base_url", "http://padro.bcn.example"),
        ("unexpected", True),
    ],
)
def test_a_system_entry_breaking_a_rule_is_refused(
    tmp_path: Path, field: str, value: object
) -> None:
    # given a registry whose first system breaks a rule
    folder = config_with(tmp_path, lambda systems: systems[0].update({field: value}))

    # when it is loaded, then it is refused on that field
    with pytest.raises(ValidationError, match=field):
        Registry.load(folder)


def test_asking_for_an_unknown_system_is_not_found() -> None:
    # given the registry

    # when a system it does not hold is asked for, then it is not found, on "system"
    with pytest.raises(NotFound) as raised:
        REGISTRY.system("cemeteries")
    assert raised.value.field == "system"
