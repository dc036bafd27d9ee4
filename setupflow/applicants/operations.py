"""Candidates applying themselves: an applicant account, a candidacy kept as a draft and
completed later, its files (the application-file rules of ``calls.files``), the submission
(refused after the closing minute in the call's time zone), the receipt by e-mail, and the
status its authors may see.

A site's call closes at the end of its closing day (the last minute accepted is 23:59) in the
zone of the site's department; a programme call's step at the end of its window's last day in
the installation's zone (a programme is national). What the staff see is only what was
submitted: a draft lives here until then, never among the call's applications.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import inputs
from ..accounts.invitations import unknown_password
from ..accounts.mail import send_account_mail
from ..accounts.models import User
from ..accounts.operations import create_user, user_by_email
from ..calls import applications as call_applications
from ..calls.files import check_upload, file_path, store_upload
from ..calls.models import Application, ApplicationFile, Call
from ..calls.visibility import outcome
from ..lifecycles import CALLS
from ..clock import department_timezone, installation_timezone, zone
from ..db import row_id
from ..errors import InputError, NotFound
from ..programmes import operations as programme_ops
from ..programmes.models import Edition, ProgrammeApplication
from ..sites.models import Site
from ..sites.operations import Actor
from .models import Candidacy, CandidacyFile, ProgrammeApplicationFile

#: the roles that may apply: an applicant account, or the account of a sponsor or partner
#: (a candidate organisation may already have one); never the people who run calls
APPLYING_ROLES = ("applicant", "sponsor", "partner")
#: what a site call's candidacy asks (``calls.applications.add_application``'s fields)
SITE_FIELDS = ("organisation", "legal_status", "structure_type", "activity")
#: the last minute a call accepts on its closing day
LAST_MINUTE = time(23, 59)
RECEIPT = "application_receipt"


# -- closing to the minute ---------------------------------------------------------------------
class Closing:
    """The moment a call stops accepting answers: the last accepted minute of ``day`` in ``tz``."""

    def __init__(self, day: date, tz: str):
        self.day, self.tz = day, tz

    @property
    def ends(self) -> datetime:
        """The first instant refused (the minute after the last one accepted)."""
        return datetime.combine(self.day + timedelta(days=1), time(0, 0), tzinfo=zone(self.tz))

    @property
    def last_minute(self) -> datetime:
        return datetime.combine(self.day, LAST_MINUTE, tzinfo=zone(self.tz))

    def refuse_after(self, now: datetime) -> None:
        if now >= self.ends:
            raise InputError(code="candidacy.closed", field="submit", closes_on=self.day,
                             at=LAST_MINUTE.strftime("%H:%M"), zone=self.tz)


def site_closing(session: Session, call: Call) -> Closing | None:
    if call.closes_on is None:
        return None
    return Closing(call.closes_on, department_timezone(session.get(Site, call.site_id).department))


def step_closing(programme, edition: Edition, step_id: str) -> Closing | None:
    window = next(w for w in programme_ops.step_windows(programme, edition) if w["step"].id == step_id)
    return Closing(window["closes"], installation_timezone()) if window["closes"] else None


def _opened(day: date | None, tz: str, now: datetime) -> bool:
    return day is not None and now.astimezone(zone(tz)).date() >= day


def site_call_open(session: Session, call: Call, now: datetime) -> bool:
    closing = site_closing(session, call)
    return closing is not None and _opened(call.published_on, closing.tz, now) and now < closing.ends


def step_open(programme, edition: Edition, step_id: str, now: datetime) -> bool:
    window = next(w for w in programme_ops.step_windows(programme, edition) if w["step"].id == step_id)
    return (window["opens"] is not None and _opened(window["opens"], installation_timezone(), now)
            and now < Closing(window["closes"], installation_timezone()).ends)


def open_site_calls(session: Session, now: datetime) -> list[Call]:
    """The published site calls still accepting applications now."""
    calls = session.scalars(select(Call).where(Call.published_on.is_not(None)).order_by(Call.closes_on, Call.id))
    return [c for c in calls if site_call_open(session, c, now)]


def open_editions(session: Session, programmes, now: datetime) -> list[tuple]:
    """(programme, edition) of every edition whose call's first step accepts answers now."""
    out = []
    for edition in session.scalars(select(Edition).where(Edition.status == "call_open").order_by(Edition.id)):
        programme = programmes.get(edition.programme_id) if edition.programme_id in programmes else None
        if programme is not None and step_open(programme, edition, programme.call.steps[0].id, now):
            out.append((programme, edition))
    return out


