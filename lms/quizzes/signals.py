"""What quizzes tell the layers above them (courses) without importing them."""

from __future__ import annotations

from dataclasses import dataclass

from django.dispatch import Signal

# Sent with sitting=<Sitting> inside the transaction that passes an attempt: its last
# answer, or the essay mark that decides it. Receivers record what the pass unlocks; a
# rule the learner has still to meet elsewhere (guidelines to accept) must not fail it,
# or the answer that passed would be lost with the transaction.
quiz_passed = Signal()

# Sent with sitting=<Sitting>, answer=<SittingAnswer>, marker=<User> once the transaction
# that stored a trainer's mark on an essay answer has committed (transaction.on_commit):
# exactly once per marking, never for a marking that was rolled back. Receivers tell the
# learner (e-mail, in-app notice); the mark and its comment are on `answer`.
essay_marked = Signal()

# Sent by the result page with sitting=<Sitting>; each receiver returns a list of
# ResultNote: what the learner still has to do before the pass counts somewhere.
result_notes = Signal()

# Sent after the commit of a hand marking (lms.quizzes.services.mark_essay) with
# sitting=<Sitting>, answer=<SittingAnswer>, marker=<User>.
essay_marked = Signal()


@dataclass(frozen=True)
class ResultNote:
    message: str
    # (title, url) pairs of the things to do, e.g. documents to accept.
    links: tuple[tuple[str, str], ...] = ()


def notes_for(*, sitting) -> list[ResultNote]:
    notes: list[ResultNote] = []
    for _receiver, response in result_notes.send(sender=type(sitting), sitting=sitting):
        notes.extend(response or ())
    return notes
