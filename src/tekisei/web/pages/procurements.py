"""Pages of a system's procurements (guideline 3(1)): the list with a form to record one,
a procurement's page with its checklist grouped by area (one status and note per item),
the form to change it, and the checklist as a readable tender annex. JSON twins:
``/api/systems/{id}/procurements`` and ``…/procurements/{id}``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from tekisei.core.orgs import Permission, Principal, can
from tekisei.core.procurements import (
    APPLIES,
    AREAS,
    ITEMS,
    KINDS,
    OUR_WORDING,
    PHASES,
    RULES_JA,
    STATUSES,
    Area,
    Entry,
    ItemStatus,
    Kind,
    Phase,
    items_for,
)
from tekisei.errors import ConflictError, InvalidInputError
from tekisei.services import procurements as procurement_service
from tekisei.services import vendors as vendor_service
from tekisei.services.people import ActorNames
from tekisei.services.procurements import ProcurementView
from tekisei.web.api.common import IdPath, reading, transaction
from tekisei.web.auth import PrincipalDep
from tekisei.web.flash import done
from tekisei.web.forms import check_csrf, field_errors
from tekisei.web.templating import render

router = APIRouter(prefix="/systems", include_in_schema=False)
Failure = ConflictError | InvalidInputError
FIELDS = ("title", "reference", "kind", "phase", "vendor_id", "tender_on", "contract_on", "ends_on")
OPTIONAL = ("vendor_id", "tender_on", "contract_on", "ends_on")


async def _read(request: Request) -> dict[str, str]:
    form = await request.form()
    data = {key: str(form.getlist(key)[-1]).strip() for key in set(form.keys())}
    check_csrf(request, data)
    return data


def _version(data: dict[str, str]) -> int:
    """The version the form was read at (0, never current, when missing or not a number)."""
    text = data.pop("version", "")
    return int(text) if text.isdigit() and len(text) < 10 else 0


def _submitted(data: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {k: v for k, v in data.items() if k in FIELDS}
    for key in OPTIONAL:
        if not values.get(key):
            values[key] = None
    return values


def _blank() -> dict[str, Any]:
    return {
        "title": "", "reference": "", "kind": Kind.SERVICE.value, "phase": Phase.PLANNING.value,
        "vendor_id": "", "tender_on": "", "contract_on": "", "ends_on": "",
    }  # fmt: skip


def _problem(exc: ValidationError | Failure, lang: str) -> dict[str, str]:
    if isinstance(exc, ValidationError):
        errors = field_errors(exc, lang)
        return {k: RULES_JA.get(v, v) for k, v in errors.items()} if lang == "ja" else errors
    field = exc.field if isinstance(exc, InvalidInputError) else None
    return {field or "__all__": exc.localized(lang)}


def _status(exc: Exception) -> int:
    return 409 if isinstance(exc, ConflictError) else 422


def _vendors(request: Request, principal: Principal) -> dict[int, str]:
    with reading(request) as session:
        rows = vendor_service.list_vendors(session, principal)
        return {r.id: r.name for r in rows}


def _words(lang: str) -> dict[str, Any]:
    """The checklist's vocabulary in the reader's language."""
    pick = 0 if lang == "ja" else 1
    return {
        "wording": OUR_WORDING[pick],
        "area_words": {a.value: AREAS[a][pick] for a in Area},
        "kind_words": {k.value: KINDS[k][pick] for k in Kind},
        "phase_words": {p.value: PHASES[p][pick] for p in Phase},
        "status_words": {s.value: STATUSES[s][pick] for s in ItemStatus},
        "applies_words": {a.value: w[pick] for a, w in APPLIES.items()},
        "item_text": {i.id: (i.ja if lang == "ja" else i.en) for i in ITEMS.values()},
        "item_area": {i.id: i.area.value for i in ITEMS.values()},
        "item_applies": {i.id: i.applies.value for i in ITEMS.values()},
        "kinds": [k.value for k in Kind],
        "phases": [p.value for p in Phase],
        "statuses": [s.value for s in ItemStatus],
    }


def _grouped(shown: ProcurementView) -> list[tuple[str, list[tuple[str, Entry]]]]:
    """The procurement's items by area, in checklist order."""
    groups: dict[str, list[tuple[str, Entry]]] = {}
    for item in items_for(shown.kind):
        groups.setdefault(item.area.value, []).append((item.id, shown.checklist[item.id]))
    return list(groups.items())


