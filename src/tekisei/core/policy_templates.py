"""The templates a new policy starts from, one per kind, in Japanese and English.

The wording is tekisei's own, written from the guideline's items (1(2) the ten elements,
1(3) the basic policies, 2(1)-2(5), 3(1)-3(4) and their footnotes); it is not a text of
the government or of any other body. An organisation edits it into its own policy before
an executive approves it. ``{organisation}`` is replaced by the organisation's name.
"""

from __future__ import annotations

from tekisei.core.policies import PolicyContent, PolicyKind, PolicyText

TEMPLATE_VERSION = "tekisei-policy-templates/1"
"""Named on every draft started from these templates (and shown with it)."""

_BASIC_JA = """## 1. 目的
{organisation}（以下「当組織」）は、AIがもたらす便益を最大化しつつ、そのリスクを受容可能な水準で管理するため、AIの研究開発と活用についての基本方針を定めます。

## 2. 適用範囲
当組織が開発・提供・利用する全てのAIシステムと、それに関わる全ての役職員と委託先に適用します。

## 3. 大切にすること
- 人間中心: 人間の尊厳と基本的人権を尊重し、法令を守ります。AIを使う範囲や条件は、人が最終的に判断します。
- 公平性: AIの活用によって、不当な偏見や差別を生じさせたり、助長したりしないようにします。
- 安全性: 生命・身体・財産などに危害を及ぼさないようにします。
- 透明性: 必要かつ技術的に可能な範囲で情報を開示し、後から検証できるよう記録を残します。
- アカウンタビリティ: 責任の所在を明らかにし、責任を果たすための仕組みを整えます。
- セキュリティ: 不正な操作による意図しない動作や停止を防ぐ対策をとります。
- プライバシー・個人情報: 扱うデータの重要性に応じてプライバシーを守り、個人情報保護法などの法令を守ります。
- 公正競争: 有利な立場を利用した不当なデータの収集など、不公正な取引を行いません。
- AIリテラシー: 役職員が必要な知識と能力を身につけ、倫理観を持ってAIを扱えるようにします。
- イノベーション: 環境負荷の低減を含む持続可能性に配慮しながら、社会の課題の解決に役立つAIの活用に取り組みます。

## 4. リスクに応じた取組
AIシステムごとにリスクを特定・評価し、利用分野や目的を踏まえた影響の大きさに応じて対策を講じます。必要に応じてレッドチーミングなどの内部テストや独立した外部テストを行い、見つかった課題に対処します。

## 5. ステークホルダーとの関わり
AIの便益やリスクの影響を受ける人々（データの保有者や生成物を扱う人など、直接は関わらない人を含みます）の声を聞き、協働して課題の解決に取り組みます。

## 6. ガバナンス体制
- AIガバナンスの責任者を置き、経営層が関与してAIの利用状況とリスクを監視・評価します。
- 設計・開発・提供・運用・廃止のライフサイクル全体を通じて、段階ごとに確認と承認を行います。
- 情報セキュリティや品質管理など、既存の管理の仕組みも活用します。

## 7. 情報の開示と問い合わせ
AIを提供する際は、その仕組みと限界、禁止事項、データの扱い、出力の信頼性についての注意と、問い合わせ窓口を利用者に示します。

## 8. 教育・研修
役職員に対し、AIの特性とリスク、この方針の内容についての教育・研修を定期的に行います。

## 9. 見直し
技術の進歩や社会の変化、インシデントの発生などを踏まえ、少なくとも年に一度この方針を見直し、改善を続けます。
"""

