"""What must hold of the group tree: who acts for which group, and where requests may go."""

import copy
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from finestra.auth import Role, Staff, covers_group, require_group
from finestra.desk.groups import group_targets, staff_groups
from finestra.domain.catalogue import Catalogue
from finestra.domain.errors import Forbidden, NotFound, ValidationFailed
from finestra.domain.vocabulary import Language

CONFIG = Path(__file__).resolve().parents[2] / "infra" / "config"
CATALOGUE = Catalogue.load(CONFIG)


def member(*groups: str, role: Role = Role.AGENT) -> Staff:
    return Staff(
        user_id="u-1",
        username="agent1",
        roles=frozenset({role}),
        districts=frozenset({"*"}),
        groups=frozenset(groups),
    )


def names(label: str) -> dict[str, str]:
    return {"ca": label, "es": label, "en": label}


def small_catalogue(**groups: Any) -> dict[str, Any]:
    """A catalogue of a city root, one area and two groups, with ``groups`` changed."""
    tree: dict[str, dict[str, Any]] = {
        "city": {"parent": None, "reassign_to": ["area"]},
        "area": {"parent": "city", "reassign_to": ["roads", "lamps"]},
        "roads": {"parent": "area", "reassign_to": ["area", "lamps"]},
        "lamps": {"parent": "area", "reassign_to": ["area"]},
    }
    for code, changes in groups.items():
        tree.setdefault(code, {}).update(changes)
    return {
        "areas": [{"code": "streets", "names": names("Carrers")}],
        "themes": [
            {
                "code": "roads.pothole",
                "area": "streets",
                "element": names("Calçada"),
                "detail": names("Forat"),
                "request_types": ["incident"],
                "process": "plan_resolve_answer",
                "sla_hours": 72,
                "responsible_group": "roads",
                "route_by": "district",
                "response_channels": ["email"],
                "back_office_systems": [],
                "requires_location": True,
                "requires_identified_citizen": False,
                "location_is_public": True,
                "external_body": None,
                "keywords": {"ca": ["forat"]},
                "duplicate_radius_m": 30,
                "duplicate_window_days": 30,
            }
        ],
        "groups": [{"code": code, "names": names(code), **fields} for code, fields in tree.items()],
        "systems": [],
        "districts": [
            {"code": "1", "name": "Ciutat Vella", "population": 100},
            {"code": "2", "name": "Eixample", "population": 100},
        ],
        "neighbourhoods": [{"code": "1", "name": "el Raval", "district_code": "1"}],
    }


SMALL = Catalogue.model_validate(small_catalogue())


# --------------------------------------------------------------------------- the tree


def test_a_group_s_lineage_runs_from_it_up_to_the_city_root() -> None:
    assert CATALOGUE.lineage("lighting.d2") == (
        "lighting.d2",
        "lighting",
        "urban-maintenance",
        "city",
    )
    assert CATALOGUE.lineage("parks-montjuic") == ("parks-montjuic", "parks", "environment", "city")
    assert CATALOGUE.lineage("city") == ("city",)


def test_an_unknown_group_has_no_lineage() -> None:
    with pytest.raises(NotFound):
        CATALOGUE.lineage("plumbing")


def test_a_group_covers_its_own_requests_and_those_of_its_branches() -> None:
    agent = member("lighting")

    assert covers_group(CATALOGUE, agent, "lighting")
    assert covers_group(CATALOGUE, agent, "lighting.d2")


def test_a_coordinator_s_group_covers_every_group_below_it_at_any_depth() -> None:
    coordinator = member("environment")

    assert covers_group(CATALOGUE, coordinator, "parks")
    assert covers_group(CATALOGUE, coordinator, "parks-montjuic")
    assert covers_group(CATALOGUE, coordinator, "waste.b7")


def test_a_group_does_not_cover_its_sibling_nor_its_parent() -> None:
    agent = member("paving")

    assert not covers_group(CATALOGUE, agent, "lighting")
    assert not covers_group(CATALOGUE, agent, "lighting.d2")
    assert not covers_group(CATALOGUE, agent, "urban-maintenance")


def test_the_city_root_covers_every_group() -> None:
    root = member("city")

    everything = [g.code for g in CATALOGUE.groups_under("city")]

    assert all(covers_group(CATALOGUE, root, code) for code in everything)


def test_a_branch_member_covers_that_branch_only() -> None:
    agent = member("waste.d6")

    assert covers_group(CATALOGUE, agent, "waste.d6")
    assert not covers_group(CATALOGUE, agent, "waste.d2")
    assert not covers_group(CATALOGUE, agent, "waste")


