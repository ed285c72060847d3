"""The employee's disclosure log as a person reads it (issue 9, item 5), over real HTTP:
after a realistic exchange, /portal/log shows one line per message per recipient (the
key hand-out, the acceptance, pushes and every read folded into it), the consent given
with whom and what, a stopped attempt explained calmly, the hash-chained entries folded
beneath each line, and a filter by person."""

from __future__ import annotations

import html
import re
from datetime import datetime

import httpx
import pytest
from sqlmodel import Session, func, select

from consent.models import DisclosureLogEntry
from tests.support.log_scene import log_exchange
from tests.support.tokens import portal_login
from web.i18n import COOKIE, MONTHS


def _lines(page: str) -> list[dict]:
    """Each log line: its kind, people, visible text, and its folded entries' tags and seqs."""
    out = []
    for chunk in page.split('<li class="log-line ')[1:]:
        head, _, folded = chunk.partition('<details class="log-technical"')
        text = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", head.split(">", 1)[1]))).strip()
        out.append({
            "kind": re.search(r'data-kind="([^"]+)"', head).group(1),
            "people": re.search(r'data-people="([^"]*)"', head).group(1).split(),
            "text": text,
            "tags": re.findall(r'data-tag="([^"]+)"', folded.split("</details>")[0]),
            "seqs": [int(s) for s in re.findall(r'data-seq="(\d+)"', folded.split("</details>")[0])],
        })
    return out


@pytest.fixture
def exchange(world, clients):
    return log_exchange(world, clients)


@pytest.fixture
def hansen(world) -> httpx.Client:
    client = httpx.Client(base_url=world.base_url, timeout=30)
    assert portal_login(client, world.base_url, "hansen").status_code == 303
    yield client
    client.close()


def test_the_log_is_one_line_per_message_per_recipient_in_plain_words(world, exchange, hansen):
    d = world.demo.actors
    page = hansen.get("/portal/log")
    assert page.status_code == 200
    lines = _lines(page.text)
    today = datetime.now().astimezone()
    consented = f"fordi du samtykket {today.day}. {MONTHS['nb'][today.month - 1]} {today.year}"

    # The message: one line, however many chained entries it took.
    messages = [ln for ln in lines if ln["kind"] == "message"]
    assert len(messages) == 1
    message = messages[0]
    assert message["text"].startswith(
        "Lise Berg (nærmeste leder) leste «Vurdering av funksjonsevne» fra Ingrid Solberg (fastlege) "
        "om «Funksjonsevne og arbeidsevne»")
    assert consented in message["text"] and "åpnet 2 ganger" in message["text"] and "sendt " in message["text"]
    assert sorted(message["people"]) == sorted([d["lise"], d["solberg"]])
    # Beneath it, folded: the key hand-out, the acceptance and both reads, with their numbers.
    assert "disclosure:keys:granted" in message["tags"] and "disclosure:message:granted" in message["tags"]
    assert message["tags"].count("disclosure:read:granted") == 2
    assert message["seqs"] == sorted(message["seqs"], reverse=True) and len(message["seqs"]) >= 4
    assert "fikk lov å kryptere" not in message["text"]  # the machine's words stay folded

    # The consent: to whom and what.
    given = [ln for ln in lines if "Du ga " in ln["text"]]
    assert len(given) == 1
    assert given[0]["text"].startswith(
        "Du ga Lise Berg (nærmeste leder) lov til å få «Funksjonsevne og arbeidsevne» til tilrettelegging")
    assert given[0]["tags"] == ["consent:grant:created"]

    # The stopped attempt: what, why and what Hansen can do, without alarm.
    stopped = [ln for ln in lines if ln["kind"] == "stopped"]
    assert len(stopped) == 1
    assert stopped[0]["text"].startswith(
        "Ingrid Solberg (fastlege) ville sende «Funksjonsevne og arbeidsevne» til Heidi Vold (bedriftshelsetjenesten). "
        "Det ble stoppet, og ingenting ble delt.")
    assert "Hvorfor: du har ikke gitt samtykke" in stopped[0]["text"]
    assert "kan du gi samtykke på forsiden din" in stopped[0]["text"]
    assert set(stopped[0]["tags"]) == {"disclosure:keys:denied"}

    # Nothing is lost: every chained entry about Hansen is folded under exactly one line.
    with Session(world.engine) as session:
        stored = session.exec(select(func.count()).select_from(DisclosureLogEntry)
                              .where(DisclosureLogEntry.subject_id == d["hansen"])).one()
    shown = [s for ln in lines for s in ln["seqs"]]
    assert len(shown) == len(set(shown)) == stored

    # The front page shows the newest disclosures the same way.
    front = _lines(hansen.get("/portal").text)
    assert [ln["kind"] for ln in front].count("message") == 1


def test_the_log_can_be_filtered_by_person(world, exchange, hansen):
    d = world.demo.actors
    page = hansen.get("/portal/log").text
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]+)</option>', page.split('id="log-person"')[1].split("</select>")[0])
    assert options[0] == ("", "Alle")
    assert {"Lise Berg", "Ingrid Solberg", "Heidi Vold"} <= {name for _, name in options[1:]}
    assert "Per Hansen" not in page.split('id="log-person"')[1].split("</select>")[0]

    vold = hansen.get("/portal/log", params={"person": d["vold"]})
    assert vold.status_code == 200 and "Viser hendelser med Heidi Vold." in vold.text
    lines = _lines(vold.text)
    assert lines and all(d["vold"] in ln["people"] for ln in lines)
    assert [ln["kind"] for ln in lines].count("stopped") == 1 and "message" not in [ln["kind"] for ln in lines]
    assert f'<option value="{d["vold"]}" selected>' in vold.text

    lise = _lines(hansen.get("/portal/log", params={"person": d["lise"]}).text)
    assert [ln["kind"] for ln in lise].count("message") == 1 and "stopped" not in [ln["kind"] for ln in lise]
    assert any(ln["text"].startswith("Du ga Lise Berg") for ln in lise)
    assert all(d["lise"] in ln["people"] for ln in lise)

    unknown = hansen.get("/portal/log", params={"person": "not-a-person"})
    assert unknown.status_code == 422
    assert "Den personen finnes ikke i loggen din" in unknown.text
    assert len(_lines(unknown.text)) == len(_lines(page))  # the whole log, still readable


def test_the_log_speaks_english_too(world, exchange, hansen):
    hansen.cookies.set(COOKIE, "en")
    text = " ".join(ln["text"] for ln in _lines(hansen.get("/portal/log").text))
    assert "Lise Berg (nearest manager) read «Functional assessment» from Ingrid Solberg (GP)" in text
    assert "It was stopped, and nothing was shared." in text