_BASIC_EN = """## 1. Purpose
{organisation} (“we”) sets out this policy on the research, development and use of AI in order to make the most of its benefits while keeping its risks at an acceptable level.

## 2. Scope
It applies to every AI system we develop, provide or use, and to all our officers, staff and contractors who work with them.

## 3. What we hold to
- Human-centred: we respect human dignity and fundamental rights and obey the law. People make the final call on where and how AI is used.
- Fairness: our use of AI does not create or reinforce unjust bias or discrimination.
- Safety: it does no harm to life, body or property.
- Transparency: we disclose what is necessary and technically possible, and keep records so that what happened can be checked afterwards.
- Accountability: we make clear who is responsible and put in place the means to meet that responsibility.
- Security: we take measures against manipulation that would make AI behave in unintended ways or stop.
- Privacy and personal data: we protect privacy in proportion to the data we handle and comply with the Act on the Protection of Personal Information and other laws.
- Fair competition: we do not trade unfairly, for instance by using a strong position to collect data improperly.
- AI literacy: our staff gain the knowledge and skills they need and handle AI ethically.
- Innovation: we use AI to help solve problems in society, with care for sustainability, including lower environmental load.

## 4. Acting on risk
For each AI system we identify and assess the risks and take measures in proportion to the impact, given its field and purpose. Where needed we run internal tests such as red teaming and independent external tests, and act on what they find.

## 5. Working with stakeholders
We listen to the people affected by the benefits and risks of AI — including those not directly involved, such as data holders and people who handle its outputs — and work with them to solve problems.

## 6. Governance
- We appoint a person responsible for AI governance; senior management takes part in monitoring and evaluating how AI is used and what risks it carries.
- We check and approve each stage of the lifecycle: design, development, provision, operation and retirement.
- We build on the management systems we already have, such as information security and quality management.

## 7. Disclosure and questions
When we provide AI, we tell its users how it works and where its limits lie, what it must not be used for, how data is handled, how far its output can be relied on, and where to ask.

## 8. Training
We train our staff regularly on the nature and risks of AI and on this policy.

## 9. Review
We review this policy at least once a year, and whenever technology, society or an incident calls for it, and keep improving it.
"""

_USE_JA = """## 1. 目的
この規程は、{organisation}の役職員が業務でAI（生成AIを含みます）を適正に利用するために守る事項を定めます。

## 2. 対象
業務で利用する全てのAIサービスとAIシステム（社外のサービスを含みます）、それを利用する全ての役職員・派遣社員・委託先に適用します。

## 3. 利用できるAI
- 業務で利用できるのは、AIガバナンスの責任者が利用を認めたAIサービスとAIシステムに限ります。
- 新しいAIサービスを利用したいときは、事前に申請し、承認を受けてください。

## 4. 入力してはならない情報
- 個人情報と要配慮個人情報（本人の同意や法令上の根拠がある場合を除きます）
- 取引先などから預かった秘密情報と、当組織の営業秘密
- 利用が認められていない第三者の著作物

## 5. 出力の扱い
- AIの出力には、誤りや、事実と異なるもっともらしい内容（ハルシネーション）が含まれることがあります。根拠を確かめてから使ってください。
- 重要な判断は、AIの出力だけに頼らず、人が最終的に行います。
- 生成物を社外に出すときは、他者の権利を侵害していないかを確かめ、必要に応じてAIで生成したことを示します。

## 6. 禁止事項
- 雇用や人事評価などで、人を不当に差別する目的での利用
- 偽・誤情報の作成や拡散、誹謗中傷、なりすまし
- 法令や契約に反する利用、他者の権利を侵害する利用
- セキュリティ対策をすり抜ける目的での利用

## 7. 問題に気づいたとき
誤った出力による影響、情報漏えいのおそれ、不適切な利用に気づいたときは、速やかにAIガバナンスの担当窓口に報告してください。

## 8. 教育と確認
AIを業務で利用する役職員は、定められた研修を受け、この規程を確認したことを記録します。

## 9. 違反への対応
この規程に違反した場合は、就業規則などに基づいて対応します。
"""

_USE_EN = """## 1. Purpose
These rules set out what the officers and staff of {organisation} observe so that AI, generative AI included, is used properly at work.

## 2. Scope
They apply to every AI service and AI system used at work, outside services included, and to all officers, staff, agency workers and contractors who use them.

## 3. Which AI may be used
- Only AI services and systems that the person responsible for AI governance has approved may be used at work.
- To use a new AI service, apply for it and wait for approval first.

## 4. What must not be entered
- Personal information and special-care personal information (unless the person has consented or the law provides a basis)
- Confidential information entrusted to us by business partners and others, and our own trade secrets
- Works of third parties that we have no permission to use

## 5. Using outputs
- AI output can contain errors, and untrue content that sounds convincing (hallucination). Check the grounds before you use it.
- Important decisions are made by a person, not by AI output alone.
- Before generated content leaves the organisation, check that it infringes no one's rights, and say that it was generated by AI where appropriate.

## 6. Prohibited uses
- Using AI to treat people unfairly, in hiring or staff evaluation for instance
- Creating or spreading false information, defamation or impersonation
- Uses that break the law or a contract, or infringe the rights of others
- Uses meant to get around security measures

## 7. When something goes wrong
If you notice harm caused by wrong output, a possible leak of information, or misuse, report it to the AI governance contact at once.

## 8. Training and acknowledgement
Staff who use AI at work take the required training and record that they have read these rules.

## 9. Breaches
Breaches of these rules are dealt with under the work rules and other regulations.
"""

