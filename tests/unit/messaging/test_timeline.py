"""Milestones of a sick-leave case from its start date, grade history and today."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from messaging.rules import load_rules, parse_rules
from messaging.timeline import CaseEvent, GradePeriod, Responsible, Status, completed, grade_on, milestones

START = date(2026, 3, 2)  # a Monday
FULL = [GradePeriod(START, 100)]
HALF = [GradePeriod(START, 50)]


def day(n: int) -> date:
    """Day n of the case (day 1 is the start date)."""
    return START + timedelta(days=n - 1)


def by_code(items):
    return {m.code: m for m in items}


class TestDueDates:
    def test_hansen_fully_sick_listed_gets_dialogue_meeting_1_by_the_end_of_week_7(self):
        ms = by_code(milestones(START, FULL, today=day(3)))
        dm1 = ms["dialogue_meeting_1"]
        # "senest innen sju uker": the last day of week 7 is day 49 = start + 7 weeks - 1 day.
        assert dm1.due_date == START + timedelta(weeks=7) - timedelta(days=1) == date(2026, 4, 19)
        assert dm1.status is Status.UPCOMING
        assert dm1.responsible == (Responsible.EMPLOYER,)
        assert dm1.law == "arbeidsmiljøloven § 4-6 fjerde ledd"

    def test_every_milestone_falls_on_its_day(self):
        ms = by_code(milestones(START, FULL, today=day(1)))
        assert ms["employer_period_end"].due_date == day(16)
        assert ms["follow_up_plan"].due_date == day(28)
        assert ms["dialogue_meeting_1"].due_date == day(49)
        assert ms["activity_requirement"].due_date == day(56)  # NAV: tilfelleStart + 8w - 1d
        assert ms["dialogue_meeting_candidate"].due_date == START + timedelta(days=119)  # NAV's stoppunkt
        assert ms["dialogue_meeting_2"].due_date == day(26 * 7)
        assert ms["sickness_benefit_end"].due_date == day(52 * 7)

    def test_follow_up_plan_is_for_employer_and_employee(self):
        plan = by_code(milestones(START, FULL, today=day(1)))["follow_up_plan"]
        assert plan.responsible == (Responsible.EMPLOYER, Responsible.EMPLOYEE)
        assert plan.title_nb == "Oppfølgingsplan" and plan.title_en == "Follow-up plan"

    def test_milestones_come_in_date_order_and_name_the_rule_version(self):
        ms = milestones(START, FULL, today=day(1))
        assert [m.due_date for m in ms] == sorted(m.due_date for m in ms)
        assert {m.rules_version for m in ms} == {"2026-01"}
        assert len(ms) == 7


class TestFullSickLeaveCondition:
    def test_half_sick_leave_all_along_has_no_dialogue_meeting_1(self):
        ms = by_code(milestones(START, HALF, today=day(60)))
        assert ms["dialogue_meeting_1"].status is Status.NOT_APPLICABLE
        assert ms["activity_requirement"].status is Status.NOT_APPLICABLE  # graded = activity
        assert ms["follow_up_plan"].status is Status.OVERDUE  # applies to every case

    def test_graded_before_week_7_lifts_dialogue_meeting_1(self):
        grades = [GradePeriod(START, 100), GradePeriod(day(29), 60)]
        assert by_code(milestones(START, grades, today=day(20)))["dialogue_meeting_1"].status is Status.NOT_APPLICABLE

    def test_graded_at_start_then_full_is_not_full_from_the_start(self):
        grades = [GradePeriod(START, 50), GradePeriod(day(8), 100)]
        ms = by_code(milestones(START, grades, today=day(20)))
        assert ms["dialogue_meeting_1"].status is Status.NOT_APPLICABLE
        assert ms["activity_requirement"].status is Status.UPCOMING  # 100 % on day 56

    def test_graded_only_after_week_7_keeps_dialogue_meeting_1(self):
        grades = [GradePeriod(START, 100), GradePeriod(day(50), 50)]
        ms = by_code(milestones(START, grades, today=day(45)))
        assert ms["dialogue_meeting_1"].status is Status.DUE_SOON
        assert ms["activity_requirement"].status is Status.NOT_APPLICABLE  # 50 % on day 56

    def test_grade_on_reads_the_step_function(self):
        grades = [GradePeriod(START, 100), GradePeriod(day(10), 40)]
        assert grade_on(grades, START - timedelta(days=1)) is None
        assert grade_on(grades, day(9)) == 100
        assert grade_on(grades, day(10)) == 40
        assert grade_on(grades, day(400)) == 40


class TestStatus:
    def test_before_the_window_is_upcoming(self):
        dm1 = by_code(milestones(START, FULL, today=day(34)))["dialogue_meeting_1"]
        assert dm1.due_soon_from == day(35)
        assert dm1.status is Status.UPCOMING

    def test_inside_the_window_is_due_soon(self):
        assert by_code(milestones(START, FULL, today=day(35)))["dialogue_meeting_1"].status is Status.DUE_SOON
        assert by_code(milestones(START, FULL, today=day(48)))["dialogue_meeting_1"].status is Status.DUE_SOON

    def test_on_the_day_is_due(self):
        assert by_code(milestones(START, FULL, today=day(49)))["dialogue_meeting_1"].status is Status.DUE

    def test_the_day_after_is_overdue(self):
        assert by_code(milestones(START, FULL, today=day(50)))["dialogue_meeting_1"].status is Status.OVERDUE

    def test_completed_codes_show_done_even_after_the_deadline(self):
        ms = by_code(milestones(START, FULL, today=day(60), completed={"follow_up_plan", "dialogue_meeting_1"}))
        assert ms["follow_up_plan"].status is Status.DONE
        assert ms["dialogue_meeting_1"].status is Status.DONE
        assert ms["activity_requirement"].status is Status.OVERDUE

    def test_completed_wins_over_not_applicable(self):
        dm1 = by_code(milestones(START, HALF, today=day(30), completed={"dialogue_meeting_1"}))["dialogue_meeting_1"]
        assert dm1.status is Status.DONE  # held voluntarily

    def test_events_pass_by_themselves(self):
        on_the_day = by_code(milestones(START, FULL, today=day(16)))["employer_period_end"]
        after = by_code(milestones(START, FULL, today=day(17)))["employer_period_end"]
        assert on_the_day.status is Status.DUE
        assert after.status is Status.DONE  # an event is never "overdue"

    def test_maksdato_is_due_soon_from_week_39(self):
        end = by_code(milestones(START, FULL, today=day(39 * 7)))["sickness_benefit_end"]
        assert end.status is Status.DUE_SOON
        assert end.law == "folketrygdloven § 8-12"

    def test_rule_without_window_goes_straight_from_upcoming_to_due(self):
        candidate = by_code(milestones(START, FULL, today=day(119)))["dialogue_meeting_candidate"]
        assert candidate.due_soon_from is None and candidate.status is Status.UPCOMING


class TestBadInput:
    @pytest.mark.parametrize("grade", [101, -5])
    def test_grade_out_of_range_is_refused(self, grade):
        with pytest.raises(ValueError, match="0 to 100"):
            GradePeriod(START, grade)

    @pytest.mark.parametrize("grade", [50.5, "50", True])
    def test_grade_that_is_not_a_whole_number_is_refused(self, grade):
        with pytest.raises(ValueError, match="whole percent"):
            GradePeriod(START, grade)

    def test_empty_history_is_refused_with_an_example(self):
        with pytest.raises(ValueError, match=r"empty.*GradePeriod\(from_date=2026-03-02, grade=100\)"):
            milestones(START, [], today=day(1))

    def test_period_before_the_start_is_refused(self):
        with pytest.raises(ValueError, match="before the case start date 2026-03-02"):
            milestones(START, [GradePeriod(START - timedelta(days=3), 100)], today=day(1))

    def test_first_period_after_the_start_is_refused(self):
        with pytest.raises(ValueError, match="must start on the case start date"):
            milestones(START, [GradePeriod(day(3), 100)], today=day(1))

    def test_unsorted_periods_are_refused(self):
        grades = [GradePeriod(START, 100), GradePeriod(day(20), 50), GradePeriod(day(10), 80)]
        with pytest.raises(ValueError, match=r"sorted by date.*period 3 \(2026-03-11\).*period 2"):
            milestones(START, grades, today=day(1))

    def test_two_periods_on_one_day_are_refused(self):
        with pytest.raises(ValueError, match="one per start date"):
            milestones(START, [GradePeriod(START, 100), GradePeriod(START, 50)], today=day(1))

    def test_unknown_completed_code_is_refused_with_the_known_codes(self):
        with pytest.raises(ValueError, match="dialog_meeting_1.*known codes: employer_period_end"):
            milestones(START, FULL, today=day(1), completed={"dialog_meeting_1"})

    def test_completed_as_a_bare_string_is_refused(self):
        with pytest.raises(ValueError, match="not a single string"):
            milestones(START, FULL, today=day(1), completed="follow_up_plan")

    def test_a_datetime_for_today_is_refused(self):
        with pytest.raises(ValueError, match="today must be a calendar date"):
            milestones(START, FULL, today=datetime(2026, 3, 5, 12, 0))


class TestRules:
    def test_newest_rule_file_is_loaded(self):
        rules = load_rules()
        assert rules[0].version == "2026-01"
        assert {r.code for r in rules} >= {"employer_period_end", "dialogue_meeting_1", "sickness_benefit_end"}

    def test_a_rule_set_can_be_passed_in(self):
        rules = parse_rules(
            'version = "test"\n[[milestone]]\ncode = "x"\ntitle_nb = "X"\ntitle_en = "X"\n'
            'after_weeks = 1\nkind = "deadline"\nresponsible = ["gp"]\ncondition = "always"\n'
        )
        (only,) = milestones(START, FULL, today=START + timedelta(weeks=1), rules=rules)
        assert only.due_date == START + timedelta(weeks=1) and only.status is Status.DUE

    def test_rule_with_two_offsets_is_refused(self):
        text = 'version = "t"\n[[milestone]]\ncode = "x"\nwithin_weeks = 1\nafter_days = 2\n'
        with pytest.raises(ValueError, match="milestone x: give exactly one of"):
            parse_rules(text)

    def test_rule_with_unknown_condition_is_refused(self):
        text = (
            'version = "t"\n[[milestone]]\ncode = "x"\ntitle_nb = "X"\ntitle_en = "X"\nwithin_days = 3\n'
            'kind = "event"\nresponsible = ["nav"]\ncondition = "sometimes"\n'
        )
        with pytest.raises(ValueError, match="sometimes"):
            parse_rules(text)


class TestCompletedByEvents:
    """What happened in the case (kinds, sides, days: metadata only) completes milestones."""

    def test_a_plan_sent_completes_the_follow_up_plan_from_either_side(self):
        for side in (Responsible.EMPLOYER, Responsible.EMPLOYEE):
            done = completed([CaseEvent("follow_up_plan", side, day(20))])
            assert done == {"follow_up_plan": day(20)}
            plan = by_code(milestones(START, FULL, today=day(40), completed=done))["follow_up_plan"]
            assert plan.status is Status.DONE  # not overdue, though day 28 has passed

    def test_without_a_plan_it_turns_overdue(self):
        assert by_code(milestones(START, FULL, today=day(40), completed=completed([])))["follow_up_plan"].status \
            is Status.OVERDUE

    def test_minutes_complete_the_meeting_of_the_side_that_holds_it(self):
        employer = completed([CaseEvent("minutes", Responsible.EMPLOYER, day(45))])
        nav = completed([CaseEvent("minutes", Responsible.NAV, day(150))])
        gp = completed([CaseEvent("minutes", Responsible.GP, day(45))])
        assert employer == {"dialogue_meeting_1": day(45)}
        assert nav == {"dialogue_meeting_2": day(150)}
        assert gp == {}

    def test_a_clinicians_assessment_or_answer_to_nav_is_the_activity_assessment(self):
        assert completed([CaseEvent("functional_assessment", Responsible.GP, day(50))]) == {"activity_requirement": day(50)}
        assert completed([CaseEvent("nav_request_answer", None, day(52))]) == {"activity_requirement": day(52)}

    def test_the_first_event_that_completes_counts_and_other_kinds_do_nothing(self):
        done = completed([CaseEvent("follow_up_plan", Responsible.EMPLOYER, day(27)),
                          CaseEvent("note", Responsible.EMPLOYER, day(2)),
                          CaseEvent("follow_up_plan", Responsible.EMPLOYEE, day(12))])
        assert done == {"follow_up_plan": day(12)}

    def test_only_codes_the_rule_set_has_come_back(self):
        rules = [r for r in load_rules() if r.code != "follow_up_plan"]
        assert completed([CaseEvent("follow_up_plan", Responsible.EMPLOYER, day(3))], rules) == {}

    def test_grade_zero_is_back_at_work_and_no_condition_holds_on_it(self):
        back = [GradePeriod(START, 100), GradePeriod(day(30), 0)]
        ms = by_code(milestones(START, back, today=day(60)))
        assert ms["dialogue_meeting_1"].status is Status.NOT_APPLICABLE
        assert ms["activity_requirement"].status is Status.NOT_APPLICABLE


def test_minutes_of_a_held_meeting_complete_that_meetings_milestone_only():
    day = date(2026, 6, 1)
    nav = Responsible.NAV
    # NAV's minutes of dialogue meeting 3 (a meeting with state) do not complete meeting 2 ...
    assert completed([CaseEvent("minutes", nav, day, "dialogue_meeting_3")]) == {}
    assert completed([CaseEvent("minutes", nav, day, "other_meeting")]) == {}
    # ... minutes of meeting 2 do, whoever the coordinator who called it is; and meeting 1's its own.
    assert completed([CaseEvent("minutes", Responsible.EMPLOYER, day, "dialogue_meeting_2")]) == {"dialogue_meeting_2": day}
    assert completed([CaseEvent("minutes", nav, day, "dialogue_meeting_1")]) == {"dialogue_meeting_1": day}
    # Minutes without a meeting keep the rule by sender side.
    assert completed([CaseEvent("minutes", nav, day)]) == {"dialogue_meeting_2": day}
