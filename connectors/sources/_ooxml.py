"""Checks an .xlsx/.xlsm package before any XML parser sees it, and reads what calamine does not.

An .xlsx is a zip of XML parts, and both layers can be weaponised: a zip bomb (a few kilobytes
that inflate to gigabytes), sizes in the zip directory that lie, and XML document type
declarations that define entities ("billion laughs", external entities). :func:`inspect_package`
refuses these by looking at the raw bytes and the zip directory (declared sizes and ratios) and
by reading the prolog of each XML part: a ``<!DOCTYPE`` may only appear before the root element,
so the prolog is the only place an ``<!ENTITY`` can be declared. A directory that lies is caught
by calamine's zip reader, which stops any entry at its declared size (its error is translated
where the workbook is loaded).

The same pass yields the two facts the fast reader does not report: which part holds which sheet,
and which columns of a sheet are hidden.
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path

from connectors.sources.limits import InputLimits, MiB
from refsync.errors import InputError

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_READ = 1 * MiB
_PROLOG_LIMIT = 64 * 1024
LYING_SIZE = "larger than its declared uncompressed size"
"""What calamine's zip reader says when an entry inflates past the size its directory declares."""
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_COL = re.compile(rb"<(?:\w+:)?col\b([^>]*)>")
_ATTR = re.compile(rb"(\w+)\s*=\s*[\"']([^\"']*)[\"']")


@dataclass(frozen=True, slots=True)
class Package:
    """What the guard learned: each sheet's part, and the hidden columns of each part."""

    sheet_parts: dict[str, str]
    hidden_columns: dict[str, frozenset[int]]


def inspect_package(path: Path, limits: InputLimits) -> Package:
    """Refuse a dangerous or broken package; otherwise describe its sheets.

    Raises:
        InputError: with the specific reason (empty, not a zip, legacy/encrypted workbook,
            corrupt, too large, zip bomb, lying sizes, DTD/entities, not a workbook).
    """
    name = path.name
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"{name} is an empty file (0 bytes)")
    if size > limits.max_file_bytes:
        raise InputError(
            f"{name} is too large: {size} bytes; the limit is {limits.max_file_bytes} bytes"
        )
    with path.open("rb") as handle:
        magic = handle.read(8)
    if magic == _OLE2_MAGIC:
        raise InputError(
            f"{name} is not an .xlsx but an OLE2 file: a legacy .xls or a password-protected "
            "workbook; remove the password and save it as .xlsx"
        )
    if not magic.startswith(b"PK"):
        hint = " (it looks like text: a CSV or HTML file renamed?)" if _is_text(magic) else ""
        raise InputError(f"{name} is not an .xlsx: an .xlsx is a zip archive{hint}")
    try:
        with zipfile.ZipFile(path) as archive:
            return _inspect(archive, path, limits)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError) as exc:
        raise InputError(f"{name} is a corrupt .xlsx: {exc}") from exc


def _is_text(magic: bytes) -> bool:
    return all(32 <= b < 127 or b in b"\t\r\n" for b in magic.lstrip(b"\xef\xbb\xbf"))


def _inspect(archive: zipfile.ZipFile, path: Path, limits: InputLimits) -> Package:
    name = path.name
    members = archive.infolist()
    if len(members) > limits.max_zip_members:
        raise InputError(
            f"{name} holds {len(members)} zip entries; the limit is {limits.max_zip_members}"
        )
    names = {m.filename for m in members}
    if "xl/workbook.xml" not in names:
        raise InputError(
            f"{name} is a zip archive but not a workbook (no xl/workbook.xml): "
            "is it a .docx, .pptx or another archive renamed?"
        )
    declared = sum(m.file_size for m in members)
    if declared > limits.max_uncompressed_bytes:
        raise InputError(
            f"{name} would inflate to {declared} bytes; the limit is "
            f"{limits.max_uncompressed_bytes} bytes"
        )
    for member in members:
        if member.flag_bits & 0x1:
            raise InputError(f"{name} has an encrypted entry ({member.filename})")
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > MiB and ratio > limits.max_compression_ratio:
            raise InputError(
                f"{name} looks like a zip bomb: {member.filename} inflates {ratio:.0f}-fold "
                f"(limit {limits.max_compression_ratio:.0f})"
            )
    heads = {member.filename: _member_head(archive, member, name) for member in members}
    sheet_parts = _sheet_parts(archive, name)
    hidden = {part: _hidden_columns(heads.get(part, b"")) for part in sheet_parts.values()}
    return Package(sheet_parts, hidden)