_PROCUREMENT_JA = """## 1. 目的
この方針は、{organisation}がAIを含む製品・サービスを調達・委託する際に、リスクを確認して適正性を確保するための考え方を定めます。

## 2. 調達の前に確認すること
- 利用の目的と分野を明らかにし、影響の大きさに応じてリスクを評価します。
- 提供者から、AIの仕組みと限界、学習データの出所、禁止事項、出力の信頼性についての情報を受け取ります。
- 個人情報と秘密情報の扱い（保存する場所と期間、学習に使われるかどうか）を確かめます。
- セキュリティ対策と、障害時の連絡・復旧の体制を確かめます。

## 3. 契約で定めること
- 責任の分担と、インシデントが起きたときの報告と協力の方法
- 入力データと生成物の権利、利用できる範囲
- 監査や評価への協力、モデルや仕様の重要な変更の事前の通知

## 4. 導入した後の管理
導入した後も、利用状況と出力の品質を定期的に確かめ、問題があれば提供者と協議して改善します。調達したAIシステムはAIシステム台帳に登録し、リスクを評価します。

## 5. 公正な取引
特定の事業者への過度な依存を避け、公正な競争に配慮して調達します。

## 6. 開発・実証の機会（国・地方公共団体の場合）
公共調達を通じて、AIの開発・実証の機会を提供することを検討します。
"""

_PROCUREMENT_EN = """## 1. Purpose
This policy sets out how {organisation} checks the risks and ensures appropriateness when it procures or outsources products and services that include AI.

## 2. Before procurement
- Make the purpose and field of use clear, and assess the risks in proportion to the impact.
- Obtain from the provider information on how the AI works and its limits, where its training data comes from, what it must not be used for, and how far its output can be relied on.
- Check how personal and confidential information is handled: where and how long it is kept, and whether it is used for training.
- Check the security measures, and how the provider reports and recovers from failures.

## 3. What the contract settles
- How responsibility is shared, and how incidents are reported and handled together
- Rights to input data and generated output, and how they may be used
- Cooperation with audits and evaluations, and advance notice of significant changes to the model or specification

## 4. After introduction
After introduction we keep checking how the AI is used and the quality of its output, and agree improvements with the provider when problems arise. Every AI system procured is entered in the AI system inventory and its risks are assessed.

## 5. Fair dealing
We avoid undue dependence on any one supplier and procure with fair competition in mind.

## 6. Development and trial opportunities (national and local government)
We consider offering opportunities to develop and trial AI through public procurement.
"""

_DATA_JA = """## 1. 目的
この方針は、{organisation}がAIの学習・評価・運用に使うデータを適正に扱うための考え方を定めます。

## 2. データの記録
AIシステムごとに、使用するモデルと学習データの出所、ライセンス、個人情報の有無と取得の根拠、著作物の扱い、保存期間、データの保有者を記録し、変更の履歴を残します。

## 3. 個人情報とプライバシー
個人情報保護法などの法令を守り、利用目的の範囲内でデータを扱います。要配慮個人情報は、本人の同意など法令上の根拠がある場合に限って扱います。

## 4. 著作物と知的財産
著作物を学習などに使う場合は、著作権法第30条の4などの規定を踏まえて検討し、その内容を記録します。権利者の利益を不当に害することのないよう配慮します。

## 5. データの保有者との対話
データの保有者と、データの適正な活用の在り方について継続的に対話します。オプトアウトの求めには、できる限り応じます。

## 6. 開示の求めへの対応
学習データなどの開示を求められたときは、できる限り対応します。技術的な制約がある場合や営業秘密に当たる場合でも、まず真摯に検討し、協議します。

## 7. 品質と保存
データの品質と偏りを確かめ、定めた期間を過ぎたデータは適切に削除します。
"""

