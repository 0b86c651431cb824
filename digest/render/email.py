"""Issue -> HTML email: Jinja renders MJML, MRML compiles it, premailer inlines the CSS."""

from __future__ import annotations

import logging
import re
from functools import cache
from typing import Any

import jinja2

from digest.config import Config
from digest.errors import TemplateError
from digest.model import Issue
from digest.render.context import issue_context
from digest.render.environment import render_template
from digest.render.translation import wrapper_in_language

TEMPLATE = "email.mjml.j2"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_MJML_RESET = '<style type="text/css">\n#outlook a'


def render_email(issue: Issue, config: Config, env: jinja2.Environment, *, web: bool) -> str:
    """The email (web=False) or its web version (web=True: no "view in browser" link)."""
    from mjml import mjml2html  # imported here: a build with nothing to render never loads it

    mjml = render_template(env, TEMPLATE, **issue_context(issue, config, web=web))
    try:
        # fonts={}: never pull web fonts from Google (privacy, and the font stack is the system's)
        # characters XML forbids make MRML refuse the whole document: content must never do that
        html = mjml2html(_NOT_XML.sub("", mjml), fonts={})
    except ValueError as error:
        raise TemplateError(f"templates/{TEMPLATE}: not valid MJML: {error}") from None
    html = wrapper_in_language(html, config)  # ARIA role description, xml:lang
    # Browsers read <style>: only the email needs its CSS inlined (premailer is most of the render time)
    return html if web else inline_css(html)


_RULES_CACHE: dict[tuple[str, int], tuple[list[Any], list[Any]]] = {}
_RULES_KEPT = 32  # the templates' few stylesheets; a bound all the same


@cache
def _premailer() -> type[Any]:
    """Premailer that turns each stylesheet into rules once per process, not once per issue.

    Its own cache keeps cssutils' parsed sheet, but every issue still serialises each of its
    declarations again (about half of what premailer spends); the CSS comes from the templates,
    so every issue of a build has the same few stylesheets and gets the same rules.
    """
    from premailer import Premailer  # ~0.4 s to import: only when an issue is really rendered

    class CachingPremailer(Premailer):
        def _parse_style_rules(
            self, css_body: str, ruleset_index: int
        ) -> tuple[list[Any], list[Any]]:
            key = (css_body, ruleset_index)
            if key not in _RULES_CACHE:
                if len(_RULES_CACHE) >= _RULES_KEPT:
                    _RULES_CACHE.clear()
                _RULES_CACHE[key] = super()._parse_style_rules(css_body, ruleset_index)
            rules, leftover = _RULES_CACHE[key]
            return list(rules), list(leftover)  # transform() extends and keeps what it gets

    return CachingPremailer


def inline_css(html: str) -> str:
    """Inline the CSS for clients that drop <style>; keep the media queries and Outlook comments."""
    premailer = _premailer()
    # premailer keeps a doctype only when it matches lxml's spelling exactly
    if html[:15].lower() == "<!doctype html>":
        html = "<!DOCTYPE html>" + html[15:]
    # MJML's reset (table, td, p, img) belongs in <head>, as MJML itself leaves it: inlined into
    # every cell it would cost ~100 bytes per element, and Gmail clips messages over 102 KB.
    html = html.replace(
        _MJML_RESET, '<style type="text/css" data-premailer="ignore">\n#outlook a', 1
    )
    inlined = premailer(
        html,
        keep_style_tags=True,
        strip_important=False,
        allow_network=False,
        disable_validation=True,
        cssutils_logging_level=logging.CRITICAL,
        exclude_pseudoclasses=True,
        remove_classes=False,
        # MJML sets width/height attributes for Outlook; premailer would copy "100%" from CSS over them
        disable_basic_attributes=["width", "height"],
        # premailer re-parses every <img>'s style with cssutils (validating) to copy a float into
        # align="…": two thirds of its time. Only CSS in this document could make one float.
        align_floating_images="float" in html,
    ).transform()
    return inlined if inlined.endswith("\n") else inlined + "\n"
