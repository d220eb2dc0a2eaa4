"""An evaluation run's report as one self-contained HTML document, and as PDF
(WeasyPrint, with Japanese fonts), in Japanese or English; its words come from the
message catalogs the run's page uses."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup

from tekisei.i18n import Lang, messages
from tekisei.render.radar import perspective_radar
from tekisei.render.report import _environment, words


def eval_report_html(
    *,
    org: str,
    run: Any,
    failing: list[Any],
    perspectives: dict[str, str],
    risks: dict[str, str],
    lang: Lang,
    zone: ZoneInfo,
    promptless: list[dict[str, Any]] | None = None,
) -> str:
    """The report of one run: settings and digest, summary with intervals, perspectives
    (radar and table), risks, and every failing case with input, output and reasons;
    ``org`` is the organisation's name; times are in ``zone``, named."""
    drawn = perspective_radar(
        run.by_perspective,
        perspectives,
        title=messages(lang).gettext("Pass rate by J-AISI perspective"),
    )
    radar = Markup(drawn) if drawn else None
    template = _environment().get_template("eval_report.html")
    return template.render(
        lang=lang,
        org=org,
        run=run,
        failing=failing,
        perspectives=perspectives,
        risks=risks,
        radar=radar,
        promptless=promptless or [],
        **words(lang, zone),
    )
