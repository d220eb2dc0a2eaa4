"""Write the web interface's .po catalogs from the table below.

The Japanese is written by the project; English entries that differ from
their message id are listed too. Run: python tools/messages.py
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

LOCALES = Path(__file__).resolve().parent.parent / "src" / "tekisei" / "web" / "locales"

STAMP = datetime(2026, 11, 26, tzinfo=UTC)

# message id: (Japanese, English when it differs from the id)
MESSAGES: dict[str, tuple[str, str | None]] = {
    "Skip to content": ("本文へ移動", None),
    "Main": ("メインメニュー", None),
    "Catalog": ("指針カタログ", None),
    "Search": ("検索", None),
    "Breadcrumb": ("現在位置", None),
    "tekisei puts Japan's AI appropriateness guideline into practice. Texts in the catalog are "
    "tekisei's own summaries; the published documents are authoritative.": (
        "tekisei は「人工知能関連技術の研究開発及び活用の適正性確保に関する指針」の実践を支える"
        "ソフトウェアです。カタログの文章は tekisei による要約であり、"
        "正式な内容は各公表文書によります。",
        None,
    ),
    "Not found": ("見つかりません", None),
    "Something went wrong": ("処理できませんでした", None),
    "Back to the catalog": ("指針カタログへ戻る", None),
    "Guideline and linked frameworks": ("指針と関連する枠組み", None),
    "The AI appropriateness guideline and the frameworks it points to, linked requirement by "
    "requirement. An answer given once counts for every linked framework.": (
        "適正性確保に関する指針と、指針が参照する国内外の枠組みを、項目ごとに対応付けています。"
        "一度記録した回答は、対応する全ての枠組みに反映されます。",
        None,
    ),
    "Loaded frameworks": ("読み込み済みの枠組み", None),
    "Framework": ("枠組み", None),
    "Version": ("版", None),
    "Publisher": ("策定主体", None),
    "Published": ("公表日", None),
    "Source": ("出典", None),
    "Status": ("確認状況", None),
    "Nodes": ("項目数", None),
    "Assessable": ("評価対象", None),
    "assessable": ("評価対象", None),
    "status:verified": ("確認済み", "Verified"),
    "status:secondary": ("二次情報", "Secondary sources"),
    "status:project": ("tekisei 独自", "tekisei's own"),
    "No framework is loaded yet. Run: tekisei catalog load": (
        "枠組みがまだ読み込まれていません。tekisei catalog load を実行してください。",
        None,
    ),
    "Text": ("本文", None),
    "Show in the other language": ("英語で表示", "Show in Japanese"),
    "Applies to": ("対象となる主体", None),
    "System roles": ("システムに対する立場", None),
    "Evidence that shows it is met": ("取組を示す根拠資料の例", None),
    "Items under this one": ("下位の項目", None),
    "Crosswalk": ("他の枠組みとの対応", None),
    "Counterpart": ("対応する項目", None),
    "Relation": ("関係", None),
    "Rationale": ("対応付けの理由", None),
    "No counterpart": ("対応なし", None),
    "Frameworks with no counterpart": ("対応する項目がない枠組み", None),
    "No crosswalk links this item.": ("この項目に対応付けはありません。", None),
    "Relations read from this item: 'subset' means this item asks for part of the counterpart, "
    "'superset' that it asks for more.": (
        "関係はこの項目から見た向きです。「部分」はこの項目が相手の一部に当たること、"
        "「包含」はこの項目の方が広いことを表します。",
        None,
    ),
    "Search the catalog": ("カタログを検索", None),
    "Words (Japanese or English)": ("キーワード（日本語・英語）", None),
    "All frameworks": ("全ての枠組み", None),
    "Results": ("検索結果", None),
    "No matching items.": ("該当する項目はありません。", None),
    "actor:research": ("研究開発機関", "R&D institutions"),
    "actor:business": ("活用事業者", "Business operators"),
    "actor:national": ("国", "National government"),
    "actor:local": ("地方公共団体", "Local governments"),
    "actor:citizen": ("国民", "Citizens"),
    "role:developer": ("開発者", "Developer"),
    "role:provider": ("提供者", "Provider"),
    "role:user": ("利用者", "User"),
    "relation:equal": ("同等", "equal"),
    "relation:subset": ("部分", "subset"),
    "relation:superset": ("包含", "superset"),
    "relation:intersect": ("重なり", "intersect"),
    "relation:related": ("関連", "related"),
    "relation-help:equal": ("両者は同じことを求める", "Both ask for the same thing"),
    "relation-help:subset": (
        "この項目は相手の一部に当たる",
        "This item asks for part of the counterpart",
    ),
    "relation-help:superset": (
        "この項目は相手より広い",
        "This item asks for more than the counterpart",
    ),
    "relation-help:intersect": ("一部が重なる", "The two overlap in part"),
    "relation-help:related": (
        "主題は関連するが、求める内容は異なる",
        "Related subject; different requirements",
    ),
    # ---- workspace
    "Sign in": ("サインイン", None),
    "Sign out": ("サインアウト", None),
    "Email": ("メールアドレス", None),
    "Password": ("パスワード", None),
    "AI systems": ("AIシステム", None),
    "AI system": ("AIシステム", None),
    "Systems": ("システム数", None),
    "Risk register": ("リスク登録簿", None),
    "Organisation": ("組織", None),
    "Audit log": ("監査ログ", None),
    "Register a system": ("システムを登録", None),
    "Edit system": ("システムを編集", None),
    "Edit": ("編集", None),
    "All": ("すべて", None),
    "Filter": ("絞り込む", None),
    "Name": ("名称", None),
    "Purpose": ("利用目的", None),
    "Risk tier": ("リスク区分", None),
    "Lifecycle stage": ("ライフサイクル段階", None),
    "Our role": ("自組織の立場", None),
    "Field of use": ("利用分野", None),
    "No system matches.": ("該当するシステムはありません。", None),
    "Some fields need attention.": ("入力内容を確認してください。", None),
    "What it is": ("概要", None),
    "Data and people": ("データと影響を受ける人", None),
    "Responsibility": ("責任の所在", None),
    "Models used (one per line)": ("利用するモデル（1行に1つ）", None),
    "Vendors (one per line)": ("ベンダー（1行に1つ）", None),
    "Save": ("保存", None),
    "Cancel": ("キャンセル", None),
    "Risks": ("リスク", None),
    "Risk": ("リスク", None),
    "Add a risk": ("リスクを追加", None),
    "Guideline items that apply": ("適用される指針の項目", None),
    "Risks before treatment": ("対策前のリスク", None),
    "Risks after treatment": ("対策後のリスク", None),
    "Impact": ("影響度", None),
    "Likelihood": ("発生可能性", None),
    "Inherent": ("固有リスク", None),
    "Residual": ("残余リスク", None),
    "Treatment": ("対応", None),
    "Treatment plan": ("対応計画", None),
    "Owner": ("担当者", None),
    "Due": ("期限", None),
    "Title": ("件名", None),
    "Description": ("内容", None),
    "Risk categories (tekisei-risks-1)": ("リスクの種類（tekisei-risks-1）", None),
    "No risk recorded yet.": ("リスクはまだ登録されていません。", None),
    "Accepted": ("受容", None),
    "Accept the residual risk": ("残余リスクの受容", None),
    "As an executive you accept the residual risk for the organisation. The decision and "
    "your reason are recorded in the audit log.": (
        "経営層として、対策後に残るリスクを組織として受け入れます。判断と理由は監査ログに記録されます。",
        None,
    ),
    "Reason": ("理由", None),
    "Accept": ("受容する", None),
    "Actor roles under the guideline": ("指針上の主体区分", None),
    "Responsible for AI governance (CAIO)": ("AIガバナンスの責任者（CAIO）", None),
    "Members": ("メンバー", None),
    "Add a member": ("メンバーを追加", None),
    "Initial password (12 characters or more)": ("初期パスワード（12文字以上）", None),
    "Add": ("追加", None),
    "Role": ("権限", None),
    "The hash chain is intact": ("ハッシュチェーンは改ざんされていません", None),
    "The hash chain is broken": ("ハッシュチェーンが壊れています", None),
    "events": ("件", None),
    "signing key": ("署名鍵", None),
    "Action": ("操作", None),
    "Time": ("日時", None),
    "Who": ("実行者", None),
    "Object": ("対象", None),
    "Change": ("変更内容", None),
    "Show": ("表示", None),
    "Newer": ("新しい順に戻る", None),
    "Older": ("さらに古い記録", None),
    "field:org_role": ("自組織の立場", "Our role"),
    "field:domain": ("利用分野", "Field of use"),
    "field:stage": ("ライフサイクル段階", "Lifecycle stage"),
    "field:models": ("利用するモデル", "Models"),
    "field:vendors": ("ベンダー", "Vendors"),
    "field:data_categories": ("扱うデータ", "Data"),
    "field:affected": ("影響を受ける人", "Affected people"),
    "field:autonomy": ("自律の度合い", "Degree of autonomy"),
    "field:scale": ("利用規模（年間）", "Scale (per year)"),
    "field:deployment": ("提供範囲", "Who can use it"),
    "field:responsible_person": ("責任者", "Responsible person"),
    "field:contact_window": ("問い合わせ窓口", "Contact window"),
    "field:likelihood": ("発生可能性（1〜5）", "Likelihood (1-5)"),
    "field:impact": ("影響度（1〜5）", "Impact (1-5)"),
    "field:residual_likelihood": ("対策後の発生可能性", "Residual likelihood"),
    "field:residual_impact": ("対策後の影響度", "Residual impact"),
    "tier:minimal": ("最小", "minimal"),
    "tier:limited": ("限定", "limited"),
    "tier:high": ("高", "high"),
    "tier:critical": ("重大", "critical"),
    "stage:plan": ("企画", "plan"),
    "stage:design": ("設計", "design"),
    "stage:develop": ("開発", "develop"),
    "stage:verify": ("検証", "verify"),
    "stage:deploy": ("導入", "deploy"),
    "stage:operate": ("運用", "operate"),
    "stage:retire": ("廃止", "retire"),
    "domain:general": ("汎用", "general"),
    "domain:internal_operations": ("社内業務", "internal operations"),
    "domain:customer_service": ("顧客対応", "customer service"),
    "domain:content_generation": ("コンテンツ生成", "content generation"),
    "domain:research": ("研究", "research"),
    "domain:education": ("教育", "education"),
    "domain:employment": ("雇用・人事", "employment"),
    "domain:healthcare": ("医療・健康", "healthcare"),
    "domain:finance": ("金融", "finance"),
    "domain:public_services": ("行政サービス", "public services"),
    "domain:administrative_decisions": ("行政上の判断", "administrative decisions"),
    "domain:law_enforcement": ("法執行", "law enforcement"),
    "domain:justice": ("司法", "justice"),
    "domain:critical_infrastructure": ("重要インフラ", "critical infrastructure"),
    "domain:transport": ("交通・移動", "transport"),
    "domain:biometrics": ("生体認証", "biometrics"),
    "domain:elections": ("選挙・政治", "elections"),
    "data_categories:personal": ("個人情報", "personal"),
    "data_categories:sensitive": ("要配慮個人情報", "sensitive"),
    "data_categories:confidential": ("機密情報", "confidential"),
    "data_categories:copyrighted": ("著作物", "copyrighted"),
    "data_categories:public": ("公開情報", "public"),
    "affected:staff": ("職員・従業員", "staff"),
    "affected:customers": ("顧客", "customers"),
    "affected:public": ("一般の人々", "the public"),
    "affected:children": ("子ども", "children"),
    "affected:vulnerable": ("配慮を要する人", "vulnerable people"),
    "affected:third_parties": ("利用者以外の第三者", "third parties"),
    "autonomy:assistive": ("提案のみ（人が判断）", "assistive (a person decides)"),
    "autonomy:human_in_the_loop": ("出力ごとに人が承認", "a person approves each output"),
    "autonomy:human_on_the_loop": ("人が監視し介入できる", "a person monitors and can intervene"),
    "autonomy:autonomous": ("人の確認なしに作動", "autonomous"),
    "scale:small": ("1,000人未満", "under 1,000"),
    "scale:medium": ("10万人まで", "up to 100,000"),
    "scale:large": ("1,000万人まで", "up to 10 million"),
    "scale:very_large": ("1,000万人超", "over 10 million"),
    "deployment:internal": ("組織内", "internal"),
    "deployment:partners": ("取引先など限られた相手", "partners"),
    "deployment:public": ("一般公開", "public"),
    "member:admin": ("管理者", "admin"),
    "member:editor": ("編集者", "editor"),
    "member:assessor": ("評価者", "assessor"),
    "member:executive": ("経営層（承認者）", "executive"),
    "member:auditor": ("監査人", "auditor"),
    "member:external_tester": ("外部テスター", "external tester"),
    "member:viewer": ("閲覧者", "viewer"),
    "treatment:mitigate": ("低減", "mitigate"),
    "treatment:avoid": ("回避", "avoid"),
    "treatment:transfer": ("移転", "transfer"),
    "treatment:accept": ("受容", "accept"),
    "risk-status:open": ("未対応", "open"),
    "risk-status:treating": ("対応中", "treating"),
    "risk-status:accepted": ("受容済み", "accepted"),
    "risk-status:closed": ("終了", "closed"),
    "level:low": ("低", "low"),
    "level:medium": ("中", "medium"),
    "level:high": ("高", "high"),
    "level:critical": ("重大", "critical"),
    # ---- assessments and approvals
    "Assessment": ("評価", None),
    "Show as": ("表示する枠組み", None),
    "Completeness": ("回答率", None),
    "Conformity": ("適合率", None),
    "Close this assessment": ("この評価を締める", None),
    "Start a new assessment from this one": ("この評価をもとに新しい評価を始める", None),
    "Start the assessment": ("評価を始める", None),
    "No assessment has been started for this system.": (
        "このシステムの評価はまだ始まっていません。",
        None,
    ),
    "Requirement": ("項目", None),
    "Answer": ("回答", None),
    "Evidence": ("根拠資料", None),
    "Derived from the guideline assessment through the crosswalk.": (
        "指針の評価から対応関係を通じて導いた結果です。",
        None,
    ),
    "From the guideline": ("指針からの導出元", None),
    "answered directly": ("直接回答", None),
    "No counterpart: answer directly": ("対応なし：直接回答してください", None),
    "How it is met": ("取組の内容", None),
    "Why it does not apply (required for not applicable)": (
        "適用しない理由（「該当しない」の場合は必須）",
        None,
    ),
    "Add evidence": ("根拠資料を追加", None),
    "File (PDF, image, text, Office)": ("ファイル（PDF、画像、テキスト、Office文書）", None),
    "or a link": ("またはリンク", None),
    "Approvals": ("承認", None),
    "Waiting": ("承認待ち", None),
    "Approve": ("承認する", None),
    "Reject": ("差し戻す", None),
    "Nothing is waiting.": ("承認待ちの申請はありません。", None),
    "Recent decisions": ("最近の判断", None),
    "Move": ("移行", None),
    "Decision": ("判断", None),
    "Request approval to move to": ("移行の承認を申請", None),
    "Note": ("補足", None),
    "Request": ("申請する", None),
    "The request could not be made: a request may already be waiting.": (
        "申請できませんでした。すでに承認待ちの申請があるかもしれません。",
        None,
    ),
    "state:not_started": ("未着手", "not started"),
    "state:implemented": ("実施済み", "implemented"),
    "state:partial": ("一部実施", "partially"),
    "state:not_implemented": ("未実施", "not implemented"),
    "state:not_applicable": ("該当しない", "not applicable"),
    "assessment:open": ("作業中", "open"),
    "assessment:closed": ("締め済み", "closed"),
    "approval:approved": ("承認", "approved"),
    "approval:rejected": ("差し戻し", "rejected"),
    "approval:pending": ("承認待ち", "pending"),
    # ---- dashboard
    "Dashboard": ("ダッシュボード", None),
    "Report": ("報告書", None),
    "Gaps": ("未対応の項目", None),
    "Requirements still to be met, highest risk tier first.": (
        "まだ満たしていない項目です。リスク区分の高いシステムから順に表示します。",
        None,
    ),
    "Next review due": ("次のレビュー期限", None),
    "Open a review": ("レビューを始める", None),
    "Save and complete": ("保存して完了", None),
    "No review yet.": ("レビューはまだありません。", None),
    "phase:plan": ("計画（Plan）", "Plan"),
    "phase:do": ("実行（Do）", "Do"),
    "phase:check": ("評価（Check）", "Check"),
    "phase:act": ("改善（Act）", "Act"),
    "trigger:scheduled": ("定期", "scheduled"),
    "trigger:incident": ("インシデント", "incident"),
    "trigger:model_change": ("モデル・ベンダーの変更", "model or vendor change"),
    "trigger:catalog_change": ("指針・枠組みの改訂", "catalog change"),
    "trigger:manual": ("手動", "manual"),
    "review:open": ("実施中", "open"),
    "review:completed": ("完了", "completed"),
    "Reviews overdue": ("期限切れのレビュー", None),
    "Approvals waiting": ("承認待ち", None),
    "Assessment completeness by element": ("要素ごとの評価の回答率", None),
    "Reviews due": ("レビューの期限", None),
    "overdue": ("期限切れ", None),
    "Maturity": ("成熟度の推移", None),
    "Month": ("月", None),
    "Maturity (1-5)": ("成熟度（1〜5）", None),
    "Reviews": ("レビュー", None),
    "Number of reviews": ("レビュー数", None),
    "No review has been completed yet.": ("完了したレビューはまだありません。", None),
    # Evaluation runs
    "Evaluations": ("評価・レッドチーミング", None),
    "Evaluations and red teaming": ("評価・レッドチーミング", None),
    "Run a suite of test cases against an AI system's endpoint. Each finished run is kept as "
    "evidence on the guideline requirements it tests (footnote 8, 2(3) and others), and its "
    "failing categories suggest risks for the register.": (
        "AIシステムのエンドポイントにテストケース群（スイート）を実行します。完了した実行は、"
        "確かめた指針の項目（脚注8、2(3) など）の証跡として残り、不合格の多い分類は"
        "リスク登録簿への追加候補として提案されます。",
        None,
    ),
    "Start a run": ("評価を実行する", None),
    "Suite": ("スイート", None),
    "cases": ("件", None),
    "Target": ("評価対象（ターゲット）", None),
    "An OpenAI-compatible endpoint: openai:MODEL@BASE_URL (chat completions) or "
    "responses:MODEL@BASE_URL. Try the demo target: run 'tekisei demo-target' and give "
    "openai:tekisei-demo-1@http://127.0.0.1:8900/v1.": (
        "OpenAI互換のエンドポイントを openai:モデル名@ベースURL（Chat Completions）または "
        "responses:モデル名@ベースURL の形で指定します。お試しには、tekisei demo-target を"
        "起動して openai:tekisei-demo-1@http://127.0.0.1:8900/v1 を指定してください。",
        None,
    ),
    "API key (used for this run only, never stored)": (
        "APIキー（この実行にだけ使い、保存しません）",
        None,
    ),
    "Attack probes (each multiplies the suite)": (
        "攻撃の変換（選ぶごとにケースが増えます）",
        None,
    ),
    "probe:base64": ("Base64で符号化", "Base64 encoding"),
    "probe:injection": ("指示の注入で包む", "Injection wrapper"),
    "probe:language_switch": ("言語を切り替える", "Language switch"),
    "probe:roleplay": ("ロールプレイで迫る", "Role-play jailbreak"),
    "probe:split": ("依頼を分割する", "Payload splitting"),
    "Requests in flight at once": ("同時に送るリクエスト数", None),
    "Rate limit (optional, e.g. 600/min)": ("送信レートの上限（任意、例: 600/min）", None),
    "Start the run": ("実行を開始", None),
    "Check the fields: concurrency is a number from 1 to 200.": (
        "入力を確認してください。同時リクエスト数は1〜200の数値です。",
        None,
    ),
    "Runs": ("実行の一覧", None),
    "Run": ("実行", None),
    "Passed": ("合格", None),
    "Pass rate": ("合格率", None),
    "Started": ("開始", None),
    "Finished": ("完了", None),
    "run-status:running": ("実行中", "running"),
    "run-status:finished": ("完了", "finished"),
    "No run yet.": ("まだ実行はありません。", None),
    "Progress": ("進捗", None),
    "Evaluation run": ("評価実行", None),
    "results": ("結果", None),
    "interrupted": ("中断されています", None),
    "Results digest": ("結果のダイジェスト", None),
    "API key, if the target needs one": ("APIキー（必要な場合）", None),
    "Resume the run": ("実行を再開", None),
    "The run was interrupted. Resuming sends only the cases that have no result yet.": (
        "この実行は中断されました。再開すると、結果のないケースだけを送ります。",
        None,
    ),
    "passed": ("合格", None),
    "errors": ("件のエラー", None),
    "Pass rate by J-AISI perspective": ("AISI評価観点ごとの合格率", None),
    "By J-AISI perspective": ("AISI評価観点ごと", None),
    "Perspective": ("評価観点", None),
    "By risk": ("リスクごと", None),
    "This run is attached as evidence to these requirements of the open guideline assessment:": (
        "この実行は、作業中の指針評価の次の項目に証跡として添付されています。",
        None,
    ),
    "The system had no open guideline assessment, so the run is kept as evidence without being "
    "attached to requirements.": (
        "このシステムには作業中の指針評価がなかったため、項目には添付せず証跡として保存しました。",
        None,
    ),
    "Inconsistent across variants": ("言い換え・変換の間で一貫しない応答", None),
    "Suggested risks": ("リスクの提案", None),
    "A test shows how often a failure happens, not how much harm it does: the likelihood is "
    "suggested, the impact is yours to judge.": (
        "テストで分かるのは不具合の起こりやすさで、被害の大きさではありません。"
        "発生可能性は提案しますが、影響度は担当者が判断してください。",
        None,
    ),
    "Failed": ("不合格", None),
    "Existing risk": ("登録済みのリスク", None),
    "suggestion:pending": ("判断待ち", "pending"),
    "suggestion:accepted": ("登録済み", "accepted"),
    "suggestion:dismissed": ("見送り", "dismissed"),
    "suggestion:superseded": ("新しい実行で置き換え", "superseded"),
    "Add to the register": ("登録簿に追加", None),
    "Raise the likelihood": ("発生可能性を引き上げる", None),
    "Dismiss": ("見送る", None),
    "No failing category: nothing to suggest.": (
        "不合格の分類はなく、提案するリスクはありません。",
        None,
    ),
    "Failing cases": ("不合格のケース", None),
    "message:system": ("システム指示", "System"),
    "message:user": ("入力", "User"),
    "message:assistant": ("応答（会話の前提）", "Assistant"),
    "Output": ("出力", None),
    "Every case passed.": ("全てのケースが合格しました。", None),
    "Compare with another run": ("別の実行と比べる", None),
    "Earlier run": ("比較する実行", None),
    "Compare": ("比較", None),
    "Compare runs": ("実行の比較", None),
    "LLM judge (optional): a target that also judges every answer against a rubric": (
        "LLMによる採点（任意）: 全ての回答を評価基準に照らして判定させる対象",
        None,
    ),
    "LLM judge": ("LLMによる採点", None),
    "The judge's API key (never stored)": ("採点に使う対象のAPIキー（保存しません）", None),
    "Fixed": ("改善したケース", None),
    "Regressed": ("悪化したケース", None),
    # Public verification
    "Check a text": ("生成物の確認", "Check content"),
    "Check a text for an AI watermark": ("AIの透かしが入っているか文章を確かめる", None),
    "Keys in use": ("使用中の鍵", None),
    "Text written by AI systems that use tekisei's watermark carries a statistical signal in "
    "its choice of words. Paste a text to see whether the signal is there. Nothing you paste "
    "is stored.": (
        "tekisei の透かしを使うAIシステムが書いた文章には、言葉の選び方に統計的な目印が含まれます。"
        "文章を貼り付けると、その目印があるかどうかを確かめられます。貼り付けた文章は保存しません。",
        None,
    ),
    "Text to check": ("確かめる文章", None),
    "Check": ("確かめる", None),
    "verdict:watermark_detected": ("透かしを検出しました", "Watermark detected"),
    "verdict:inconclusive": ("どちらとも言えません", "Inconclusive"),
    "verdict:not_detected": ("透かしは見つかりませんでした", "No watermark found"),
    "verdict:insufficient_text": ("文章が短すぎて判定できません", "Too short to tell"),
    "explain:watermark_detected": (
        "この文章には tekisei の透かしの目印がはっきり表れています。"
        "透かしを入れたAIシステムが生成した可能性が非常に高いと言えます。",
        "The text clearly carries the signal of a tekisei watermark: it is very likely to have "
        "been generated by an AI system that uses it.",
    ),
    "explain:inconclusive": (
        "目印らしい傾向はわずかにありますが、偶然でも起こりうる程度です。"
        "AIが生成したとも、人が書いたとも言えません。",
        "There is a slight tendency towards the signal, but no more than chance could give. "
        "It cannot be said whether an AI or a person wrote it.",
    ),
    "explain:not_detected": (
        "透かしの目印は見つかりませんでした。ただし、人が書いたことの証明にはなりません。"
        "透かしを使わないAIが書いた文章や、大きく手を加えた文章かもしれません。",
        "No sign of the watermark was found. This does not prove a person wrote it: it may come "
        "from an AI that does not use the watermark, or have been heavily edited.",
    ),
    "explain:insufficient_text": (
        "判定には、おおよそ50トークン（日本語でおよそ数十文字から百文字程度）以上の文章が必要です。",
        "At least about 50 tokens (a few sentences) are needed to judge.",
    ),
    "Tokens scored": ("判定に使ったトークン数", None),
    "Chance of this signal in text without the watermark": (
        "透かしのない文章でこの程度の目印が偶然現れる確率",
        None,
    ),
    "Key": ("鍵", None),
    "What the result can and cannot tell": ("この結果で分かること・分からないこと", None),
    "“Not detected” does not prove that a person wrote the text: it may come from an AI that "
    "does not use this watermark.": (
        "「見つかりませんでした」は、人が書いたことの証明ではありません。"
        "この透かしを使わないAIが書いた文章かもしれません。",
        None,
    ),
    "Edits, paraphrasing and translation weaken the signal; short texts (under about 50 "
    "tokens) cannot be judged.": (
        "書き換え、言い換え、翻訳によって目印は弱まります。短い文章（約50トークン未満）は判定できません。",
        None,
    ),
    "Only a coarse band of the statistics is shown here, so that the watermark cannot be "
    "learned from this page.": (
        "このページから透かしの仕組みを推測されないよう、統計値はおおまかな範囲だけを示しています。",
        None,
    ),
    "Check an image's content credentials": ("画像のコンテンツ認証情報を確かめる", None),
    "Images signed with tekisei carry content credentials (C2PA) saying they were generated by "
    "AI, and an invisible watermark that finds the credentials again if they were removed.": (
        "tekisei で署名した画像には、AIが生成したことを示すコンテンツ認証情報（C2PA）と、"
        "認証情報が取り除かれても元の情報を探し出せる見えない透かしが入っています。",
        None,
    ),
    "Image (PNG or JPEG)": ("画像（PNG または JPEG）", None),
    "c2pa:Trusted": (
        "認証情報は有効で、信頼できる署名者のものです",
        "Valid credentials from a trusted signer",
    ),
    "c2pa:Valid": (
        "認証情報は改ざんされていませんが、署名者はこのサービスの信頼する相手ではありません",
        "The credentials are intact, but the signer is not one this service trusts",
    ),
    "c2pa:Invalid": (
        "認証情報と画像が一致しません（改ざんの可能性があります）",
        "The credentials do not match the image (it may have been altered)",
    ),
    "Signed by": ("署名者", None),
    "Made by AI": ("AIによる生成", None),
    "Yes": ("はい", None),
    "Not stated": ("記載なし", None),
    "Generator": ("生成モデル", None),
    "Problems": ("問題", None),
    "Credentials found again through the watermark": ("透かしから認証情報を見つけました", None),
    "The image carries no credentials (they are lost when an image is re-saved), but its "
    "watermark matches an image this service signed.": (
        "この画像には認証情報がありません（画像を保存し直すと失われます）。"
        "しかし透かしが、このサービスで署名した画像と一致しました。",
        None,
    ),
    "Signed": ("署名日", None),
    "Watermark bits matched": ("一致した透かしのビット数", None),
    "No content credentials and no known watermark": (
        "認証情報も、既知の透かしも見つかりませんでした",
        None,
    ),
    "This does not prove the image was not made by AI.": (
        "AIが生成した画像ではないことの証明にはなりません。",
        None,
    ),
    "Provenance of its outputs (2(3))": ("生成物の来歴（2(3)）", None),
    "Change the mechanisms": ("仕組みを変更する", None),
    "Text watermark key": ("文章の電子透かしの鍵", None),
    "C2PA content credentials for images": ("画像のコンテンツ認証情報（C2PA）", None),
    "No": ("いいえ", None),
    "Other mechanisms": ("その他の仕組み", None),
    "Latest check of sample outputs": ("サンプル出力の最新の確認", None),
    "texts": ("文章", None),
    "images": ("画像", None),
    "not passed": ("不合格", None),
    "report": ("報告", None),
    "None yet (tekisei provenance check SYSTEM --samples DIR)": (
        "まだありません（tekisei provenance check SYSTEM --samples DIR）",
        None,
    ),
    # accounts: invitations, the organisation chooser, passwords, separation-of-duties flags
    "12 to 256 characters. Not a common password, and not containing the part of your email "
    "before the @. A sentence of several words is easy to remember.": (
        "12文字以上256文字以下。よく使われるパスワードや、メールアドレスの@より前の部分を含むものは"
        "使えません。複数の単語をつなげた文にすると覚えやすくなります。",
        None,
    ),
    "Accept and join": ("承諾して参加する", None),
    "Account created": ("アカウント作成日", None),
    "Act for this organisation": ("この組織で作業する", None),
    "Change the password": ("パスワードを変更する", None),
    "Change your password": ("パスワードの変更", None),
    "Choose an organisation": ("組織の選択", None),
    "Choose your own password. Nobody else, not even the person who invited you, learns it.": (
        "ご自身でパスワードを決めてください。招待した人を含め、他の誰にも知られません。",
        None,
    ),
    "Create my account and join": ("アカウントを作成して参加する", None),
    "Current": ("選択中", None),
    "Current password": ("現在のパスワード", None),
    "Decline the invitation": ("招待を辞退する", None),
    "Expires": ("有効期限", None),
    "Give this link to the invited person. It is shown only now, works once and expires in 7 "
    "days.": (
        "このリンクを招待する方に渡してください。表示されるのは今回限りで、使えるのは一度だけ、"
        "有効期限は7日間です。",
        None,
    ),
    "Go on with the current organisation": ("現在の組織のまま続ける", None),
    "If someone else set your password, choose your own now: until you do, you can do nothing "
    "else. Your other signed-in browsers are signed out.": (
        "パスワードが他の人によって設定された場合は、ここでご自身のパスワードに変更してください。"
        "変更するまで他の操作はできません。変更すると、他のブラウザーでのサインインは終了します。",
        None,
    ),
    "Invitation": ("招待", None),
    "Invitation code": ("招待コード", None),
    "Invitation created": ("招待を作成しました", None),
    "Invitation link": ("招待リンク", None),
    "Invitation to %(org)s": ("%(org)sへの招待", None),
    "Invitations": ("招待", None),
    "Invite": ("招待する", None),
    "Invite a person": ("メンバーを招待する", None),
    "Invited by": ("招待した人", None),
    "New password": ("新しいパスワード", None),
    "New password again": ("新しいパスワード（確認）", None),
    "Password again": ("パスワード（確認）", None),
    "Remove": ("削除", None),
    "Revoke": ("取り消す", None),
    "Sign in to accept": ("サインインして承諾する", None),
    "Switch organisation": ("組織を切り替える", None),
    "The invited person opens the link and chooses their own password, or signs in to an "
    "account they already have. Nobody else learns their password.": (
        "招待された方はリンクを開き、ご自身でパスワードを決めるか、お持ちのアカウントで"
        "サインインします。パスワードが他の人に知られることはありません。",
        None,
    ),
    "This invitation is for %(email)s; you are signed in as %(me)s. Sign out, then sign in with "
    "the invited account.": (
        "この招待は %(email)s 宛てですが、現在 %(me)s でサインインしています。"
        "サインアウトしてから、招待されたアカウントでサインインしてください。",
        None,
    ),
    "You already have a tekisei account": ("tekisei のアカウントをお持ちの方", None),
    "You are new to tekisei": ("tekisei を初めて使う方", None),
    "You belong to several organisations. Choose the one to act for; you can change it at any "
    "time from the organisation name at the top of the page.": (
        "複数の組織に所属しています。作業する組織を選んでください。"
        "ページ上部の組織名からいつでも切り替えられます。",
        None,
    ),
    "Your account": ("アカウント", None),
    "Your organisations": ("所属している組織", None),
    "invitation:pending": ("承諾待ち", "Pending"),
    "invitation:accepted": ("承諾済み", "Accepted"),
    "invitation:declined": ("辞退", "Declined"),
    "invitation:revoked": ("取り消し", "Revoked"),
    "invitation:expired": ("期限切れ", "Expired"),
    "flag:young_approver": ("承認者が新しい", "New approver"),
    "flag:approver_added_by_requester": ("承認者を申請者が追加", "Approver added by requester"),
    "flag-help:young_approver": (
        "承認した人のアカウントまたはメンバー登録が、設定された日数"
        "（TEKISEI_APPROVER_MIN_AGE_DAYS）より新しいものです。",
        "The approver's account or membership was younger than TEKISEI_APPROVER_MIN_AGE_DAYS.",
    ),
    "flag-help:approver_added_by_requester": (
        "承認した人を組織に追加した人と、承認された対象を作成した人が同じです。",
        "Whoever made the approver a member also created what was approved.",
    ),
    # evals: the allow-list of evaluation targets (issue 10, item 1)
    "Evaluation targets": ("評価対象の許可リスト", None),
    "Runs started from the web or the API (the target and the LLM judge) may reach only these "
    "hosts and the demo target. Runs the operator starts on the server with 'tekisei eval run' "
    "are not bound by this list.": (
        "Web画面やAPIから始める評価実行（対象とLLMによる採点）が接続できるのは、ここに登録した"
        "ホストとデモ用の対象だけです。運用者がサーバー上で tekisei eval run により実行する場合は、"
        "このリストの制限を受けません。",
        None,
    ),
    "No host yet: runs may reach only the demo target.": (
        "まだ登録はありません。評価実行で接続できるのはデモ用の対象だけです。",
        None,
    ),
    "Demo target (always allowed)": ("デモ用の対象（常に許可）", None),
    "Private addresses": ("プライベートアドレス", None),
    "Allowed by the operator (TEKISEI_EVAL_ALLOW_PRIVATE_TARGETS)": (
        "運用者が許可しています（TEKISEI_EVAL_ALLOW_PRIVATE_TARGETS）",
        None,
    ),
    "Not allowed: loopback, private and link-local addresses are refused even for listed hosts "
    "(TEKISEI_EVAL_ALLOW_PRIVATE_TARGETS)": (
        "許可されていません。登録したホストでも、ループバック・プライベート・リンクローカルの"
        "アドレスには接続しません（TEKISEI_EVAL_ALLOW_PRIVATE_TARGETS）",
        None,
    ),
    "Allowed hosts, one per line": ("許可するホスト（1行に1件）", None),
    "api.example.com allows the default ports (443 and 80); api.example.com:8443 that port "
    "only; *.example.com every subdomain of example.com (not example.com itself). No https:// "
    "and no path.": (
        "api.example.com と書くと既定のポート（443と80）を、api.example.com:8443 と書くとその"
        "ポートだけを許可します。*.example.com は example.com のすべてのサブドメインを許可します"
        "（example.com 自体は含みません）。https:// やパスは付けません。",
        None,
    ),
    "Save the list": ("リストを保存", None),
    "The target and the judge must be on the organisation's list of evaluation targets "
    "(organisation page), or be the demo target.": (
        "対象とLLMによる採点は、組織の評価対象の許可リスト（組織の設定ページ）に登録されているか、"
        "デモ用の対象である必要があります。",
        None,
    ),
    # evals: runs queued for the worker (issue 10, reliability)
    "Waiting for a worker to take the run up ('tekisei worker', which 'make run' starts).": (
        "ワーカーが実行を引き受けるのを待っています（tekisei worker。make run で起動します）。",
        None,
    ),
    "queued": ("実行待ち", None),
    "Cancel the run": ("実行を中止", None),
    # ---- audit log: checkpoints and anchors (issue 10 item 2)
    "Signed checkpoints up to event": ("署名付きチェックポイントの範囲（イベント番号）", None),
    "Latest anchor": ("最新のアンカー", None),
    "event": ("イベント", None),
    "the chain still extends it": ("チェーンはこのアンカーから続いています", None),
    "the chain no longer extends it": ("チェーンはこのアンカーから続いていません", None),
    "none yet": ("まだありません", None),
    "Events after the last signed checkpoint are protected by the hash chain alone until the "
    "next checkpoint (every 100 events), an export, or an anchor kept outside the database.": (
        "最後の署名付きチェックポイントより後のイベントは、次のチェックポイント（100件ごと）、"
        "エクスポート、またはデータベースの外に保管するアンカーができるまで、"
        "ハッシュチェーンだけで守られています。",
        None,
    ),
    # Inputs and storage (issue 10: request limits, disk full, risk register export)
    "The request is too large": ("送信された内容が大きすぎます", None),
    "Temporarily unavailable": ("一時的に利用できません", None),
}


def main() -> None:
    """Write ja and en catalogs."""
    for lang, index in (("ja", 0), ("en", 1)):
        catalog = Catalog(
            locale=lang,
            project="tekisei",
            version="1",
            copyright_holder="the tekisei developers",
            msgid_bugs_address="",
            last_translator="the tekisei developers",
            language_team="tekisei",
            creation_date=STAMP,
            revision_date=STAMP,
            fuzzy=False,
        )
        for message_id, translations in MESSAGES.items():
            text = translations[index]
            catalog.add(message_id, text or "")
        path = LOCALES / lang / "LC_MESSAGES" / "messages.po"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, catalog, width=100, omit_header=False, sort_output=True)


if __name__ == "__main__":
    main()
