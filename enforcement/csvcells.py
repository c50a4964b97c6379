"""Every CSV file the system writes goes through here: a cell a spreadsheet would run as a formula is not.

OWASP's CSV-injection rule: a cell whose text begins with `=`, `+`, `-`, `@`, a tab or a carriage return is
read by Excel, LibreOffice and Google Sheets as a formula (`=HYPERLINK(...)` phishes, `=cmd|' /C calc'!A0`
runs a program through DDE). Such a cell is written with a leading apostrophe, which the spreadsheet shows as
text and does not run; the text itself is unchanged after it. A plain number (`-12.50`) is left as it is. The
full-width forms of the same signs are neutralised too: some spreadsheets convert them on input.
"""

import csv
import re

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def neutralise(value):
    """The cell as it is safe to write: a text that a spreadsheet would read as a formula gets a leading `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_LEADS) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


class SafeDictWriter(csv.DictWriter):
    """`csv.DictWriter` whose every data cell is neutralised (the header is ours and written as is)."""

    def writerow(self, rowdict):
        return super().writerow({key: neutralise(value) for key, value in rowdict.items()})

    def writerows(self, rowdicts):
        for rowdict in rowdicts:
            self.writerow(rowdict)