def _member_head(archive: zipfile.ZipFile, member: zipfile.ZipInfo, name: str) -> bytes:
    """Check the prolog of an XML entry; return the first bytes of a worksheet part.

    Only the head is inflated: the zip reader inside calamine refuses any entry that inflates
    past its declared size (see :data:`LYING_SIZE`), so the declared sizes checked above bound
    what it will ever produce, and a full inflation here would only double the cost of a read.
    """
    if member.compress_type not in (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED):
        raise InputError(
            f"{name}: {member.filename} uses an unsupported compression ({member.compress_type})"
        )
    if not member.filename.endswith((".xml", ".rels", ".vml")):
        return b""
    with archive.open(member) as stream:
        head = stream.read(_READ)
    _check_prolog(head, member.filename, name)
    return head if member.filename.startswith("xl/worksheets/") else b""


def _check_prolog(head: bytes, part: str, name: str) -> None:
    """Refuse a document type declaration before the root element of an XML part."""
    text = _decode_head(head[:_PROLOG_LIMIT])
    position = 0
    while True:
        position = _skip_space(text, position)
        if text.startswith("<?", position):
            end = text.find("?>", position)
        elif text.startswith("<!--", position):
            end = text.find("-->", position)
        elif text.startswith("<!", position):
            raise InputError(
                f"{name} is refused: {part} declares a DOCTYPE (XML entities are not allowed "
                "in workbooks)"
            )
        else:
            return
        if end < 0:
            if len(head) >= _PROLOG_LIMIT:
                raise InputError(f"{name} is refused: {part} has an oversized XML prolog")
            return
        position = end + 2


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n\ufeff":
        position += 1
    return position


def _decode_head(head: bytes) -> str:
    if head.startswith((b"\xff\xfe", b"<\x00")):
        return head.decode("utf-16-le", "replace")
    if head.startswith((b"\xfe\xff", b"\x00<")):
        return head.decode("utf-16-be", "replace")
    return head.decode("utf-8", "replace")


def _parse_small(archive: zipfile.ZipFile, part: str, name: str) -> ET.Element:
    try:
        data = archive.read(part)
        return ET.fromstring(data)  # noqa: S314 - prolog checked: no DTD, no entities
    except (KeyError, ET.ParseError) as exc:
        raise InputError(f"{name} is a corrupt .xlsx: cannot read {part}: {exc}") from exc


def _sheet_parts(archive: zipfile.ZipFile, name: str) -> dict[str, str]:
    workbook = _parse_small(archive, "xl/workbook.xml", name)
    targets: dict[str, str] = {}
    if "xl/_rels/workbook.xml.rels" in archive.namelist():
        rels = _parse_small(archive, "xl/_rels/workbook.xml.rels", name)
        for rel in rels.iter(f"{{{_PKG_REL_NS}}}Relationship"):
            target = rel.get("Target", "")
            part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join("xl", target)
            )
            targets[rel.get("Id", "")] = part
    parts: dict[str, str] = {}
    for sheet in workbook.iter(f"{{{_MAIN_NS}}}sheet"):
        rel_id = sheet.get(f"{{{_REL_NS}}}id", "")
        if rel_id in targets:
            parts[sheet.get("name", "")] = targets[rel_id]
    return parts


def _hidden_columns(head: bytes) -> frozenset[int]:
    """0-based indexes of columns marked hidden in a sheet's ``<cols>`` (before its data)."""
    end = head.find(b"sheetData")
    region = head if end < 0 else head[:end]
    hidden: set[int] = set()
    for match in _COL.finditer(region):
        attrs = {k.decode(): v.decode() for k, v in _ATTR.findall(match.group(1))}
        if attrs.get("hidden") in ("1", "true"):
            try:
                low, high = int(attrs["min"]), int(attrs["max"])
            except (KeyError, ValueError):
                continue
            hidden.update(range(low - 1, min(high, 16384)))
    return frozenset(hidden)
