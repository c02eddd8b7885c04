"""The declarative mapping engine: load a mapping file, compile it, map chunks into payloads.

::

    spec = load_mapping(Path("mappings/dynamics365-leads.yaml"))
    compiled = compile_mapping(spec)
    for chunk in source.chunks(10_000):
        rows = compiled.map_frame(chunk)   # one MappedRow per input row, in order
"""

from refsync.mapping.compiler import CompiledMapping, compile_mapping, rows_summary
from refsync.mapping.loader import load_mapping, parse_mapping
from refsync.mapping.spec import FieldSpec, MappingFile, MappingSpec, WriteBackSpec

__all__ = [
    "CompiledMapping",
    "FieldSpec",
    "MappingFile",
    "MappingSpec",
    "WriteBackSpec",
    "compile_mapping",
    "load_mapping",
    "parse_mapping",
    "rows_summary",
]
