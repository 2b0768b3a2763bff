"""What is indexed about a proposal: a plain-values document and the Whoosh schema it fills.

Personal data is never indexed: the contact fields are not part of the document, and the texts
are given already masked by the caller. ``SCHEMA_VERSION`` changes whenever the schema or the
analysis changes; an index written with another version is rebuilt.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from typing import Any

from whoosh.fields import ID, STORED, TEXT, Schema

from .analysis import ANALYSER_VERSION, KoreanTokenizer, PreAnalysed, index_terms

SCHEMA_VERSION = "proposals-5"

TEXT_FIELDS = (
    "title",
    "current_regulation",
    "legal_basis",
    "problem",
    "proposed_change",
    "expected_effect",
    "decision_reasons",
)
# The texts are searched as two fields, the title and the body (every other text, in order):
# one matcher per query word and field, which keeps queries fast at a million documents. The
# texts are also stored one by one, for snippets.
BODY_FIELDS = TEXT_FIELDS[1:]
FIELD_BOOSTS = {"title": 3.0, "body": 1.0}
FACET_FIELDS = ("sector", "regulation_type", "source", "stage", "outcome", "year")
FILTER_FIELDS = (*FACET_FIELDS, "state", "channel", "campaign")


@dataclass(frozen=True)
class AnalysedTexts:
    """The indexed terms of a document's title and body, with what they were analysed from
    (``digest``) and by which analyser (``version``). Kept outside the index, they let a rebuild
    skip Kiwi; they are used only while both still match (see ``SearchDocument.fields``)."""

    version: str
    digest: str
    title: tuple[str, ...]
    body: tuple[str, ...]


@dataclass(frozen=True)
class SearchDocument:
    """One proposal as the index sees it (plain values; texts already masked)."""

    id: int
    receipt_no: str
    title: str
    current_regulation: str = ""
    legal_basis: str = ""
    problem: str = ""
    proposed_change: str = ""
    expected_effect: str = ""
    decision_reasons: str = ""
    repeal_no: int | None = None
    sector: str | None = None
    regulation_type: str | None = None
    source: str = ""
    channel: str = ""
    stage: str = ""
    state: str = ""
    outcome: str | None = None
    campaign: str | None = None
    submitted_on: str | None = None  # YYYY-MM-DD (Seoul)
    public: bool = False
    analysed: AnalysedTexts | None = None  # terms analysed earlier, if the caller kept them

    def body(self) -> str:
        """Every text but the title, in order: what the ``body`` field indexes."""
        return "\n".join(t for t in (getattr(self, name) for name in BODY_FIELDS) if t)

    def digest(self) -> str:
        """A fingerprint of the indexed texts, to tell whether kept terms still fit them."""
        raw = f"{self.title}\0{self.body()}".encode()
        return hashlib.blake2b(raw, digest_size=12).hexdigest()

    def analyse(self) -> AnalysedTexts:
        """The terms this document's title and body are indexed with (calls Kiwi)."""
        return AnalysedTexts(
            ANALYSER_VERSION, self.digest(), index_terms(self.title), index_terms(self.body())
        )

    def fields(self) -> dict[str, Any]:
        """The Whoosh fields: every value a string, empty ones left out."""
        values = {f: v for f, v in asdict(self).items() if f != "analysed"}
        out: dict[str, Any] = {
            "id": str(self.id),
            "receipt_no": self.receipt_no,
            "public": "1" if self.public else "0",
        }
        if self.repeal_no is not None:
            out["repeal_no"] = str(self.repeal_no)
        if self.submitted_on:
            out["submitted_on"] = self.submitted_on
            out["year"] = self.submitted_on[:4]
        for name in TEXT_FIELDS:
            if values[name]:
                out[name] = values[name]
        body = self.body()
        if body:
            out["body"] = body
        known = self.analysed
        if (
            known is not None
            and known.version == ANALYSER_VERSION
            and known.digest == self.digest()
        ):
            if self.title:
                out["title"] = PreAnalysed(self.title, known.title)
                out["_stored_title"] = self.title
            if body:
                out["body"] = PreAnalysed(body, known.body)
        for name in ("sector", "regulation_type", "source", "channel", "stage", "state"):
            if values[name]:
                out[name] = values[name]
        out["outcome"] = self.outcome or "none"
        if self.campaign:
            out["campaign"] = self.campaign
        return out


def build_schema() -> Schema:
    analyzer = KoreanTokenizer()
    text_fields: dict[str, Any] = {name: STORED() for name in BODY_FIELDS}
    # phrase=False: no positions in the postings. Queries are term queries and snippets are
    # highlighted from the stored text, so positions were only cost (build time, index size,
    # bytes read per query).
    text_fields["title"] = TEXT(analyzer=analyzer, stored=True, phrase=False)
    text_fields["body"] = TEXT(analyzer=analyzer, phrase=False)
    keyword_fields = {
        name: ID(stored=True, sortable=True)
        for name in (*FILTER_FIELDS, "submitted_on", "public", "repeal_no")
    }
    return Schema(
        id=ID(stored=True, unique=True),
        receipt_no=ID(stored=True),
        **keyword_fields,
        **text_fields,
    )
