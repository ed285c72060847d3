"""Message kinds: validation, per-category sections, rebuilding, catalog, dialogmelding codes."""

from __future__ import annotations

import json

import pytest

from consent.types import Category, Purpose
from directory.types import Role
from messaging import kinds
from messaging.kinds import SENDER_CHOSEN, Kind, KindError, catalog, join, split, validate

EXAMPLES: dict[str, dict] = {
    "adaptation_question": {
        "job_description": "Regnskapsfører i 20 år. Mye skjermarbeid, bilagsføring og møter med kunder.",
        "adaptation_options": "Hev-senk-pult, kortere dager, fritak fra kundebesøk i en periode.",
        "questions": ["what_can_they_do", "medically_justifiable", "starting_grade"],
        "proposed_grade": 50,
    },
    "functional_assessment": {
        "functional_ability": "Kan gjøre lett kontorarbeid 4 timer daglig med pauser.",
        "restrictions": "Unngå løft over 5 kg og arbeid med armene over skulderhøyde.",
        "medically_justifiable": "yes_with_restrictions",
        "suggested_grade": 50,
        "expected_duration_weeks": 6,
        "diagnosis": "L83 Nakkesyndrom",
    },
    "nav_request": {
        "request_type": "additional_information",
        "question": "Hva er status for behandlingen, og når forventes oppstart hos fysioterapeut?",
        "requested_categories": ["treatment_status", "functional_ability"],
    },
    "nav_request_answer": {
        "functional_ability": "Tåler kontorarbeid i halv stilling.",
        "treatment_status": "Henvist til fysioterapeut, oppstart om to uker.",
    },
    "note": {"category": "treatment_status", "text": "Time hos DPS er flyttet til 14. april."},
    "meeting_invitation": {
        "meeting_type": "dialogue_meeting_1",
        "starts_at": "2026-04-14T09:00:00+02:00",
        "duration_minutes": 60,
        "place": "Møterom Fjorden, Storgata 1, Oslo",
        "video_link": "https://video.example.no/dialogmote/abc",
        "agenda": "Gjennomgang av oppfølgingsplanen og mulig tilrettelegging.",
        "participants": [
            {"party": "employee", "name": "Hansen"},
            {"party": "employer", "name": "Nærmeste leder"},
            {"party": "gp"},
        ],
    },
    "meeting_response": {"answer": "new_time_wanted", "comment": "Jeg har legetime den dagen; passer torsdag?"},
    "meeting_change": {
        "meeting_type": "dialogue_meeting_2",
        "starts_at": "2026-04-16T13:00:00+02:00",
        "video_link": "https://video.example.no/dialogmote/def",
        "reason": "Arbeidstakeren ba om nytt tidspunkt.",
    },
    "meeting_cancellation": {"reason": "Arbeidstakeren er tilbake i full jobb."},
    "minutes": {
        "held_on": "2026-04-14",
        "participants": [{"party": "employee"}, {"party": "employer"}, {"party": "bht", "name": "Bedriftssykepleier"}],
        "summary": "Vi gikk gjennom planen. Hansen prøver 50 % med kontoroppgaver uten kundebesøk.",
        "agreed_measures": "Hev-senk-pult bestilles. Kortere dager i fire uker.",
        "tasks": [
            {"party": "employer", "task": "Bestille hev-senk-pult", "due_date": "2026-04-21"},
            {"party": "employee", "task": "Gi beskjed om hvordan dagene går"},
        ],
    },
    "follow_up_plan": {
        "typical_workday": "Bilagsføring, avstemming og kundemøter, 7,5 timer foran skjerm.",
        "tasks_that_can_be_done": "Avstemming og intern rapportering.",
        "tasks_that_cannot_be_done": "Lange kundemøter og bæring av permer.",
        "previous_adaptation": "Ingen.",
        "planned_adaptation": "Hev-senk-pult, 4 timer om dagen, pauser hver time.",
        "follow_up": "Ukentlig samtale med nærmeste leder.",
        "evaluation_date": "2026-05-05",
        "send_to_gp": True,
        "send_to_nav": False,
        "employee_contributed": True,
    },
    "follow_up_plan_ack": {"acknowledgement": "read_with_comments", "comment": "Greit, men jeg vil prøve 5 timer fra uke 3."},
}


