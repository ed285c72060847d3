"""The employee's threads over HTTP (a portal session, no browser): /portal lists the
threads he is in, unread first; his thread page answers only for threads he is a member
of in his own case (404 otherwise, as for made-up ids); /inbox thread links send him to
his own page; he starts a thread with people in his case, and nothing else is written.
The same story in Chromium: tests/browser/test_employee_threads_browser.py."""

from __future__ import annotations

import re

from sqlmodel import Session, func, select

from messaging.models import Thread, ThreadMember
from tests.support.tokens import csrf_token_of

MADE_UP = "1b4e28ba-2fa1-41d2-883f-0016d3cca4{:02d}"




def _threads(world) -> int:
    with Session(world.engine) as session:
        return session.exec(select(func.count()).select_from(Thread)).one()


def _members(world, thread_id: str) -> set[str]:
    with Session(world.engine) as session:
        return set(session.exec(select(ThreadMember.actor_id).where(ThreadMember.thread_id == thread_id)).all())


def test_the_employee_sees_his_threads_and_only_those(browser, world, clients):
    d, case_id = world.demo.actors, world.demo.cases["hansen"]
    gp = clients("solberg")
    with_him = gp.start_thread(case_id, [d["hansen"], d["lise"]], topic="conversation")["id"]
    without_him = gp.start_thread(case_id, [d["lise"]], topic="functional_assessment")["id"]
    mine = f"/portal/cases/{case_id}/threads/{with_him}"
    hansen = browser("hansen")

    portal = hansen.get("/portal").text
    assert f'href="{mine}"' in portal and without_him not in portal
    assert "Ingrid Solberg" in portal and 'data-testid="threads-keys-needed"' in portal  # no keys yet: one step shown

    # No keys yet: the thread page sends him to make them, and back.
    response = hansen.get(mine)
    assert response.status_code == 303
    assert response.headers["location"] == "/keys?next=" + mine.replace("/", "%2F")
    keys_page = hansen.get(response.headers["location"]).text
    assert 'id="keys-why"' in keys_page and f'href="{mine}"' in keys_page

    # Sent before he had keys: it reached Lise, not him, and his page says so plainly.
    world.grant_from_hansen(d["lise"])
    early = gp.send(case_id, with_him, "note", {"category": "functional_ability", "text": "Sendt før nøklene."})

    me = clients("hansen")  # keys made and published (as the browser does at first use)
    text = "Hei Per, hvordan går det med ryggen?"
    sent = gp.send(case_id, with_him, "note", {"category": "functional_ability", "text": text})
    portal = hansen.get("/portal").text
    assert re.search(rf'data-thread-id="{with_him}" data-unread="1"', portal)
    assert "Du har 1 ulest melding." in portal
    page = hansen.get(mine)
    assert page.status_code == 200
    assert f'id="msg-{sent["id"]}"' in page.text and text not in page.text  # sealed: the browser opens it
    assert 'href="/portal#threads"' in page.text and 'id="nav-portal"' in page.text
    early_li = page.text[page.text.index(f'id="msg-{early["id"]}"'):page.text.index(f'id="msg-{sent["id"]}"')]
    assert "Denne meldingen ble sendt før du hadde nøkler" in early_li

    # His own message: he may recall it from his page, and is sent back to it.
    own = me.send(case_id, with_him, "note", {"category": "work_tasks", "text": "Jeg angrer."})
    response = hansen.post(f"/inbox/messages/{own['id']}/recall", data={"csrf_token": csrf_token_of(page.text)})
    assert response.status_code == 303 and response.headers["location"] == f"{mine}#msg-{own['id']}"

    # The professionals' link to the same thread sends him to his own page.
    assert hansen.get(f"/inbox/cases/{case_id}/threads/{with_him}").headers["location"] == mine

    # A thread of his case he is not a member of, and made-up ids: the same 404 page.
    for path in (f"/portal/cases/{case_id}/threads/{without_him}", f"/inbox/cases/{case_id}/threads/{without_him}",
                 f"/portal/cases/{case_id}/threads/{MADE_UP.format(1)}",
                 f"/portal/cases/{MADE_UP.format(2)}/threads/{with_him}"):
        response = hansen.get(path)
        assert response.status_code == 404, path
        assert text not in response.text


def test_other_people_get_the_answer_for_made_up_ids(browser, world, clients):
    d, case_id = world.demo.actors, world.demo.cases["hansen"]
    thread = clients("solberg").start_thread(case_id, [d["hansen"]], topic="conversation")["id"]
    real = f"/portal/cases/{case_id}/threads/{thread}"
    fake = f"/portal/cases/{MADE_UP.format(3)}/threads/{MADE_UP.format(4)}"

    # Another employee, another case: 404 for Hansen's thread and for made-up ids alike.
    tore = browser("tore")
    assert tore.get(real).status_code == tore.get(fake).status_code == 404
    assert tore.get(f"/inbox/cases/{case_id}/threads/{thread}").status_code == 404
    assert "Per Hansen" not in tore.get(real).text

    # A professional of the case who is not in the thread: 404; one who is: his own page.
    lise = browser("lise")
    assert lise.get(real).status_code == lise.get(fake).status_code == 404
    gp = browser("solberg")
    assert gp.get(real).headers["location"] == f"/inbox/cases/{case_id}/threads/{thread}"


def test_the_employee_starts_a_thread_with_people_in_his_case(browser, world):
    d, case_id = world.demo.actors, world.demo.cases["hansen"]
    hansen = browser("hansen")
    token = csrf_token_of(hansen.get("/portal").text)
    before = _threads(world)

    response = hansen.post(f"/portal/cases/{case_id}/threads",
                           data={"csrf_token": token, "member_ids": d["lise"], "topic": "follow_up_plan"})
    assert response.status_code == 303
    match = re.fullmatch(rf"/portal/cases/{case_id}/threads/([0-9a-f-]+)", response.headers["location"])
    assert match and _members(world, match.group(1)) == {d["hansen"], d["lise"]}
    assert _threads(world) == before + 1

    # Nobody chosen, someone outside the case (Kari, HR, is related to him but not in it),
    # a kind he may not send as topic: a message he can act on, and nothing written.
    response = hansen.post(f"/portal/cases/{case_id}/threads", data={"csrf_token": token, "topic": "conversation"})
    assert response.headers["location"] == "/portal#threads"
    assert "Velg minst én person." in hansen.get("/portal").text
    response = hansen.post(f"/portal/cases/{case_id}/threads", data={"csrf_token": token, "member_ids": d["kari"]})
    assert response.headers["location"] == "/portal#threads"
    assert "Velg bare personer som er med i saken din." in hansen.get("/portal").text
    assert _threads(world) == before + 1
    response = hansen.post(f"/portal/cases/{case_id}/threads",
                           data={"csrf_token": token, "member_ids": d["solberg"], "topic": "nav_request"})
    made = response.headers["location"].rsplit("/", 1)[1]
    with Session(world.engine) as session:
        assert session.get(Thread, made).topic == "conversation"

    # Without the CSRF token, or in someone else's case: refused, nothing written.
    assert hansen.post(f"/portal/cases/{case_id}/threads", data={"member_ids": d["lise"]}).status_code == 403
    tore = browser("tore")
    tore_token = csrf_token_of(tore.get("/portal").text)
    response = tore.post(f"/portal/cases/{case_id}/threads", data={"csrf_token": tore_token, "member_ids": d["lise"]})
    assert response.status_code == 404
    assert _threads(world) == before + 2
