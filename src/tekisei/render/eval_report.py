"""An evaluation run's report as one self-contained HTML document, and as PDF
(WeasyPrint, with Japanese fonts), in Japanese or English."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup

from tekisei.core.times import shown
from tekisei.render.radar import perspective_radar
from tekisei.render.report import Lang, _environment

LABELS: dict[str, dict[Lang, str]] = {
    "title": {"ja": "評価実行報告書", "en": "Evaluation run report"},
    "org": {"ja": "組織", "en": "Organisation"},
    "generated": {"ja": "作成日時", "en": "Generated"},
    "system": {"ja": "AIシステム", "en": "AI system"},
    "suite": {"ja": "スイート", "en": "Suite"},
    "target": {"ja": "評価対象", "en": "Target"},
    "judge": {"ja": "LLM ジャッジ", "en": "LLM judge"},
    "agreement": {"ja": "ルールとの一致", "en": "agreement with the rules"},
    "state": {"ja": "状態", "en": "State"},
    "state:finished": {"ja": "完了", "en": "finished"},
    "state:failed": {"ja": "失敗", "en": "failed"},
    "state:interrupted": {"ja": "中断", "en": "interrupted"},
    "state:queued": {"ja": "実行待ち", "en": "queued"},
    "state:executing": {"ja": "実行中", "en": "running"},
    "started": {"ja": "開始", "en": "Started"},
    "finished": {"ja": "終了", "en": "Finished"},
    "digest": {"ja": "結果のハッシュ", "en": "Results digest"},
    "failed": {
        "ja": "この実行は失敗しました。評価対象から回答が得られなかったケースが多すぎるため、"
        "評価になっていません。",
        "en": "The run failed: too many cases got no answer from the target, so it measures "
        "nothing.",
    },
    "summary": {"ja": "概要", "en": "Summary"},
    "passed": {"ja": "合格", "en": "passed"},
    "interval": {"ja": "95%区間", "en": "95 % interval"},
    "errors": {"ja": "件のエラー", "en": "errors"},
    "by_perspective": {"ja": "J-AISI の観点ごと", "en": "By J-AISI perspective"},
    "perspective": {"ja": "観点", "en": "Perspective"},
    "by_risk": {"ja": "リスクごと", "en": "By risk"},
    "risk": {"ja": "リスク", "en": "Risk"},
    "failing": {"ja": "不合格のケース", "en": "Failing cases"},
    "role:system": {"ja": "システム指示", "en": "System"},
    "role:user": {"ja": "入力", "en": "Input"},
    "role:assistant": {"ja": "AI", "en": "AI"},
    "role:scripted": {
        "ja": "AI（スイートが書いた発言。対象の回答ではありません）",
        "en": "AI (written by the suite, not the target's answer)",
    },
    "output": {"ja": "出力", "en": "Output"},
    "advisory": {"ja": "参考", "en": "supporting signal"},
    "radar": {"ja": "J-AISI の観点ごとの合格率", "en": "Pass rate by J-AISI perspective"},
    "promptless": {
        "ja": "プロンプトでは評価しない観点",
        "en": "Perspectives not tested by prompts",
    },
    "covered_by": {"ja": "確かめる指針の項目", "en": "Covered by guideline items"},
}


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
    (radar and table), risks, and every failing case with input, output and reasons.
    Times are in ``zone``, named."""

    def t(key: str) -> str:
        return LABELS.get(key, {}).get(lang, key)

    drawn = perspective_radar(run.by_perspective, perspectives, title=t("radar"))
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
        generated=shown(datetime.now(UTC), zone),
        when=lambda value: shown(value, zone),
        t=t,
        pct=lambda value: f"{value:.0%}",
    )