def test_supervisors_and_unrouted_requests_are_covered_everywhere() -> None:
    assert covers_group(CATALOGUE, member(role=Role.SUPERVISOR), "taxes")
    assert covers_group(CATALOGUE, member("paving"), None)


def test_a_group_the_catalogue_does_not_know_is_judged_by_the_token_alone() -> None:
    assert covers_group(CATALOGUE, member("legacy"), "legacy")
    assert not covers_group(CATALOGUE, member("paving"), "legacy")


def test_a_refusal_names_the_group() -> None:
    with pytest.raises(Forbidden, match="lighting"):
        require_group(CATALOGUE, member("paving"), "lighting")


# --------------------------------------------------------------------------- validation


def test_the_city_s_groups_all_name_known_reassignment_targets() -> None:
    codes = {g.code for g in CATALOGUE.groups}

    assert all(set(g.reassign_to) <= codes and g.reassign_to for g in CATALOGUE.groups)


def test_an_unknown_reassignment_target_is_refused() -> None:
    data = small_catalogue(roads={"reassign_to": ["plumbing"]})

    with pytest.raises(ValidationError, match="unknown reassignment target"):
        Catalogue.model_validate(data)


def test_a_group_cannot_name_itself_as_a_target() -> None:
    data = small_catalogue(roads={"reassign_to": ["roads"]})

    with pytest.raises(ValidationError, match="itself"):
        Catalogue.model_validate(data)


def test_a_cycle_in_the_tree_is_refused() -> None:
    data = small_catalogue(area={"parent": "lamps"})

    with pytest.raises(ValidationError, match="its own ancestor"):
        Catalogue.model_validate(data)


def test_a_group_without_targets_is_allowed_and_reaches_only_its_branches() -> None:
    data = copy.deepcopy(small_catalogue(roads={"reassign_to": []}))

    catalogue = Catalogue.model_validate(data)

    assert [g.code for g in catalogue.reassign_targets("roads")] == ["roads.d1", "roads.d2"]


# --------------------------------------------------------------------------- targets


def test_a_group_reaches_its_branches_then_its_configured_targets() -> None:
    assert [g.code for g in SMALL.reassign_targets("roads")] == [
        "roads.d1",
        "roads.d2",
        "area",
        "lamps",
    ]


def test_a_branch_reaches_its_group_its_sibling_branches_and_its_group_s_targets() -> None:
    assert [g.code for g in SMALL.reassign_targets("roads.d1")] == [
        "roads",
        "roads.d2",
        "area",
        "lamps",
    ]


def test_a_configured_target_and_its_branches_may_be_reached_and_nothing_else() -> None:
    assert SMALL.may_reassign("roads.d1", "lamps")
    assert SMALL.may_reassign("area", "roads.d2")
    assert not SMALL.may_reassign("lamps", "roads")
    assert not SMALL.may_reassign("lamps", "city")


def test_barcelona_s_groups_hand_work_to_their_coordinator_and_to_triage() -> None:
    reached = {g.code for g in CATALOGUE.reassign_targets("paving.d2")}

    assert {"paving", "urban-maintenance", "triage", "street-furniture"} <= reached
    assert "lighting" not in reached


def test_the_targets_for_the_desktop_are_named_and_refused_outside_the_caller_s_groups() -> None:
    found = group_targets(CATALOGUE, member("paving"), "paving.d2", Language.EN)

    assert found.name == "Paving and roads \u2013 Eixample"
    assert found.items[0].code == "paving"
    assert any(item.name == "Triage" for item in found.items)
    with pytest.raises(Forbidden, match="lighting"):
        group_targets(CATALOGUE, member("paving"), "lighting", Language.EN)
    with pytest.raises(ValidationFailed):
        group_targets(CATALOGUE, member("paving"), "plumbing", Language.EN)


# --------------------------------------------------------------------------- switching


def test_a_coordinator_may_switch_to_every_group_of_its_area_named_and_indented() -> None:
    [environment] = staff_groups(CATALOGUE, member("environment"), Language.CA)

    entries = {entry.code: entry for entry in environment.acts_for}

    assert environment.acts_for[0].code == "environment"
    assert entries["environment"].depth == 0
    assert entries["parks"].depth == 1
    assert entries["parks-montjuic"].depth == 2
    assert entries["parks-montjuic"].name == "Parc de Montjuïc"
    assert not any("." in code for code in entries)


def test_an_agent_of_a_leaf_group_switches_to_that_group_only() -> None:
    groups = staff_groups(CATALOGUE, member("paving", "unknown"), Language.ES)

    assert [(g.code, [e.code for e in g.acts_for]) for g in groups] == [("paving", ["paving"])]
    assert groups[0].name == "Pavimento y vía pública"
