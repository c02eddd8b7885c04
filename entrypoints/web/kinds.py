"""The kinds of invite the page offers, and which one an uploaded sheet is.

A kind is a shipped mapping file: every spreadsheet mapping in the mappings directory whose target
is a guest invitation (Graph, GT365), or a Partner Center mapping that says it invites (name or
description mentions "invite": the organization invite). Adding a kind is adding a mapping file.

Recognition compares the sheet's header row with the columns each mapping reads. A column named
with a bracketed token, as in Entra's "Bulk invite users" template (``Email address to invite
[inviteeEmail] Required``), matches any header carrying the same token, whatever the language of
the label around it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from refsync.errors import ConfigurationError
from refsync.mapping import MappingSpec, load_mapping
from refsync.records import Target
from refsync.source_spec import SpreadsheetSourceSpec

_INVITATION_TARGETS = frozenset({Target.GRAPH_INVITATION, Target.GT365_INVITATION})
_TOKEN = re.compile(r"\[([A-Za-z0-9_.]+)\]")
TARGET_LABELS = {
    Target.GRAPH_INVITATION: "Guest invitation (Microsoft Graph)",
    Target.GT365_INVITATION: "Guest invite (GT365)",
    Target.REFERRAL: "Organization invite (Partner Center)",
    Target.LEGACY_REFERRAL: "Participant invite (Partner Center, legacy)",
}


@dataclass(frozen=True, slots=True)
class InviteKind:
    """One kind of invite: the mapping that turns its sheet into requests."""

    name: str
    label: str
    spec: MappingSpec

    @property
    def path(self) -> Path:
        return self.spec.path

    @property
    def target(self) -> Target:
        return self.spec.target.type

    def needed_columns(self) -> tuple[tuple[str, ...], ...]:
        """Each column the mapping reads, with its accepted alternative spellings."""
        spec = self.spec
        names = [spec.key]
        names += [c.column for c in spec.filter]
        for field in spec.fields.values():
            names += field.source_columns()
        seen: dict[str, tuple[str, ...]] = {}
        for name in names:
            seen.setdefault(name, (name, *spec.headers.get(name, ())))
        return tuple(seen.values())


def _is_invite(spec: MappingSpec) -> bool:
    if not isinstance(spec.source, SpreadsheetSourceSpec):
        return False
    if spec.target.type in _INVITATION_TARGETS:
        return True
    words = f"{spec.name} {spec.description or ''}".casefold()
    return "invite" in words


def discover_kinds(directory: Path) -> list[InviteKind]:
    """Every invite mapping in ``directory``, sorted by label.

    A mapping file that does not load is left out rather than taking the page down: the page
    shows the kinds that work, and ``refsync mapping check`` says what is wrong with the rest.

    Raises:
        ConfigurationError: ``directory`` does not exist.
    """
    if not directory.is_dir():
        raise ConfigurationError(f"mappings directory not found: {directory}")
    kinds: list[InviteKind] = []
    for path in sorted(directory.glob("*.y*ml")):
        try:
            spec = load_mapping(path)
        except ConfigurationError:
            continue
        if _is_invite(spec):
            label = spec.description or f"{TARGET_LABELS[spec.target.type]}: {spec.name}"
            kinds.append(InviteKind(name=spec.name, label=label, spec=spec))
    return sorted(kinds, key=lambda k: k.label.casefold())


def tokens(text: str) -> frozenset[str]:
    """The bracketed tokens of a header (``[inviteeEmail]`` -> ``inviteeemail``)."""
    return frozenset(t.casefold() for t in _TOKEN.findall(text))


def column_present(alternatives: Sequence[str], headers: Iterable[str]) -> str | None:
    """The header that satisfies a needed column: same name (any case) or same token."""
    folded = {h.casefold(): h for h in headers}
    for name in alternatives:
        if name.casefold() in folded:
            return folded[name.casefold()]
    wanted = frozenset().union(*(tokens(a) for a in alternatives))
    if wanted:
        for header in folded.values():
            if tokens(header) & wanted:
                return header
    return None


@dataclass(frozen=True, slots=True)
class Recognition:
    """How well a sheet fits one kind."""

    kind: InviteKind
    found: int
    missing: tuple[str, ...]
    key_found: bool

    @property
    def fits(self) -> bool:
        return self.key_found and not self.missing


def assess(kind: InviteKind, headers: Sequence[str]) -> Recognition:
    needed = kind.needed_columns()
    missing = tuple(alts[0] for alts in needed if column_present(alts, headers) is None)
    key_found = column_present(needed[0], headers) is not None
    return Recognition(kind, len(needed) - len(missing), missing, key_found)


def recognise(kinds: Sequence[InviteKind], headers: Sequence[str]) -> InviteKind | None:
    """The one kind whose columns the sheet has, the fullest match winning; None if unsure.

    None when no kind fits, or two fit equally well: then the person picks the kind.
    """
    fitting = sorted((a for a in (assess(k, headers) for k in kinds) if a.fits),
                     key=lambda a: -a.found)
    if not fitting:
        return None
    if len(fitting) > 1 and fitting[0].found == fitting[1].found:
        return None
    return fitting[0].kind