_DATA_EN = """## 1. Purpose
This policy sets out how {organisation} handles the data it uses to train, evaluate and run AI.

## 2. Records of data
For each AI system we record the models used and, for its training data, the source, the licence, whether it holds personal information and on what basis it was obtained, how copyrighted works were considered, how long it is kept and who holds it, and we keep the history of changes.

## 3. Personal information and privacy
We comply with the Act on the Protection of Personal Information and other laws and use data only within its stated purpose. Special-care personal information is handled only where the law provides a basis, such as the person's consent.

## 4. Copyright and intellectual property
Where copyrighted works are used for training or similar purposes, we consider Article 30-4 of the Copyright Act and other provisions and record our reasoning, taking care not to harm the interests of rights holders unreasonably.

## 5. Working with data holders
We keep talking with the holders of the data about how it is properly used, and honour opt-out requests as far as we can.

## 6. Requests for disclosure
When asked to disclose training data, we respond as far as possible. Even where technical limits apply or the data is a trade secret, we first consider the request in good faith and discuss it.

## 7. Quality and retention
We check data for quality and bias, and delete data properly once its retention period has passed.
"""

_INCIDENT_JA = """## 1. 目的
この方針は、AIシステムの誤作動、不適切な出力、悪用、情報漏えいなど（以下「インシデント」）が起きたときに、被害を最小限にとどめ、早く復旧し、再発を防ぐための対応を定めます。

## 2. 報告
インシデントやそのおそれに気づいた人は、直ちにAIガバナンスの担当窓口に報告します。報告した人が不利益を受けることはありません。

## 3. 初動の対応
- 影響の範囲と重大さを判断し、必要に応じてAIシステムを止めるか、代わりの手段に切り替えます。
- 事業継続計画に沿って、業務への影響を最小限にとどめます。

## 4. 原因の究明と是正
原因を調べ、是正措置と再発防止策を講じます。見つかったリスクはリスク登録簿に記録し、対策の進み具合を管理します。

## 5. 連絡と公表
影響を受けた人や関係機関に、必要な情報を速やかに伝えます。必要に応じて、経緯と対応を公表します。

## 6. 記録と見直し
インシデントの経緯、判断、対応を記録して残し、AIガバナンスの見直しに生かします。
"""

_INCIDENT_EN = """## 1. Purpose
This policy sets out what we do when an AI system malfunctions, produces inappropriate output, is misused, leaks information or the like (an “incident”), so that harm stays small, service recovers quickly and the incident does not happen again.

## 2. Reporting
Anyone who notices an incident, or the risk of one, reports it to the AI governance contact at once. No one is disadvantaged for reporting.

## 3. First response
- Judge the extent and severity of the impact and, where needed, stop the AI system or switch to a fallback.
- Follow the business continuity plan to keep the impact on operations as small as possible.

## 4. Cause and correction
Investigate the cause and take corrective and preventive action. Record the risks found in the risk register and track the measures taken.

## 5. Informing and publishing
Give the people affected and the authorities concerned the information they need without delay. Where appropriate, publish what happened and what was done.

## 6. Records and review
Keep a record of the course of the incident, the decisions taken and the response, and use it to improve AI governance.
"""

TEMPLATES: dict[PolicyKind, tuple[tuple[str, str], tuple[str, str]]] = {
    PolicyKind.BASIC: (("AI基本方針", _BASIC_JA), ("Basic AI Policy", _BASIC_EN)),
    PolicyKind.ACCEPTABLE_USE: (("AI利用規程", _USE_JA), ("AI Acceptable Use Rules", _USE_EN)),
    PolicyKind.PROCUREMENT: (
        ("AI調達方針", _PROCUREMENT_JA),
        ("AI Procurement Policy", _PROCUREMENT_EN),
    ),
    PolicyKind.DATA: (("データ取扱方針", _DATA_JA), ("Data Handling Policy", _DATA_EN)),
    PolicyKind.INCIDENT_RESPONSE: (
        ("インシデント対応方針", _INCIDENT_JA),
        ("AI Incident Response Policy", _INCIDENT_EN),
    ),
}
"""Each kind's template: (Japanese title and body, English title and body)."""


def template(kind: PolicyKind, organisation: str) -> PolicyContent:
    """The template of ``kind`` in both languages, naming ``organisation`` (taken as it
    is: the name is data, never a format string)."""
    (ja_title, ja_body), (en_title, en_body) = TEMPLATES[kind]
    return PolicyContent(
        ja=PolicyText(title=ja_title, body=ja_body.replace("{organisation}", organisation)),
        en=PolicyText(title=en_title, body=en_body.replace("{organisation}", organisation)),
    )