def test_every_kind_has_an_example():
    assert set(EXAMPLES) == {k.value for k in Kind}


class TestRoundTrip:
    @pytest.mark.parametrize("kind", sorted(EXAMPLES))
    def test_split_then_join_gives_the_form_back(self, kind):
        sections = split(kind, EXAMPLES[kind])
        rebuilt = join(kind, sections)
        assert rebuilt == {"kind": kind, "form": validate(kind, EXAMPLES[kind]), "withheld": []}
        assert rebuilt["form"] == {k: v for k, v in EXAMPLES[kind].items()} | _defaults(kind)

    @pytest.mark.parametrize("kind", sorted(EXAMPLES))
    def test_sections_are_canonical_json(self, kind):
        for data in split(kind, EXAMPLES[kind]).values():
            obj = json.loads(data)
            assert data == json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
            assert data.startswith(b'{"') and data.endswith(b"}")

    @pytest.mark.parametrize("kind", sorted(EXAMPLES))
    def test_each_field_lands_in_exactly_one_section(self, kind):
        sections = split(kind, EXAMPLES[kind])
        names = [name for data in sections.values() for name in json.loads(data)]
        assert sorted(names) == sorted(validate(kind, EXAMPLES[kind]))

    def test_norwegian_letters_are_kept_as_utf8(self):
        sections = split("meeting_cancellation", {"reason": "Møtet er avlyst på grunn av sykdom."})
        data = sections[Category.FOLLOW_UP_PLAN]
        assert "Møtet er avlyst på".encode() in data

    def test_equal_forms_give_equal_bytes(self):
        a = split("meeting_response", {"comment": "  Vi sees på fredag.  ", "answer": "coming"})
        b = split("meeting_response", {"answer": "coming", "comment": "Vi sees p\u00e5 fredag."})
        decomposed = split("meeting_response", {"answer": "coming", "comment": "Vi sees pa\u030a fredag."})
        assert a == b == decomposed  # trimmed and NFC-normalised


def _defaults(kind: str) -> dict:
    if kind == "nav_request":
        return {"legal_basis": kinds.DEFAULT_LEGAL_BASIS, "answer_within_days": 21}
    return {}


class TestSections:
    def test_gp_assessment_with_diagnosis_splits_function_from_diagnosis(self):
        form = {
            "functional_ability": "Kan sitte 30 minutter av gangen; kan ikke kjøre bil.",
            "restrictions": "Ikke bilkjøring i arbeidstiden.",
            "diagnosis": "H81 Svimmelhet",
        }
        sections = split("functional_assessment", form)
        assert set(sections) == {Category.FUNCTIONAL_ABILITY, Category.DIAGNOSIS}
        assert json.loads(sections[Category.DIAGNOSIS]) == {"diagnosis": "H81 Svimmelhet"}
        assert "diagnosis" not in json.loads(sections[Category.FUNCTIONAL_ABILITY])

    def test_employer_without_the_diagnosis_sees_function_and_is_told_what_is_withheld(self):
        sections = split("functional_assessment", EXAMPLES["functional_assessment"])
        assert set(sections) == {Category.SICK_LEAVE, Category.FUNCTIONAL_ABILITY, Category.DIAGNOSIS}
        seen = join("functional_assessment", {**sections, Category.DIAGNOSIS: None})
        assert "diagnosis" not in seen["form"]
        assert seen["form"]["suggested_grade"] == 50
        assert seen["withheld"] == ["diagnosis"]

    def test_everything_withheld_leaves_an_empty_form(self):
        sections = split("functional_assessment", EXAMPLES["functional_assessment"])
        seen = join("functional_assessment", {c: None for c in sections})
        assert seen["form"] == {} and seen["withheld"] == ["sick_leave", "functional_ability", "diagnosis"]

    def test_note_goes_in_the_category_the_sender_chose(self):
        sections = split("note", {"category": "psychosocial", "text": "Konflikt med kollega tas opp i møtet."})
        assert list(sections) == [Category.PSYCHOSOCIAL]
        assert join("note", {Category.PSYCHOSOCIAL: None}) == {"kind": "note", "form": {}, "withheld": ["psychosocial"]}

    def test_empty_optional_fields_are_left_out(self):
        form = {"answer": "coming", "comment": "   "}
        assert validate("meeting_response", form) == {"answer": "coming"}
        assert json.loads(split("meeting_response", form)[Category.FOLLOW_UP_PLAN]) == {"answer": "coming"}

    def test_false_is_kept(self):
        plan = validate("follow_up_plan", EXAMPLES["follow_up_plan"])
        assert plan["send_to_nav"] is False


