"""The stage screen of a defence block: which slot is on, talk or questions, since when, paused or not.

The chair moves the state from a phone; the projector polls it. The state carries server
moments and the server's clock, so the screen counts down correctly whatever its own clock says.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain import defences as rules
from events_app.domain.defences import StagePhase
from events_app.domain.errors import N_, InvalidInput
from events_app.domain.staff import StaffMember
from events_app.services.defences import blocks
from events_app.services.programme.catalogue import EventView
from events_app.services.staff import audit

ACTIONS = ("start", "next", "next_project", "back", "pause", "resume", "reset")


@dataclass(frozen=True)
class StageState:
    block: blocks.BlockView
    phase: StagePhase
    current: blocks.SlotView | None
    following: blocks.SlotView | None
    started_at: datetime | None
    paused_at: datetime | None
    version: int

    @property
    def phase_minutes(self) -> int:
        if self.current is None:
            return 0
        return self.current.talk_minutes if self.phase is StagePhase.TALK else self.current.question_minutes

    def as_json(self, now: datetime) -> dict[str, object]:
        """What the projector needs: times as ISO moments and the server's clock for the countdown."""
        def slot(view: blocks.SlotView | None) -> dict[str, object] | None:
            if view is None:
                return None
            return {"id": view.id, "position": view.position, "title": view.project_title,
                    "organisations": view.organisations, "regions": view.regions, "presenters": view.presenters,
                    "talk_minutes": view.talk_minutes, "question_minutes": view.question_minutes,
                    "starts_at": view.starts_at.isoformat()}
        return {
            "block": self.block.session.title, "phase": self.phase.value, "version": self.version,
            "current": slot(self.current), "next": slot(self.following),
            "phase_seconds": self.phase_minutes * 60,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "paused_at": self.paused_at.isoformat() if self.paused_at else None,
            "remaining_seconds": rules.stage_remaining(phase_minutes=self.phase_minutes, started_at=self.started_at,
                                                       paused_at=self.paused_at, now=now)
            if self.current is not None and self.started_at is not None else None,
            "server_now": now.isoformat(),
        }


async def state(store: Store, event: EventView, session_id: int) -> StageState:
    block = await blocks.get_block(store, event, session_id)
    row = await blocks.block_state(store, session_id)
    phase = StagePhase(row["stage_phase"]) if row else StagePhase.IDLE
    current = next((slot for slot in block.slots if row and slot.id == row["stage_slot_id"]), None)
    if phase in (StagePhase.TALK, StagePhase.QUESTIONS) and current is None:
        phase = StagePhase.IDLE
    if current is not None:
        following = next((slot for slot in block.slots if slot.position == current.position + 1), None)
    else:
        following = block.slots[0] if phase is StagePhase.IDLE and block.slots else None
    return StageState(block=block, phase=phase, current=current, following=following,
                      started_at=row["stage_started_at"] if row and current else None,
                      paused_at=row["stage_paused_at"] if row and current else None,
                      version=row["stage_version"] if row else 0)


def _step(now_state: StageState, action: str, now: datetime) -> dict[str, object]:
    """The new stage columns for an action, from the state as it stands."""
    slots = now_state.block.slots
    current, phase = now_state.current, now_state.phase

    def show(slot: blocks.SlotView | None, new_phase: StagePhase) -> dict[str, object]:
        if slot is None:
            empty = StagePhase.DONE if new_phase is StagePhase.DONE else StagePhase.IDLE
            return {"stage_slot_id": None, "stage_phase": empty.value, "stage_started_at": None,
                    "stage_paused_at": None}
        return {"stage_slot_id": slot.id, "stage_phase": new_phase.value, "stage_started_at": now,
                "stage_paused_at": None}

    def neighbour(step: int) -> blocks.SlotView | None:
        if current is None:
            return None
        return next((slot for slot in slots if slot.position == current.position + step), None)

    if action == "reset":
        return show(None, StagePhase.IDLE)
    if action == "start":
        if not slots:
            raise InvalidInput(N_("The block has no slots yet"))
        return show(slots[0], StagePhase.TALK)
    if action in ("next", "next_project"):
        if current is None:
            return (show(slots[0], StagePhase.TALK) if slots and phase is StagePhase.IDLE
                    else show(None, StagePhase.DONE))
        if action == "next" and phase is StagePhase.TALK:
            return show(current, StagePhase.QUESTIONS)
        following = neighbour(1)
        return show(following, StagePhase.TALK) if following else show(None, StagePhase.DONE)
    if action == "back":
        if current is None:
            return (show(slots[-1], StagePhase.QUESTIONS) if slots and phase is StagePhase.DONE
                    else show(None, StagePhase.IDLE))
        if phase is StagePhase.QUESTIONS:
            return show(current, StagePhase.TALK)
        previous = neighbour(-1)
        return show(previous, StagePhase.TALK) if previous else show(None, StagePhase.IDLE)
    if action == "pause":
        if current is None or now_state.paused_at is not None:
            return {}
        return {"stage_paused_at": now}
    if action == "resume":
        if current is None or now_state.paused_at is None or now_state.started_at is None:
            return {}
        # Shift the start by the pause, so the countdown carries on where it stopped.
        return {"stage_started_at": now_state.started_at + (now - now_state.paused_at), "stage_paused_at": None}
    raise InvalidInput(N_("Unknown stage action"))


async def act(store: Store, event: EventView, session_id: int, action: str, *, actor: StaffMember,
              ip: str | None, now: datetime) -> StageState:
    if action not in ACTIONS:
        raise InvalidInput(N_("Unknown stage action"))
    async with store.transaction():
        await blocks.ensure_block_state(store, session_id)
        await store.serialise(f"defence-stage-{session_id}")
        before = await state(store, event, session_id)
        changes = _step(before, action, now)
        if changes:
            await store.execute(t.defence_blocks.update().where(t.defence_blocks.c.session_id == session_id)
                                .values(**changes, stage_version=t.defence_blocks.c.stage_version + 1))
            await audit.record(store, actor=actor, action="defence.stage", subject=before.block.session.title,
                               event_id=event.id, details={"session_id": session_id, "step": action}, ip=ip, now=now)
    return await state(store, event, session_id)


async def event_of_block(store: Store, session_id: int) -> str:
    """The slug of the event a block belongs to (the stage link names only the block)."""
    slug = await store.fetch_val(sa.select(t.events.c.slug).join(t.sessions, t.sessions.c.event_id == t.events.c.id)
                                 .where(t.sessions.c.id == session_id))
    if slug is None:
        raise InvalidInput(N_("This stage screen link is not valid. Copy it again from the block's page."))
    return str(slug)
