"""Every text a person reads in the web pages has its Indonesian translation, compiled."""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "coordinator" / "translations" / "id" / "LC_MESSAGES"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None,
            "N_": None}


def _extracted() -> set[str]:
    with open(ROOT / "babel.cfg") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT / "coordinator"), method_map, options_map, keywords=KEYWORDS):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def _key(message_id: str | tuple[str, ...]) -> str:
    """A plural entry (ngettext) is keyed by its singular."""
    return message_id[0] if isinstance(message_id, (tuple, list)) else message_id


def _text(string: str | tuple[str, ...] | list[str]) -> str | tuple[str, ...]:
    return tuple(string) if isinstance(string, (tuple, list)) else string


def test_every_text_in_code_and_templates_is_translated_to_indonesian() -> None:
    with open(CATALOG / "messages.po", "rb") as po:
        catalog = read_po(po)
    translated = {_key(m.id) for m in catalog
                  if m.id and m.string and all(_text(m.string))}
    missing = sorted(_extracted() - translated)
    assert not missing, f"run `make translations` and translate: {missing}"


def test_the_compiled_catalog_matches_the_source() -> None:
    with open(CATALOG / "messages.po", "rb") as po, open(CATALOG / "messages.mo", "rb") as mo:
        source, compiled = read_po(po), read_mo(mo)
    assert ({_key(m.id): _text(m.string) for m in source if m.id}
            == {_key(m.id): _text(m.string) for m in compiled if m.id})
