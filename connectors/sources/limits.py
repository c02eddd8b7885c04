"""How much of an untrusted file refsync is willing to read.

Spreadsheets arrive from people, upload forms and exports of systems we do not control, so every
reader checks these bounds *before* it yields a single row: a refused file never leaves half a run
behind. The defaults fit a 2,000,000-row export comfortably and stop zip bombs and runaway files
long before they can exhaust memory.
"""

from __future__ import annotations

from dataclasses import dataclass

MiB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class InputLimits:
    """Bounds applied to spreadsheet and CSV input.

    Attributes:
        max_file_bytes: size of the file on disk.
        max_uncompressed_bytes: total declared (and verified) size of an .xlsx's zip members.
        max_compression_ratio: uncompressed/compressed size of any zip member above 1 MiB; real
            workbooks stay far below the default, zip bombs far above it.
        max_zip_members: entries in an .xlsx archive.
        max_rows: data rows below the header.
        max_columns: columns in the header row.
    """

    max_file_bytes: int = 512 * MiB
    max_uncompressed_bytes: int = 4096 * MiB
    max_compression_ratio: float = 200.0
    max_zip_members: int = 10_000
    max_rows: int = 2_000_000
    max_columns: int = 1_000


DEFAULT_LIMITS = InputLimits()