class TestErrors:
    def test_unknown_field_is_named_with_the_allowed_ones(self):
        with pytest.raises(KindError, match="unknown field 'icd10'.*allowed fields: functional_ability") as e:
            split("functional_assessment", {**EXAMPLES["functional_assessment"], "icd10": "L83"})
        assert e.value.field == "icd10" and e.value.kind == "functional_assessment"

    def test_unknown_kind_is_named_with_the_known_ones(self):
        with pytest.raises(KindError, match="unknown message kind 'sick_note'.*adaptation_question") as e:
            split("sick_note", {})
        assert e.value.field == "kind"

    def test_wrong_answer_value_lists_the_allowed_answers(self):
        with pytest.raises(KindError, match="'answer' must be one of 'coming', 'new_time_wanted' or 'cannot_come'"):
            split("meeting_response", {"answer": "maybe"})

    def test_missing_required_field_is_named(self):
        with pytest.raises(KindError, match="'reason' is required") as e:
            split("meeting_cancellation", {"reason": "  "})
        assert e.value.field == "reason"

    def test_grade_out_of_range_is_named(self):
        with pytest.raises(KindError, match="'suggested_grade' should be less than or equal to 100"):
            split("functional_assessment", {"functional_ability": "Lett arbeid.", "suggested_grade": 150})

    def test_nested_unknown_field_is_located(self):
        form = {**EXAMPLES["minutes"], "tasks": [{"party": "nav", "task": "Vurdere tiltak", "owner": "x"}]}
        with pytest.raises(KindError, match=r"unknown field 'tasks\[0\].owner'"):
            split("minutes", form)

    def test_meeting_without_place_or_link_is_refused(self):
        form = {k: v for k, v in EXAMPLES["meeting_invitation"].items() if k not in ("place", "video_link")}
        with pytest.raises(KindError, match="give a 'place' or a 'video_link'"):
            split("meeting_invitation", form)

    def test_meeting_time_needs_a_time_zone(self):
        with pytest.raises(KindError, match="'starts_at' needs a time zone offset"):
            split("meeting_invitation", {**EXAMPLES["meeting_invitation"], "starts_at": "2026-04-14T09:00:00"})

    def test_video_link_must_be_https(self):
        with pytest.raises(KindError, match="'video_link'.*https"):
            split("meeting_change", {**EXAMPLES["meeting_change"], "video_link": "http://video.example.no/x"})

    def test_plan_without_the_employee_needs_a_reason(self):
        with pytest.raises(KindError, match="'employee_not_contributed_reason' is required"):
            split("follow_up_plan", {**EXAMPLES["follow_up_plan"], "employee_contributed": False})

    def test_plan_answer_with_comments_needs_the_comment(self):
        with pytest.raises(KindError, match="'comment' is required"):
            split("follow_up_plan_ack", {"acknowledgement": "read_with_comments"})
        assert validate("follow_up_plan_ack", {"acknowledgement": "read_and_agree"}) == {"acknowledgement": "read_and_agree"}

    def test_strings_are_not_taken_as_booleans_or_numbers(self):
        with pytest.raises(KindError, match="send_to_gp"):
            split("follow_up_plan", {**EXAMPLES["follow_up_plan"], "send_to_gp": "yes"})
        with pytest.raises(KindError, match="proposed_grade"):
            split("adaptation_question", {**EXAMPLES["adaptation_question"], "proposed_grade": "50"})

    def test_control_characters_are_refused(self):
        with pytest.raises(KindError, match="control characters"):
            split("meeting_cancellation", {"reason": "Avlyst\x00"})

    def test_too_long_text_names_the_limit(self):
        with pytest.raises(KindError, match="'comment' is too long; at most 1000 characters"):
            split("meeting_response", {"answer": "coming", "comment": "x" * 1001})

    def test_nav_request_needs_a_category_and_no_repeats(self):
        with pytest.raises(KindError, match="requested_categories"):
            split("nav_request", {**EXAMPLES["nav_request"], "requested_categories": []})
        with pytest.raises(KindError, match="same category twice"):
            split("nav_request", {**EXAMPLES["nav_request"], "requested_categories": ["diagnosis", "diagnosis"]})

    def test_form_must_be_an_object(self):
        with pytest.raises(KindError, match="must be an object"):
            split("note", ["text"])


