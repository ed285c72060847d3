"""Hansen withdraws his consent while his GP's messages to his manager are on their way.

Issue 10's race: the GP sends to Hansen's manager, several messages at a time, and
Hansen withdraws the consent they rest on after some have gone.  Before the fix, a
message could be decided and stamped before the withdrawal yet committed after it,
or committed after it with a stamp after the withdrawal's (the withdrawal waited for
the writers' lock, its stamp already taken).  Now every one of them holds Hansen
first and reads the clock under his lock (``consent.serial``), so the log's order and
its timestamps agree.

Everything is checked afterwards from the database, not from the answers the clients
got: the wraps stored for the manager, Hansen's log in its own order, its stamps.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlmodel import Session, col, select

from consent.audit import AuditTag
from consent.models import ConsentEvent
from messaging.client import ConsentMissing
from messaging.models import Message, MessageWrap
from tests.support import proof
from tests.support.log_order import entries_in_log_order, out_of_order_stamps, position

ROUNDS = 5
SENDS = 30  # per round
AT_ONCE = 5
REVOKE_AFTER = 10  # acknowledged (sent or refused) before Hansen withdraws
WAIT = 120  # seconds: generous for a loaded 2-core machine


def _round(world, gp, hansen, case_id: str, manager_id: str, number: int) -> dict:
    """One round: a fresh consent and thread, SENDS sends AT_ONCE at a time, and the
    withdrawal after REVOKE_AFTER of them have been answered."""
    grant = world.grant_from_hansen(manager_id)
    thread = gp.start_thread(case_id, [manager_id], topic="functional_assessment")["id"]
    answered, lock, go = [0], threading.Lock(), threading.Event()

    def send(i: int) -> tuple[str, str | None]:
        try:
            sent = gp.send(case_id, thread, "functional_assessment",
                           {"functional_ability": f"Runde {number}, melding {i}: kan løfte inntil 5 kg."})
            outcome = ("sent", sent["id"])
        except ConsentMissing:  # refused at the key hand-out or at acceptance: the consent is gone
            outcome = ("refused", None)
        with lock:
            answered[0] += 1
            if answered[0] >= REVOKE_AFTER:
                go.set()
        return outcome

    with ThreadPoolExecutor(max_workers=AT_ONCE, thread_name_prefix=f"gp-round-{number}") as pool:
        futures = [pool.submit(send, i) for i in range(SENDS)]
        assert go.wait(WAIT), "the first sends were not answered in time"
        hansen.ok(hansen.post(f"/consent/grants/{grant['id']}/revoke"))
        after = send(SENDS)  # begun once the withdrawal was answered: it must be refused
        outcomes = [f.result(timeout=WAIT) for f in futures]
    assert after == ("refused", None)
    sent = {message_id for what, message_id in outcomes if what == "sent"}
    # Some went before the withdrawal.  How many of the rest are refused depends on when
    # the withdrawal gets the writers' lock (SQLite's is not fair: a stream of writers
    # can keep it waiting); the checks below hold whatever the order was.
    assert len(sent) >= REVOKE_AFTER - AT_ONCE + 1, outcomes
    return {"grant_id": grant["id"], "thread_id": thread, "sent": sent}


def _check_round(session: Session, hansen_id: str, manager_id: str, r: dict) -> None:
    log = entries_in_log_order(session, hansen_id)
    revocations = [e for e in log if e.tag == AuditTag.GRANT_REVOKED and e.basis_ref == r["grant_id"]]
    assert len(revocations) == 1
    revoked = revocations[0]
    at = position(log, revoked)
    event = session.exec(select(ConsentEvent).where(
        ConsentEvent.kind == "revoked", ConsentEvent.target_id == r["grant_id"])).one()
    assert event.recorded_at == revoked.occurred_at  # the withdrawal has one instant

    # (b) No permit resting on the consent is ordered after its withdrawal in his log.
    late = [e for e in log[at + 1:] if e.basis_ref == r["grant_id"] and e.outcome == "permit"]
    assert not late, [(e.tag, e.occurred_at, revoked.occurred_at) for e in late]

    # (a) No wrap for the manager on a message accepted after the withdrawal; each one
    # that is stored was permitted by a log entry ordered before the withdrawal, with
    # the message's own instant.
    wrapped = session.exec(
        select(Message.id, Message.accepted_at).join(MessageWrap, col(MessageWrap.message_id) == col(Message.id))
        .where(Message.thread_id == r["thread_id"], MessageWrap.recipient_id == manager_id).distinct()
    ).all()
    assert {m for m, _ in wrapped} == r["sent"]  # every acknowledged send, and nothing else
    permits_before = {e.occurred_at for e in log[:at] if e.tag == AuditTag.MESSAGE_GRANTED
                      and e.recipient_id == manager_id and e.basis_ref == r["grant_id"]}
    for message_id, accepted_at in wrapped:
        assert accepted_at < revoked.occurred_at, (message_id, accepted_at, revoked.occurred_at)
        assert accepted_at in permits_before, (message_id, accepted_at)


def test_no_message_for_the_manager_rests_on_a_withdrawn_consent(world, clients):
    d = world.demo.actors
    case_id, manager_id = world.demo.cases["hansen"], d["lise"]
    gp, hansen = clients("solberg"), world.person("hansen")
    assert gp.me["id"] == d["solberg"]  # fetched once, before the threads share the client

    rounds = [_round(world, gp, hansen, case_id, manager_id, n) for n in range(ROUNDS)]

    with Session(world.engine) as session:
        for r in rounds:
            _check_round(session, d["hansen"], manager_id, r)
        # (c) Hansen's log in its own order: its timestamps never go back.
        log = entries_in_log_order(session, d["hansen"])
        assert not out_of_order_stamps(log), [
            (a.tag, a.occurred_at, b.tag, b.occurred_at) for a, b in out_of_order_stamps(log)]
    proof.record("revocation-race", rounds=ROUNDS, sends_per_round=SENDS, at_once=AT_ONCE,
                 sent_before_withdrawal=[len(r["sent"]) for r in rounds], log_entries=len(log))