# -- the applicant's account ----------------------------------------------------------------------
def applicant_account(session: Session, *, email: str, name: str | None, language: str, now: datetime
                      ) -> tuple[User, bool]:
    """The account of this e-mail address, opened as an applicant (with a password nobody
    knows: the person chooses theirs through the e-mailed link) when there is none. Returns the
    account and whether it was opened now."""
    address = inputs.email(email)
    existing = user_by_email(session, address)
    if existing is not None:
        return existing, False
    user = create_user(session, email=address, role="applicant", password=unknown_password(), now=now,
                       display_name=(name or "").strip() or None, language="en" if language == "en" else "fr")
    return user, True


def _may_apply(user: User) -> None:
    if not user.is_active or user.role not in APPLYING_ROLES:
        raise InputError(code="candidacy.role", field="account", role=user.role)


def actor_of_applicant(user: User) -> Actor:
    return Actor(name=f"{user.display_name} <{user.email}>", is_manager=False)


# -- candidacies ------------------------------------------------------------------------------------
def candidacy_of(session: Session, user: User, candidacy_id) -> Candidacy:
    """The person's own candidacy; ``NotFound`` for anyone else's (the same answer as none)."""
    number = row_id(candidacy_id)
    row = session.get(Candidacy, number) if number else None
    if row is None or row.user_id != user.id:
        raise NotFound(code="candidacy.not_found", field="candidacy", candidacy=candidacy_id)
    return row


def candidacies_of(session: Session, user: User) -> list[Candidacy]:
    return list(session.scalars(select(Candidacy).where(Candidacy.user_id == user.id).order_by(Candidacy.id)))


def start_site_candidacy(session: Session, user: User, call: Call, now: datetime) -> Candidacy:
    """The person's candidacy to a site's open call (the existing one when they started it already)."""
    _may_apply(user)
    row = session.scalar(select(Candidacy).where(Candidacy.user_id == user.id, Candidacy.call_id == call.id))
    if row is not None:
        return row
    if not site_call_open(session, call, now):
        closing = site_closing(session, call)
        if closing is None:
            CALLS.check(call, "receive", now=now)  # a call not published: refused with its state
        else:
            closing.refuse_after(now)
        raise InputError(code="candidacy.not_open", field="call", opens=call.published_on)
    row = Candidacy(user_id=user.id, call_id=call.id, answers={}, created_dt=now, changed_dt=now)
    session.add(row)
    session.flush()
    return row


def start_programme_candidacy(session: Session, user: User, programme, edition: Edition,
                              now: datetime) -> Candidacy:
    _may_apply(user)
    row = session.scalar(select(Candidacy).where(Candidacy.user_id == user.id, Candidacy.edition_id == edition.id))
    if row is not None:
        return row
    first = programme.call.steps[0].id
    if not step_open(programme, edition, first, now):
        closing = step_closing(programme, edition, first)
        if closing is not None:
            closing.refuse_after(now)
        raise InputError(code="candidacy.not_open", field="call", opens=edition.call_published_on or "-")
    row = Candidacy(user_id=user.id, edition_id=edition.id, answers={}, created_dt=now, changed_dt=now)
    session.add(row)
    session.flush()
    return row


def current_step(programme, candidacy: Candidacy, application: ProgrammeApplication | None):
    """The programme call's step the candidacy answers now: the first until it is submitted,
    then the step its application was asked for; None when nothing is to be answered."""
    if application is None:
        return programme.call.steps[0]
    if application.status == "full_file_requested":
        return programme.call.step(application.step)
    return None


def carried_over(programme, application: ProgrammeApplication | None, step) -> dict:
    """The answers of earlier steps a step carries over: shown, never typed again."""
    if application is None or step is None:
        return {}
    earlier = {}
    for answers in application.answers.values():
        earlier.update(answers)
    return {key: earlier.get(key) for key in step.carry_over}


