"""Model output on a page: highlighted on the server, always escaped."""

from __future__ import annotations

from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import HtmlLexer, JavascriptLexer, PythonLexer, TextLexer

__all__ = ["highlighted"]

_FORMATTER = HtmlFormatter(cssclass="hl")


def highlighted(code: str, language: str, kind: str = "") -> Markup:
    """``code`` as highlighted HTML; Pygments escapes every character of the input."""
    return Markup(highlight(code, _lexer(language, kind), _FORMATTER))


def _lexer(language: str, kind: str) -> Lexer:
    if kind == "webdev":
        return HtmlLexer()
    if language == "python":
        return PythonLexer()
    if language in ("javascript", "typescript"):
        return JavascriptLexer()
    return TextLexer()
