"""Errors that are the user's to fix: shown as one sentence, exit status 2, never a traceback."""


class UserError(Exception):
    """A mistake in what the user gave us (a file, an argument, a setting)."""

    exit_code = 2


class InvalidExtract(UserError):
    """An extract with one or more bad rows: the whole file is rejected."""

    def __init__(self, file_name: str, problems: list[str], more: int) -> None:
        self.file_name = file_name
        self.problems = problems
        self.more = more
        total = len(problems) + more
        noun = "problem" if total == 1 else "problems"
        super().__init__(
            f"{file_name} was not imported: {total} {noun} found, nothing was changed."
        )

    def details(self) -> list[str]:
        lines = list(self.problems)
        if self.more:
            lines.append(f"…and {self.more} more")
        return lines
