"""Training-data and model records (guideline 2(2), fn 17, 2(5)): per system, the models
it uses and the datasets it learns from, each with the fields its owner chooses to
disclose publicly.

What a person writes is validated here: lengths, list sizes, and addresses that can only
be ``http://`` or ``https://`` (a ``javascript:`` or ``data:`` model-card link is refused
before anything is stored). The labels of fields and of their values live here too, in
Japanese and English, so that a published notice keeps the words it was published with.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Literal, Self, TypeVar, get_args
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

Kind = Literal["model", "dataset"]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]

MAX_URL = 2000
NOT_WEB = "give an http:// or https:// address"
UNSAFE_ADDRESS = "an address cannot contain spaces or quotes"
_UNSAFE_IN_URL = re.compile(r"[\s\"'<>\\\x00-\x1f\x7f]")


def web_address(value: str) -> str:
    """``value`` when it is empty or an ``http://``/``https://`` address with a host.

    Raises:
        ValueError: any other scheme (``javascript:``, ``data:``, ``file:`` …), no host,
            or characters an address cannot hold.
    """
    if not value:
        return value
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValueError(NOT_WEB)
    if _UNSAFE_IN_URL.search(value):
        raise ValueError(UNSAFE_ADDRESS)
    return value


WebAddress = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=MAX_URL),
    AfterValidator(web_address),
]


class PersonalData(StrEnum):
    """Kinds of personal information under the Act on the Protection of Personal
    Information (個人情報保護法, APPI)."""

    PERSONAL = "personal"
    """個人情報."""
    SPECIAL_CARE = "special_care"
    """要配慮個人情報: race, creed, medical history, criminal record, …"""
    PSEUDONYMISED = "pseudonymised"
    """仮名加工情報."""
    ANONYMISED = "anonymised"
    """匿名加工情報."""
    PERSON_RELATED = "person_related"
    """個人関連情報: e.g. cookies and browsing histories not identifying a person alone."""


class Copyrighted(StrEnum):
    """Whether a dataset holds copyrighted works."""

    UNKNOWN = "unknown"
    YES = "yes"
    NO = "no"


class OptOut(StrEnum):
    """Whether the holders of the data can have it left out, and whether that is done."""

    UNSTATED = "unstated"
    HONOURED = "honoured"
    NOT_HONOURED = "not_honoured"
    NOT_APPLICABLE = "not_applicable"


ModelField = Literal["name", "provider", "model_version", "licence", "model_card_url", "notes"]
DatasetField = Literal[
    "name",
    "source",
    "collection_method",
    "licence",
    "personal_data",
    "personal_data_basis",
    "copyrighted",
    "article_30_4",
    "opt_out",
    "opt_out_details",
    "retention",
    "data_holders",
    "notes",
]
MODEL_FIELDS: tuple[str, ...] = get_args(ModelField)
DATASET_FIELDS: tuple[str, ...] = get_args(DatasetField)


T = TypeVar("T")


def _unique(values: list[T]) -> list[T]:
    return list(dict.fromkeys(values))


class ModelFields(BaseModel):
    """What a person records about one AI model a system uses."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    provider: ShortText = ""
    model_version: ShortText = Field(default="", description="The model's version or date")
    licence: ShortText = ""
    model_card_url: WebAddress = Field(default="", description="An http(s) address, or empty")
    notes: Text = ""
    disclosed: list[ModelField] = Field(
        default_factory=list,
        max_length=len(MODEL_FIELDS),
        description="The fields shown on the system's public notice",
    )

    @model_validator(mode="after")
    def _disclosed_once(self) -> Self:
        self.disclosed = _unique(self.disclosed)
        return self


