"""Encrypted attachments: upload in ciphertext chunks, name them when sending, download.

The body of a chunk is streamed straight to a file (never held whole); a download is
streamed from the chunk files.  See docs/envelope.md, "Attachments"."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from messaging import attachments as store
from messaging import threads
from messaging.delivery import Delivery, _hold_case
from messaging.schemas import UploadCreate
from web.deps import CurrentActor, SessionDep, WriteSessionDep, require_explicit_read
from web.errors import responses

router = APIRouter(tags=["attachments"])


def _public(row) -> dict:
    return {"id": row.id, "case_id": row.case_id, "thread_id": row.thread_id, "size": row.size,
            "chunk_size": row.chunk_size, "chunk_count": row.chunk_count, "state": row.state,
            "created_at": row.created_at}


@router.post("/cases/{case_id}/threads/{thread_id}/attachments", status_code=201, summary="Start an attachment upload",
             responses=responses(413))
def create_upload(case_id: str, thread_id: str, data: UploadCreate, request: Request, session: SessionDep,
                  me: CurrentActor) -> dict:
    """Then PUT each ciphertext chunk, then POST .../complete; name the upload when sending."""
    settings = request.app.state.settings
    now = _hold_case(session, case_id)
    threads.require_thread(session, me, case_id, thread_id)
    store.sweep_expired(session, now, settings.attachments.upload_ttl_seconds)
    row = store.create_upload(session, me_id=me.id, case_id=case_id, thread_id=thread_id, size=data.size,
                              chunk_size=data.chunk_size, root=settings.attachments_dir,
                              max_bytes=settings.attachments.max_bytes, now=now)
    session.commit()
    return _public(row)


def _check_chunk(request: Request, me, case_id: str, thread_id: str, attachment_id: str, index: int):
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        threads.require_thread(session, me, case_id, thread_id)
        row = store.upload_of(session, me.id, case_id, thread_id, attachment_id)
        return row, store.check_chunk(row, index)


@router.put("/cases/{case_id}/threads/{thread_id}/attachments/{attachment_id}/chunks/{index}",
            summary="Upload one ciphertext chunk (the same chunk again replaces it)",
            responses=responses(409),
            openapi_extra={"requestBody": {"required": True, "content": {"application/octet-stream": {
                "schema": {"type": "string", "format": "binary"}}}}})
async def put_chunk(case_id: str, thread_id: str, attachment_id: str, index: int, request: Request,
                    me: CurrentActor) -> dict:
    row, expected = await run_in_threadpool(_check_chunk, request, me, case_id, thread_id, attachment_id, index)
    writer = await run_in_threadpool(store.ChunkWriter, row, index, expected)
    try:
        async for piece in request.stream():
            writer.write(piece)  # a small local write; the chunk is at most 1 MiB
        writer.finish()
    except BaseException:
        writer.abort()
        raise
    return {"id": attachment_id, "index": index, "bytes": expected}


@router.post("/cases/{case_id}/threads/{thread_id}/attachments/{attachment_id}/complete",
             summary="Finish an upload: every chunk is there")
def complete_upload(case_id: str, thread_id: str, attachment_id: str, session: SessionDep, me: CurrentActor) -> dict:
    threads.require_thread(session, me, case_id, thread_id)
    row = store.upload_of(session, me.id, case_id, thread_id, attachment_id)
    store.complete(row)
    session.add(row)
    session.commit()
    return _public(row)


@router.get("/attachments/{attachment_id}", summary="An attachment's ciphertext (your client opens it)",
            response_class=StreamingResponse,
            responses={200: {"content": {"application/octet-stream": {}}}, **responses(410)},
            dependencies=[Depends(require_explicit_read)])
def download(attachment_id: str, request: Request, session: WriteSessionDep, me: CurrentActor) -> StreamingResponse:
    """For whoever holds a key for the attachment's section, while its basis holds; each
    download is logged like reading the message.  The chunks follow each other: each is
    ``chunk_size + 16`` bytes, the last one shorter."""
    delivery: Delivery = request.app.state.delivery
    row = delivery.attachment(session, me, attachment_id)
    headers = {"Cache-Control": "no-store", "Content-Length": str(store.ciphertext_size(row)),
               "X-Chunk-Size": str(row.chunk_size), "X-Chunk-Count": str(row.chunk_count)}
    return StreamingResponse(store.stream(row), media_type="application/octet-stream", headers=headers)