def _list_page(
    request: Request,
    principal: Principal,
    system_id: int,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    with reading(request) as session:
        system = procurement_service.system_of(session, principal, system_id)
        actors = ActorNames(session, principal)
        rows = procurement_service.list_procurements(session, principal, system_id)
        listed = [procurement_service.view(session, r, actors) for r in rows]
        name = system.name
    lang = request.state.lang
    context: dict[str, Any] = _words(lang) | {
        "system_id": system_id,
        "system_name": name,
        "procurements": listed,
        "vendors": _vendors(request, principal),
        "can_write": can(principal.role, Permission.WRITE_SYSTEMS),
        "values": values or _blank(),
        "errors": errors or {},
    }
    return render(request, "procurements/index.html", context, status_code=status)


@router.get("/{system_id}/procurements", response_class=HTMLResponse)
def procurements_page(request: Request, principal: PrincipalDep, system_id: IdPath) -> HTMLResponse:
    """The system's procurements and the form to record one."""
    return _list_page(request, principal, system_id)


@router.post("/{system_id}/procurements/new", response_model=None)
async def create(request: Request, principal: PrincipalDep, system_id: IdPath) -> Response:
    """Record a procurement; errors are shown next to their fields."""
    values = _submitted(await _read(request))
    try:
        fields = procurement_service.validated(values)
        with transaction(request) as session:
            row = procurement_service.create_procurement(session, principal, system_id, fields)
            procurement_id = row.id
    except (ConflictError, InvalidInputError) as exc:
        return _list_page(
            request, principal, system_id, values=_blank() | values,
            errors=_problem(exc, request.state.lang), status=_status(exc),
        )  # fmt: skip
    return done(f"/systems/{system_id}/procurements/{procurement_id}", "created")


def _detail(
    request: Request,
    principal: Principal,
    system_id: int,
    procurement_id: int,
    *,
    template: str = "procurements/detail.html",
    values: dict[str, Any] | None = None,
    entries: dict[str, Entry] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    with reading(request) as session:
        row = procurement_service.get_procurement(session, principal, system_id, procurement_id)
        shown = procurement_service.view(session, row, ActorNames(session, principal))
    if entries:
        shown = shown.model_copy(update={"checklist": shown.checklist | entries})
    current = {k: ("" if v is None else v) for k, v in shown.model_dump(mode="json").items()}
    lang = request.state.lang
    context: dict[str, Any] = _words(lang) | {
        "p": shown,
        "groups": _grouped(shown),
        "vendors": _vendors(request, principal),
        "can_write": can(principal.role, Permission.WRITE_SYSTEMS),
        "values": values if values is not None else current,
        "errors": errors or {},
    }
    return render(request, template, context, status_code=status)


@router.get("/{system_id}/procurements/{procurement_id}", response_class=HTMLResponse)
def detail(
    request: Request, principal: PrincipalDep, system_id: IdPath, procurement_id: IdPath
) -> HTMLResponse:
    """A procurement: its facts, its checklist by area, and the forms to change them."""
    return _detail(request, principal, system_id, procurement_id)


@router.get("/{system_id}/procurements/{procurement_id}/annex", response_class=HTMLResponse)
def annex(
    request: Request, principal: PrincipalDep, system_id: IdPath, procurement_id: IdPath
) -> HTMLResponse:
    """The checklist as a readable tender annex (print it, or download the CSV)."""
    return _detail(
        request, principal, system_id, procurement_id, template="procurements/annex.html"
    )


@router.post("/{system_id}/procurements/{procurement_id}", response_model=None)
async def update(
    request: Request, principal: PrincipalDep, system_id: IdPath, procurement_id: IdPath
) -> Response:
    """Save the procurement's fields; a stale version re-shows the form with the conflict."""
    data = await _read(request)
    version = _version(data)
    values = _submitted(data)
    try:
        with transaction(request) as session:
            procurement_service.update_procurement(
                session, principal, system_id, procurement_id, values, version
            )
    except (ConflictError, InvalidInputError) as exc:
        return _detail(
            request, principal, system_id, procurement_id, values=_blank() | values,
            errors=_problem(exc, request.state.lang), status=_status(exc),
        )  # fmt: skip
    return done(f"/systems/{system_id}/procurements/{procurement_id}")


@router.post("/{system_id}/procurements/{procurement_id}/checklist", response_model=None)
async def checklist(
    request: Request, principal: PrincipalDep, system_id: IdPath, procurement_id: IdPath
) -> Response:
    """Save the checklist: a status and a note per item; an item marked "not applicable"
    without a reason is shown with the problem and nothing is saved."""
    data = await _read(request)
    version = _version(data)
    lang = request.state.lang
    entries: dict[str, Entry] = {}
    kept: dict[str, Entry] = {}
    errors: dict[str, str] = {}
    for item in ITEMS.values():
        status = data.get(f"status-{item.id}")
        if status is None:
            continue
        note = data.get(f"note-{item.id}", "")
        try:
            entries[item.id] = Entry.model_validate({"status": status, "note": note})
        except ValidationError as exc:
            errors[item.id] = next(iter(_problem(exc, lang).values()))
            shown_status = status if status in STATUSES_CODES else ItemStatus.OPEN.value
            kept[item.id] = Entry.model_construct(status=ItemStatus(shown_status), note=note)
    if errors:
        return _detail(
            request, principal, system_id, procurement_id, entries=entries | kept,
            errors={f"item-{k}": v for k, v in errors.items()} | {"checklist": _fix(lang)},
            status=422,
        )  # fmt: skip
    try:
        with transaction(request) as session:
            procurement_service.set_items(
                session, principal, system_id, procurement_id, entries, version
            )
    except (ConflictError, InvalidInputError) as exc:
        return _detail(
            request, principal, system_id, procurement_id, entries=entries,
            errors={"checklist": exc.localized(lang)}, status=_status(exc),
        )  # fmt: skip
    return done(f"/systems/{system_id}/procurements/{procurement_id}#checklist")


STATUSES_CODES = frozenset(s.value for s in ItemStatus)


def _fix(lang: str) -> str:
    if lang == "ja":
        return "保存していません。印の付いた項目を直してから、もう一度保存してください。"
    return "Nothing was saved. Fix the marked items and save again."