class TestJoinRejects:
    def test_non_canonical_section(self):
        data = b'{"reason": "Avlyst"}'
        with pytest.raises(KindError, match="not canonical"):
            join("meeting_cancellation", {Category.FOLLOW_UP_PLAN: data})

    def test_field_in_the_wrong_section(self):
        data = b'{"diagnosis":"L83 Nakkesyndrom"}'
        with pytest.raises(KindError, match="'diagnosis' does not belong in section 'functional_ability'"):
            join("functional_assessment", {Category.FUNCTIONAL_ABILITY: data})

    def test_category_the_kind_does_not_use(self):
        with pytest.raises(KindError, match="adaptation_question has no section 'diagnosis'"):
            join("adaptation_question", {Category.DIAGNOSIS: None})

    def test_note_section_that_names_another_category(self):
        data = split("note", {"category": "diagnosis", "text": "J06 Forkjølelse"})[Category.DIAGNOSIS]
        with pytest.raises(KindError, match="does not belong in section 'sick_leave'"):
            join("note", {Category.SICK_LEAVE: data})

    def test_bad_value_inside_an_opened_section(self):
        data = b'{"suggested_grade":0}'
        with pytest.raises(KindError, match="suggested_grade"):
            join("functional_assessment", {Category.SICK_LEAVE: data, Category.FUNCTIONAL_ABILITY: None})

    def test_garbage(self):
        with pytest.raises(KindError, match="not UTF-8 JSON"):
            join("note", {Category.SICK_LEAVE: b"\xff\xfe"})


