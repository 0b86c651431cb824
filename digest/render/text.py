"""Issue -> the text/plain part of the email, from email.txt.j2."""

from __future__ import annotations

import jinja2

from digest.config import Config
from digest.model import Issue
from digest.render.context import issue_context
from digest.render.environment import render_template

TEMPLATE = "email.txt.j2"
SIGNATURE_SEPARATOR = "-- "  # RFC 3676: clients fold away what follows, its trailing space matters


def render_text(issue: Issue, config: Config, env: jinja2.Environment) -> str:
    """Readable plain text: headings underlined, summaries wrapped at 72 columns, URLs in full."""
    text = render_template(env, TEMPLATE, **issue_context(issue, config, web=False))
    # templates leave runs of blank lines where optional parts are missing; keep at most two
    lines: list[str] = []
    for line in text.splitlines():
        line = line if line == SIGNATURE_SEPARATOR else line.rstrip()
        if line or lines[-2:] != ["", ""]:
            lines.append(line)
    return "\n".join(lines).strip("\n") + "\n"