def _clean(value, field: str, limit: int) -> str:
    text = str(value or "").strip()
    if len(text) > limit:
        raise InputError(code="text.too_long", field=field, length=len(text), limit=limit)
    return text


def save_draft(session: Session, candidacy: Candidacy, answers: dict, now: datetime, *, step=None) -> Candidacy:
    """Keep what the person typed, complete or not (lengths are checked; completeness on submission)."""
    if step is None:  # a site's call
        if candidacy.application_id is not None:
            raise InputError(code="candidacy.submitted", field="answers")
        draft = {name: _clean(answers.get(name), name, 6000 if name == "activity" else 200) for name in SITE_FIELDS}
    else:
        known = {f.id: f for f in step.fields if f.kind != "file"}
        draft = dict(candidacy.answers or {})
        draft[step.id] = {key: _clean(answers.get(key), key, 6000 if f.kind == "long_text" else 400)
                          for key, f in known.items()}
    candidacy.answers = draft
    candidacy.changed_dt = now
    session.flush()
    return candidacy


def add_file(session: Session, candidacy: Candidacy, *, data_dir: Path, original_name: str, data: bytes,
             now: datetime, step=None, field: str | None = None) -> CandidacyFile:
    """A file uploaded with the draft, under the application-file rules; a programme step's
    file answers one of its ``kind: file`` fields."""
    if step is None and candidacy.application_id is not None:
        raise InputError(code="candidacy.submitted", field="file")
    if step is not None and field not in {f.id for f in step.fields if f.kind == "file"}:
        raise InputError(code="programme.unknown_field", field="field", step=step.id,
                         known=", ".join(f.id for f in step.fields if f.kind == "file"))
    stored = store_upload(data_dir, original_name, data)
    try:
        row = CandidacyFile(candidacy_id=candidacy.id, step=step.id if step else None, field=field,
                            uploaded_dt=now, **stored.columns())
        candidacy.files.append(row)
        candidacy.changed_dt = now
        session.flush()
    except Exception:
        stored.discard()
        raise
    return row


def submit_site(session: Session, candidacy: Candidacy, user: User, *, data_dir: Path, now: datetime
                ) -> Application:
    """The application, as the staff would have recorded it, with the draft's files; refused
    after the closing minute (with the closing day, time and zone)."""
    call = session.get(Call, candidacy.call_id)
    site = session.get(Site, call.site_id)
    if candidacy.application_id is not None:
        raise InputError(code="candidacy.submitted", field="submit")
    closing = site_closing(session, call)
    if closing is not None:
        closing.refuse_after(now)
    answers = candidacy.answers or {}
    actor = actor_of_applicant(user)
    application = call_applications.add_application(
        session, site, call, organisation=answers.get("organisation", ""), legal_status=answers.get("legal_status", ""),
        activity=answers.get("activity", ""), structure_type=answers.get("structure_type") or None, actor=actor,
        now=now, received_on=now.astimezone(zone(closing.tz)).date() if closing else None)
    for draft_file in candidacy.files:
        row = ApplicationFile(application_id=application.id, original_name=draft_file.original_name,
                              stored_name=_copy(data_dir, draft_file), content_type=draft_file.content_type,
                              size=draft_file.size, sha256=draft_file.sha256, uploaded_dt=draft_file.uploaded_dt,
                              uploaded_by=actor.name)
        application.files.append(row)
    candidacy.application_id, candidacy.submitted_dt, candidacy.changed_dt = application.id, now, now
    session.flush()
    _receipt(session, user, title=call.title, organisation=application.organisation, now=now, tz=closing.tz,
             candidacy=candidacy)
    return application