class TestCatalog:
    def test_catalog_lists_every_kind_once(self):
        assert [entry["kind"] for entry in catalog()] == [k.value for k in Kind]
        json.dumps(catalog())  # ready for the API as it is

    def test_every_field_of_every_kind_has_exactly_one_category(self):
        allowed = {c.value for c in Category} | {SENDER_CHOSEN}
        for entry in catalog():
            for field in entry["fields"]:
                assert isinstance(field["category"], str) and field["category"] in allowed, (entry["kind"], field)
                assert {"name", "type", "required", "title_nb", "title_en"} <= set(field)
                for item in field.get("item_fields", []):
                    assert item["category"] == field["category"]

    def test_sender_chosen_category_only_in_note(self):
        chosen = {e["kind"] for e in catalog() if any(f["category"] == SENDER_CHOSEN for f in e["fields"])}
        assert chosen == {"note"}

    def test_field_descriptions(self):
        entry = next(e for e in catalog() if e["kind"] == "meeting_response")
        answer = next(f for f in entry["fields"] if f["name"] == "answer")
        assert answer == {
            "name": "answer", "category": "follow_up_plan", "type": "choice", "required": True,
            "title_nb": "Svar", "title_en": "Answer", "choices": ["coming", "new_time_wanted", "cannot_come"],
        }
        nav = next(e for e in catalog() if e["kind"] == "nav_request")
        days = next(f for f in nav["fields"] if f["name"] == "answer_within_days")
        assert days["default"] == 21 and days["type"] == "integer" and not days["required"]

    def test_kinds_carry_roles_purpose_and_titles(self):
        by_kind = {e["kind"]: e for e in catalog()}
        assert by_kind["adaptation_question"]["sender_roles"] == ["hr", "nearest_manager"]
        assert by_kind["nav_request"]["sender_roles"] == ["nav_adviser"]
        assert by_kind["follow_up_plan"]["default_purpose"] == Purpose.FOLLOW_UP_PLAN
        assert by_kind["functional_assessment"]["title_nb"] == "Vurdering av funksjonsevne"
        assert "diagnosis" in by_kind["functional_assessment"]["categories"]
        assert "diagnosis" not in by_kind["adaptation_question"]["categories"]

    def test_dialogmelding_equivalents(self):
        by_kind = {e["kind"]: e for e in catalog()}
        assert by_kind["adaptation_question"]["dialogmelding"] is None
        assert by_kind["functional_assessment"]["dialogmelding"] is None
        (req,) = by_kind["nav_request"]["dialogmelding"]
        assert (req["type"], req["kodeverk"], req["code"]) == ("DIALOG_FORESPORSEL", "8129", 1)
        assert req["oid"] == "2.16.578.1.12.4.1.1.8129"
        (plan,) = by_kind["follow_up_plan"]["dialogmelding"]
        assert (plan["type"], plan["kodeverk"], plan["code"]) == ("DIALOG_NOTAT", "8127", 1)
        ack = by_kind["follow_up_plan_ack"]
        assert ack["dialogmelding"] is None and ack["sender_roles"] == ["employee", "hr", "nearest_manager"]
        assert ack["categories"] == ["follow_up_plan"]


class TestDialogmeldingCode:
    def test_gp_asking_for_a_new_time_is_8126_2(self):
        code = kinds.dialogmelding_code(
            "meeting_response", {"answer": "new_time_wanted"}, sender_role=Role.GP, recipient_role=Role.NAV_ADVISER
        )
        assert (code.type, code.kodeverk, code.code) == ("DIALOG_SVAR", "8126", 2)

    def test_nav_inviting_a_gp_to_meeting_2_is_8125_1(self):
        form = {**EXAMPLES["meeting_invitation"], "meeting_type": "dialogue_meeting_2"}
        code = kinds.dialogmelding_code(
            "meeting_invitation", form, sender_role=Role.NAV_ADVISER, recipient_role=Role.GP
        )
        assert (code.kodeverk, code.code) == ("8125", 1)

    def test_employer_meeting_1_has_no_dialogmelding(self):
        code = kinds.dialogmelding_code(
            "meeting_invitation", EXAMPLES["meeting_invitation"], sender_role=Role.NEAREST_MANAGER,
            recipient_role=Role.GP,
        )
        assert code is None

    def test_note_direction_picks_the_code_list(self):
        note = EXAMPLES["note"]
        to_gp = kinds.dialogmelding_code("note", note, sender_role=Role.NAV_ADVISER, recipient_role=Role.GP)
        to_nav = kinds.dialogmelding_code("note", note, sender_role=Role.GP, recipient_role=Role.NAV_ADVISER)
        to_employer = kinds.dialogmelding_code("note", note, sender_role=Role.GP, recipient_role=Role.NEAREST_MANAGER)
        assert (to_gp.kodeverk, to_gp.code) == ("8127", 8)
        assert (to_nav.kodeverk, to_nav.code) == ("8128", 1)
        assert to_employer is None
