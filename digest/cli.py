"""The command line: parse arguments, run the stages in order, print a summary."""


def main(argv: list[str] | None = None) -> int:
    return 0
