"""Every message of the project's catalogues has a zh-hans translation: an empty or fuzzy msgstr fails, naming it.

(The catalogues are read as the gettext tools write them: a small reader, so the test needs no extra library.)
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = [
    *sorted(ROOT.glob("*/locale/zh_Hans/LC_MESSAGES/django.po")),
    ROOT / "locale/zh_Hans/LC_MESSAGES/django.po",
]


def entries(path: Path):
    """(context, msgid, [msgstr...], fuzzy) per live entry (obsolete '#~' entries are skipped)."""
    entry, field, fuzzy = None, None, False
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if entry and entry.get("msgid"):
                yield entry.get("msgctxt", ""), entry["msgid"], entry["msgstr"], fuzzy
            entry, field, fuzzy = None, None, False
            continue
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        if line.startswith("#"):
            continue
        entry = entry if entry is not None else {"msgstr": []}
        if line.startswith('"'):
            value = ast.literal_eval(line)
            if field == "msgstr":
                entry["msgstr"][-1] += value
            else:
                entry[field] += value
            continue
        keyword, _, rest = line.partition(" ")
        value = ast.literal_eval(rest)
        if keyword.startswith("msgstr"):
            field = "msgstr"
            entry["msgstr"].append(value)
        else:
            field = keyword
            entry[field] = value


def test_the_catalogues_are_found():
    assert len(CATALOGUES) == 4
    assert all(path.exists() for path in CATALOGUES)


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_message_has_a_chinese_translation(path):
    missing = [
        f"{context + ' | ' if context else ''}{msgid}{' (fuzzy)' if fuzzy else ''}"
        for context, msgid, msgstrs, fuzzy in entries(path)
        if fuzzy or not all(msgstrs)
    ]
    assert missing == [], f"{len(missing)} untranslated in {path.relative_to(ROOT)}: {missing[:20]}"


def test_the_reader_sees_an_untranslated_message(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: zh_Hans\\n"\n\n'
        'msgctxt "state before a change"\nmsgid "From"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "To"\nmsgstr "至"\n\n'
        'msgid "Done"\nmsgstr "完成"\n',
        encoding="utf-8",
    )
    found = {(context, msgid): (msgstrs, fuzzy) for context, msgid, msgstrs, fuzzy in entries(po)}
    assert found == {
        ("state before a change", "From"): ([""], False),
        ("", "To"): (["至"], True),
        ("", "Done"): (["完成"], False),
    }


def test_an_ambiguous_word_is_translated_by_its_context():
    from django.template import Context, Template
    from django.utils import translation

    from appeals.forms import FileRequestForm

    with translation.override("zh-hans"):
        lift_start = str(FileRequestForm().fields["lift_starts_on"].label)
        audit_from = Template('{% load i18n %}{% translate "From" context "state before a change" %}').render(Context())
    assert (lift_start, audit_from) == ("起始日期", "原状态")