def submit_programme(session: Session, candidacy: Candidacy, user: User, programme, *, data_dir: Path,
                     now: datetime) -> ProgrammeApplication:
    """The expression of interest, or the full file once it is requested: the step's answers
    (carried-over ones included) and its files; refused after the step's closing minute."""
    edition = session.get(Edition, candidacy.edition_id)
    application = (session.get(ProgrammeApplication, candidacy.programme_application_id)
                   if candidacy.programme_application_id else None)
    step = current_step(programme, candidacy, application)
    if step is None:
        raise InputError(code="candidacy.submitted", field="submit")
    closing = step_closing(programme, edition, step.id)
    if closing is not None:
        closing.refuse_after(now)
    files = [f for f in candidacy.files if f.step == step.id]
    answers = dict((candidacy.answers or {}).get(step.id, {}))
    for f in step.fields:
        if f.kind == "file":
            answers[f.id] = "; ".join(d.original_name for d in files if d.field == f.id) or None
    actor = actor_of_applicant(user)
    received_on = now.astimezone(zone(installation_timezone())).date()
    if application is None:
        application = programme_ops.add_application(session, programme, edition, answers=answers, actor=actor,
                                                    now=now, received_on=received_on)
        candidacy.programme_application_id = application.id
    else:
        programme_ops.submit_full_file(session, programme, edition, application, answers=answers, actor=actor,
                                       now=now, received_on=received_on)
    for draft_file in files:
        session.add(ProgrammeApplicationFile(application_id=application.id, step=step.id, field=draft_file.field,
                                             original_name=draft_file.original_name,
                                             stored_name=_copy(data_dir, draft_file),
                                             content_type=draft_file.content_type, size=draft_file.size,
                                             sha256=draft_file.sha256, uploaded_dt=draft_file.uploaded_dt,
                                             uploaded_by=actor.name))
    candidacy.submitted_dt, candidacy.changed_dt = now, now
    session.flush()
    _receipt(session, user, title=f"{programme.title.get(user.language)} - {edition.label}",
             organisation=application.organisation, now=now, tz=installation_timezone(), candidacy=candidacy,
             step=step.label.get(user.language))
    return application


def attach_programme_file(session: Session, programme, application: ProgrammeApplication, *, field: str,
                          data_dir: Path, original_name: str, data: bytes, actor: Actor,
                          now: datetime) -> ProgrammeApplicationFile:
    """Staff attach a file to a programme application (a ``kind: file`` field of the step it
    has reached), under the application-file rules; nothing is kept if a check fails."""
    step = programme.call.step(application.step)
    fields = [f.id for f in step.fields if f.kind == "file"]
    if field not in fields:
        raise InputError(code="programme.unknown_field", field="field", step=step.id, known=", ".join(fields) or "-")
    stored = store_upload(data_dir, original_name, data)
    try:
        row = ProgrammeApplicationFile(application_id=application.id, step=step.id, field=field, uploaded_dt=now,
                                       uploaded_by=actor.name, **stored.columns())
        session.add(row)
        session.flush()
    except Exception:
        stored.discard()
        raise
    return row


def _copy(data_dir: Path, draft_file: CandidacyFile) -> str:
    """The draft's bytes stored again under a new name for the application (checked again:
    the rules are the same whoever uploads)."""
    data = file_path(data_dir, draft_file).read_bytes()
    check_upload(draft_file.original_name, data)
    return store_upload(data_dir, draft_file.original_name, data).path.name


def _receipt(session: Session, user: User, *, title: str, organisation: str, now: datetime, tz: str,
             candidacy: Candidacy, step: str | None = None) -> None:
    send_account_mail(session, to=user.email, name=user.display_name, language=user.language, template=RECEIPT,
                      context={"call": title, "organisation": organisation, "submitted": now.isoformat(), "tz": tz,
                               "step": step, "path": f"/candidacies/{candidacy.id}"}, now=now)


# -- what the authors see ----------------------------------------------------------------------------
def status(session: Session, candidacy: Candidacy) -> str:
    """draft, received, full_file_requested, full_file, selected or not_selected: never more
    (no score, no rank, no other candidate)."""
    if candidacy.call_id is not None:
        if candidacy.application_id is None:
            return "draft"
        application = session.get(Application, candidacy.application_id)
        return outcome(application.call, application)
    if candidacy.programme_application_id is None:
        return "draft"
    application = session.get(ProgrammeApplication, candidacy.programme_application_id)
    return "not_selected" if application.status == "declined" else application.status
