"""The web application: ``create_app(settings)``."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from tekisei import __version__
from tekisei.config import Settings, load_settings
from tekisei.logs import configure_logging
from tekisei.services import oversight as oversight_service
from tekisei.services.database import Database, open_database
from tekisei.services.notification_delivery import start_courier
from tekisei.services.notification_sweeps import sweep
from tekisei.services.public_cache import PageCache
from tekisei.web.api import assessments as assessments_api
from tekisei.web.api import audit as audit_api
from tekisei.web.api import catalog as catalog_api
from tekisei.web.api import continuity as continuity_api
from tekisei.web.api import data_holders as data_holders_api
from tekisei.web.api import decisions as decisions_api
from tekisei.web.api import energy as energy_api
from tekisei.web.api import eval_targets as eval_targets_api
from tekisei.web.api import evals as evals_api
from tekisei.web.api import gates as gates_api
from tekisei.web.api import haip_reports as haip_reports_api
from tekisei.web.api import health as health_api
from tekisei.web.api import incidents as incidents_api
from tekisei.web.api import inquiries as inquiries_api
from tekisei.web.api import invitations as invitations_api
from tekisei.web.api import judgements as judgements_api
from tekisei.web.api import literacy as literacy_api
from tekisei.web.api import mfa as mfa_api
from tekisei.web.api import notices as notices_api
from tekisei.web.api import notifications as notifications_api
from tekisei.web.api import orgs as orgs_api
from tekisei.web.api import oversight as oversight_api
from tekisei.web.api import passkeys as passkeys_api
from tekisei.web.api import policies as policies_api
from tekisei.web.api import portal as portal_api
from tekisei.web.api import procurements as procurements_api
from tekisei.web.api import provenance as provenance_api
from tekisei.web.api import provenance_sbr as provenance_sbr_api
from tekisei.web.api import receipts as receipts_api
from tekisei.web.api import records as records_api
from tekisei.web.api import registers as registers_api
from tekisei.web.api import reviews as reviews_api
from tekisei.web.api import risks as risks_api
from tekisei.web.api import scim as scim_api
from tekisei.web.api import scim_tokens as scim_tokens_api
from tekisei.web.api import sessions as sessions_api
from tekisei.web.api import soa as soa_api
from tekisei.web.api import sso as sso_api
from tekisei.web.api import stakeholders as stakeholders_api
from tekisei.web.api import statements as statements_api
from tekisei.web.api import systems as systems_api
from tekisei.web.api import users as users_api
from tekisei.web.api import vendors as vendors_api
from tekisei.web.bodylimit import RequestSizeLimit
from tekisei.web.errors import document_errors, install_error_handlers
from tekisei.web.headers import ResponseHeaders
from tekisei.web.limits import ClientLimiter
from tekisei.web.pages import approvals as approvals_pages
from tekisei.web.pages import assessments as assessments_pages
from tekisei.web.pages import audit as audit_pages
from tekisei.web.pages import auth as auth_pages
from tekisei.web.pages import catalog as catalog_pages
from tekisei.web.pages import continuity as continuity_pages
from tekisei.web.pages import dashboard as dashboard_pages
from tekisei.web.pages import data_holders as data_holders_pages
from tekisei.web.pages import decisions as decisions_pages
from tekisei.web.pages import energy as energy_pages
from tekisei.web.pages import evals as evals_pages
from tekisei.web.pages import haip_reports as haip_reports_pages
from tekisei.web.pages import incidents as incidents_pages
from tekisei.web.pages import inquiries as inquiries_pages
from tekisei.web.pages import invitations as invitations_pages
from tekisei.web.pages import judgements as judgements_pages
from tekisei.web.pages import literacy as literacy_pages
from tekisei.web.pages import mfa as mfa_pages
from tekisei.web.pages import notices as notices_pages
from tekisei.web.pages import notifications as notifications_pages
from tekisei.web.pages import orgs as orgs_pages
from tekisei.web.pages import oversight as oversight_pages
from tekisei.web.pages import policies as policies_pages
from tekisei.web.pages import portal as portal_pages
from tekisei.web.pages import procurements as procurements_pages
from tekisei.web.pages import records as records_pages
from tekisei.web.pages import registers as registers_pages
from tekisei.web.pages import reviews as reviews_pages
from tekisei.web.pages import risks as risks_pages
from tekisei.web.pages import scim as scim_pages
from tekisei.web.pages import sessions as sessions_pages
from tekisei.web.pages import site
from tekisei.web.pages import soa as soa_pages
from tekisei.web.pages import sso as sso_pages
from tekisei.web.pages import stakeholders as stakeholders_pages
from tekisei.web.pages import statements as statements_pages
from tekisei.web.pages import systems as systems_pages
from tekisei.web.pages import users as users_pages
from tekisei.web.pages import vendors as vendors_pages
from tekisei.web.pages import verify as verify_pages
from tekisei.web.proxies import ForwardedHeaders
from tekisei.web.threads import use_threads

_frozen = False


def freeze_heap() -> None:
    """Move everything alive now (the app, its routes, templates, catalogs) out of the
    garbage collector's reach, so that a full collection scans only what requests made.
    Called once the server has started: without it a public register of 1,000 systems
    took several times longer on every other request, while a full collection walked the
    whole heap.

    Once per process: a process that starts apps one after another (the tests, an
    embedding host) would otherwise pay a full collection at every start and keep
    forever whatever the earlier apps left behind."""
    global _frozen
    if _frozen:
        return
    _frozen = True
    gc.collect()
    gc.freeze()


def daily(database: Database, today: date) -> None:
    """What the courier runs once a day: the sweep of due dates, then the month's
    oversight snapshots (so that a month nobody read is not a gap in the trend)."""
    sweep(database, today)
    oversight_service.daily_snapshots(database, today)


class _App(FastAPI):
    """FastAPI, with the routes of a router included as they are the app's own.

    FastAPI (0.16x) keeps an included router behind a wrapper that builds each of its
    routes again for every app (their dependencies, parameters and response models), on
    the first request that walks past them: 0.15-0.35 s of CPU per app, paid by every
    test that starts one. Included without options (no prefix, tags or dependencies
    added at inclusion; the app sets no defaults of its own), a router's routes are the
    very routes it built once at import, so they serve every app as they are: the same
    paths, names, methods, handlers and OpenAPI as FastAPI's inclusion
    (tests/web/test_app.py compares the two). Only ``app.dependency_overrides`` would not
    reach them; tekisei does not use it.
    """

    def include_router(self, router: APIRouter, *args: Any, **kwargs: Any) -> None:
        """Include ``router`` (FastAPI's inclusion, then its routes in place of the
        wrapper when nothing was added at inclusion)."""
        before = len(self.router.routes)
        super().include_router(router, *args, **kwargs)
        added = self.router.routes[before:]
        if args or kwargs or len(added) != 1:
            return
        if getattr(added[0], "original_router", None) is router:
            self.router.routes[before:] = router.routes


def create_app(settings: Settings) -> FastAPI:
    """Build the app for ``settings``.

    Raises:
        DatabaseError: the database cannot be reached or its schema is not current.
    """
    database = open_database(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        use_threads(settings.threads)
        freeze_heap()
        # The courier sends notification e-mails and runs the daily sweep of due dates and
        # the oversight snapshots; with cron running 'tekisei notifications deliver|sweep'
        # and 'tekisei oversight snapshot' it can be turned off.
        halt = start_courier(database, settings, daily) if settings.notifications_courier else None
        yield
        if halt is not None:
            halt()
        database.close()

    app = _App(
        title="tekisei",
        version=__version__,
        description="Governance, evaluation and provenance for Japan's AI appropriateness "
        "guideline (人工知能関連技術の研究開発及び活用の適正性確保に関する指針).",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.database = database
    app.state.derived_keys = {}  # web.deps.deployment_key
    app.state.page_cache = PageCache(settings.public_cache_mb * 1024 * 1024)
    # Each public provenance operation has its own bucket: text checks (public_limiter),
    # image checks (which decode an image), and look-ups of bindings and manifests.
    app.state.public_limiter = ClientLimiter(database, settings.public_verify_per_minute)
    app.state.image_limiter = ClientLimiter(
        database, settings.public_image_checks_per_minute, name="images",
        what=("image checks", "画像の確認"),
    )  # fmt: skip
    app.state.lookup_limiter = ClientLimiter(
        database, settings.public_lookups_per_minute, name="lookups",
        what=("look-ups", "照会"),
    )  # fmt: skip
    app.state.pdf_limiter = ClientLimiter(
        database, settings.public_pdfs_per_minute, name="pdfs",
        what=("PDF downloads", "PDFのダウンロード"),
    )  # fmt: skip

    static = Path(str(resources.files("tekisei.web") / "static"))
    app.mount("/static", StaticFiles(directory=static), name="static")
    app.include_router(health_api.router)
    app.include_router(catalog_api.router)
    app.include_router(orgs_api.router)
    app.include_router(invitations_api.router)
    app.include_router(users_api.router)
    app.include_router(sessions_api.router)
    app.include_router(mfa_api.router)
    app.include_router(passkeys_api.router)
    app.include_router(scim_tokens_api.router)
    app.include_router(scim_api.router)
    app.include_router(sso_api.router)
    app.include_router(systems_api.router)
    app.include_router(risks_api.router)
    app.include_router(audit_api.router)
    app.include_router(assessments_api.router)
    app.include_router(gates_api.router)
    app.include_router(reviews_api.router)
    app.include_router(evals_api.router)
    app.include_router(eval_targets_api.router)
    app.include_router(provenance_api.router)
    app.include_router(provenance_sbr_api.router)
    app.include_router(receipts_api.router)
    app.include_router(records_api.router)
    app.include_router(stakeholders_api.router)
    app.include_router(data_holders_api.router)
    app.include_router(vendors_api.router)
    app.include_router(inquiries_api.router)
    app.include_router(inquiries_api.public_router)
    app.include_router(decisions_api.router)
    app.include_router(decisions_api.public_router)
    app.include_router(energy_api.router)
    app.include_router(energy_api.public_router)
    app.include_router(continuity_api.router)
    app.include_router(incidents_api.router)
    app.include_router(incidents_api.public_router)
    app.include_router(judgements_api.router)
    app.include_router(procurements_api.router)
    app.include_router(literacy_api.router)
    app.include_router(literacy_api.public_router)
    app.include_router(notices_api.router)
    app.include_router(notifications_api.router)
    app.include_router(notices_api.public_router)
    app.include_router(soa_api.router)
    app.include_router(policies_api.router)
    app.include_router(oversight_api.router)
    app.include_router(registers_api.router)
    app.include_router(registers_api.public_router)
    app.include_router(statements_api.router)
    app.include_router(statements_api.public_router)
    app.include_router(haip_reports_api.router)
    app.include_router(haip_reports_api.public_router)
    app.include_router(portal_api.public_router)
    app.include_router(site.router)
    app.include_router(portal_pages.router)
    app.include_router(catalog_pages.router)
    app.include_router(auth_pages.router)
    app.include_router(sso_pages.router)
    app.include_router(systems_pages.router)
    app.include_router(risks_pages.router)
    app.include_router(orgs_pages.router)
    app.include_router(scim_pages.router)
    app.include_router(users_pages.router)
    app.include_router(sessions_pages.router)
    app.include_router(mfa_pages.router)
    app.include_router(invitations_pages.router)
    app.include_router(audit_pages.router)
    app.include_router(assessments_pages.router)
    app.include_router(approvals_pages.router)
    app.include_router(dashboard_pages.router)
    app.include_router(reviews_pages.router)
    app.include_router(evals_pages.router)
    app.include_router(verify_pages.router)
    app.include_router(records_pages.router)
    app.include_router(stakeholders_pages.router)
    app.include_router(data_holders_pages.router)
    app.include_router(vendors_pages.router)
    app.include_router(inquiries_pages.public_router)
    app.include_router(inquiries_pages.router)
    app.include_router(decisions_pages.router)
    app.include_router(procurements_pages.router)
    app.include_router(decisions_pages.settings_router)
    app.include_router(judgements_pages.router)
    app.include_router(energy_pages.router)
    app.include_router(continuity_pages.router)
    app.include_router(incidents_pages.router)
    app.include_router(incidents_pages.public_router)
    app.include_router(notices_pages.router)
    app.include_router(notifications_pages.router)
    app.include_router(notices_pages.public_router)
    app.include_router(soa_pages.router)
    app.include_router(policies_pages.router)
    app.include_router(oversight_pages.router)
    app.include_router(registers_pages.router)
    app.include_router(registers_pages.public_router)
    app.include_router(statements_pages.router)
    app.include_router(statements_pages.public_router)
    app.include_router(haip_reports_pages.router)
    app.include_router(haip_reports_pages.public_router)
    app.include_router(literacy_pages.public_router)
    app.include_router(literacy_pages.router)
    app.include_router(dashboard_pages.api)
    evals_api.declare_limits(app, settings)
    install_error_handlers(app)
    document_errors(app)
    # The last added is the outermost: sizes are checked first, before any route, form
    # parser or authentication sees the request; then the client and scheme are taken
    # from trusted proxies, which the headers (HSTS, Secure cookies) depend on.
    app.add_middleware(ResponseHeaders, default_lang=settings.default_lang)
    app.add_middleware(
        ForwardedHeaders, trusted=settings.trusted_networks, kind=settings.proxy_headers
    )
    app.add_middleware(
        RequestSizeLimit,
        max_upload=settings.max_request_bytes,
        max_body=settings.max_body_bytes,
        default_lang=settings.default_lang,
    )
    return app


def app_from_environment() -> FastAPI:
    """The app for the settings in the environment: what each process of
    ``tekisei serve --workers N`` builds for itself."""
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    return create_app(settings)
