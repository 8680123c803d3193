"""Every interface string has a Chinese translation, and the compiled
catalog the app loads matches the .po file."""

from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "marketplace" / "translations" / "zh" / "LC_MESSAGES"


def _read_po():
    with open(CATALOG / "messages.po", "rb") as f:
        return read_po(f)


def test_every_string_in_the_code_is_translated_to_chinese(tmp_path):
    pot = tmp_path / "messages.pot"
    CommandLineInterface().run([
        "pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l",
        "-o", str(pot), str(ROOT)])
    with open(pot, "rb") as f:
        extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    assert len(extracted) > 50
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in _read_po()
        if m.id and not m.fuzzy and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    assert sorted(extracted - translated) == []


def test_compiled_catalog_matches_the_po_file():
    def entries(catalog):
        return {_key(m.id): _key(m.string) for m in catalog if m.id and not m.fuzzy}

    with open(CATALOG / "messages.mo", "rb") as f:
        compiled = entries(read_mo(f))
    assert compiled == entries(_read_po())


def _key(value):
    return value if isinstance(value, str) else tuple(value)