class DatasetFields(BaseModel):
    """What a person records about one dataset a system is trained on or uses."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    source: Text = Field(default="", description="Where the data comes from")
    collection_method: Text = ""
    licence: ShortText = ""
    personal_data: list[PersonalData] = Field(default_factory=list, max_length=5)
    personal_data_basis: Text = Field(
        default="", description="How acquiring and using it is lawful under the APPI"
    )
    copyrighted: Copyrighted = Copyrighted.UNKNOWN
    article_30_4: Text = Field(
        default="", description="How art. 30-4 of the Copyright Act was considered"
    )
    opt_out: OptOut = OptOut.UNSTATED
    opt_out_details: Text = ""
    retention: Text = ""
    data_holders: list[ShortText] = Field(default_factory=list, max_length=50)
    notes: Text = ""
    disclosed: list[DatasetField] = Field(
        default_factory=list,
        max_length=len(DATASET_FIELDS),
        description="The fields shown on the system's public notice",
    )

    @model_validator(mode="after")
    def _clean_lists(self) -> Self:
        self.disclosed = _unique(self.disclosed)
        self.personal_data = _unique(self.personal_data)
        self.data_holders = [h for h in _unique(self.data_holders) if h]
        return self


FIELD_LABELS: dict[str, tuple[str, str]] = {
    "name": ("名称", "Name"),
    "provider": ("提供者", "Provider"),
    "model_version": ("バージョン", "Version"),
    "licence": ("ライセンス", "Licence"),
    "model_card_url": ("モデルカード", "Model card"),
    "notes": ("備考", "Notes"),
    "source": ("出所", "Source"),
    "collection_method": ("収集方法", "How it was collected"),
    "personal_data": ("個人情報の種類", "Personal information"),
    "personal_data_basis": (
        "個人情報の取得・利用の根拠（個人情報保護法）",
        "Lawful basis for the personal information (APPI)",
    ),
    "copyrighted": ("著作物を含むか", "Copyrighted works included"),
    "article_30_4": (
        "著作権法第30条の4の検討",
        "How article 30-4 of the Copyright Act was considered",
    ),
    "opt_out": ("オプトアウトへの対応", "Opt-out requests"),
    "opt_out_details": ("オプトアウトの方法", "How to opt out"),
    "retention": ("保存期間", "Retention"),
    "data_holders": ("データ保有者", "Data holders"),
}
"""Each field in words (Japanese, English)."""

VALUE_LABELS: dict[str, tuple[str, str]] = {
    "personal_data:personal": ("個人情報", "personal information"),
    "personal_data:special_care": ("要配慮個人情報", "special-care personal information"),
    "personal_data:pseudonymised": ("仮名加工情報", "pseudonymised information"),
    "personal_data:anonymised": ("匿名加工情報", "anonymised information"),
    "personal_data:person_related": ("個人関連情報", "person-related information"),
    "copyrighted:unknown": ("確認中", "not yet known"),
    "copyrighted:yes": ("含む", "yes"),
    "copyrighted:no": ("含まない", "no"),
    "opt_out:unstated": ("未記入", "not stated"),
    "opt_out:honoured": ("申し出に応じて除外する", "honoured: the data is left out on request"),
    "opt_out:not_honoured": ("除外していない", "not honoured"),
    "opt_out:not_applicable": ("該当しない", "not applicable"),
}
"""Each choice in words (Japanese, English)."""

KIND_LABELS: dict[Kind, tuple[str, str]] = {
    "model": ("AIモデル", "AI model"),
    "dataset": ("データセット", "Dataset"),
}


class Fact(BaseModel):
    """One disclosed field of a record, in the words of one language."""

    field: str
    label: str
    value: str


class DisclosedRecord(BaseModel):
    """A record as the public sees it: only the fields its owner chose to disclose."""

    kind: Kind
    heading: str
    facts: list[Fact]


def _shown(field: str, value: object, lang: Literal["ja", "en"]) -> str:
    index = 0 if lang == "ja" else 1
    if isinstance(value, list):
        words = [VALUE_LABELS.get(f"{field}:{v}", (str(v), str(v)))[index] for v in value]
        if not words:
            return "なし" if lang == "ja" else "none"
        return ("、" if lang == "ja" else ", ").join(words)
    text = str(value.value if isinstance(value, StrEnum) else value)
    return VALUE_LABELS.get(f"{field}:{text}", (text, text))[index]


def _worth_showing(field: str, value: object) -> bool:
    """Blank fields are left out; an empty list of personal information says "none"."""
    return value != "" and (value != [] or field == "personal_data")


def disclose(
    kind: Kind, fields: ModelFields | DatasetFields, position: int, lang: Literal["ja", "en"]
) -> DisclosedRecord | None:
    """The disclosed fields of one record, labelled in ``lang``; None when it discloses
    nothing. A record whose name is not disclosed is headed by its kind and position
    (``データセット 2``), so an undisclosed name never reaches the public."""
    order = MODEL_FIELDS if kind == "model" else DATASET_FIELDS
    chosen = [f for f in order if f in fields.disclosed]
    if not chosen:
        return None
    index = 0 if lang == "ja" else 1
    heading = fields.name if "name" in chosen else f"{KIND_LABELS[kind][index]} {position}"
    facts = [
        Fact(field=f, label=FIELD_LABELS[f][index], value=_shown(f, getattr(fields, f), lang))
        for f in chosen
        if f != "name" and _worth_showing(f, getattr(fields, f))
    ]
    return DisclosedRecord(kind=kind, heading=heading, facts=facts)
