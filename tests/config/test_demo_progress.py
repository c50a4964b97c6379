"""The demo loader shows its progress as a bar on a terminal and as a few lines in a log, never a line per case."""

import io

from django.core.management.base import OutputWrapper

from config.management.commands.demo_data import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_in_a_log_the_progress_is_a_line_per_tenth_and_the_total():
    out = io.StringIO()
    progress = Progress(OutputWrapper(out), total=300, label="Replaying")
    for n in range(1, 301):
        progress.update(n)
    progress.done()
    lines = out.getvalue().splitlines()
    assert lines[-1] == "Replaying: 300/300"
    assert len(lines) == 10  # 30, 60, ... 270, then the total


def test_on_a_terminal_the_bar_is_redrawn_on_one_line():
    out = Terminal()
    progress = Progress(OutputWrapper(out), total=4, label="Replaying")
    for n in range(1, 5):
        progress.update(n)
    progress.done()
    text = out.getvalue()
    assert text.count("\n") == 1
    assert text.rstrip("\n").rsplit("\r", 1)[-1].startswith("Replaying [##############################] 4/4")
