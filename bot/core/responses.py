"""A receiver's response, read the way KumoMTA reads it (REFERENCE 4.3).

kumod logs a reply as ``code``, ``enhanced_code`` and ``content`` and matches the
bounce classifier and TSA regexes against its *single-line form*
``"<code> <class>.<subject>.<detail> <content>"`` (the enhanced code left out when
there is none).  People paste replies in every shape: with the multi-line
``550-5.7.1`` continuation prefixes joined on one line, with ``host said:`` in
front, with tabs and stray control bytes.  ``parse_response`` reads them all into a
:class:`ResponseLine`; it never fails on text, however odd.
"""

from __future__ import annotations

import re
import unicodedata

from bot.core.models import Model

INTERNAL_PREFIX = "KumoMTA internal: "
MAX_RESPONSE_CHARS = 8000
"""Longer than any real SMTP reply (RFC 5321 caps a line at 512 octets); the rest is cut."""

# `421 4.7.0 text`, `550-5.7.26 text`, `554- text`, `550 text`: code, separator, enhanced.
_LEADING = re.compile(
    r"(?P<code>[2-5]\d\d)(?:[ -]|$)\s*"
    r"(?:(?P<enhanced>[245]\.\d{1,3}\.\d{1,3})(?=\s|$|[,;:.)\]])[ -]?)?"
)
# A code followed by an enhanced code anywhere ("host mx said: 550 5.1.1 ..."): unambiguous.
_EMBEDDED = re.compile(r"(?<![\w.])(?P<code>[2-5]\d\d)[ -](?P<enhanced>[245]\.\d{1,3}\.\d{1,3})\b")
# What a multi-line reply leaves inside the text once its lines are joined: `550-5.7.1 `.
_CONTINUATION = re.compile(r"(?<![\w.])[245]\d\d[ -](?:[245]\.\d{1,3}\.\d{1,3}\s?)?(?=\S)")
_SPACES = re.compile(r"\s+")


class ResponseLine(Model):
    """One reply: SMTP code, enhanced code, content, and the text it was read from."""

    code: int | None = None
    enhanced: str | None = None
    content: str
    truncated: bool = False
    """The text was longer than ``MAX_RESPONSE_CHARS`` and was cut."""

    @property
    def single_line(self) -> str:
        """``"<code> <enhanced> <content>"``: what kumod's classifier and TSA match against."""
        parts = [str(self.code)] if self.code is not None else []
        if self.enhanced is not None:
            parts.append(self.enhanced)
        parts.append(self.content)
        return " ".join(part for part in parts if part)

    @property
    def is_internal(self) -> bool:
        """KumoMTA talking about itself (suspended queue, no eligible source...), not a receiver."""
        return self.content.startswith(INTERNAL_PREFIX)

    @property
    def code_class(self) -> int | None:
        """The first digit of the code: 2, 4 or 5 (None without a code)."""
        return None if self.code is None else self.code // 100

    @property
    def plain_text(self) -> str:
        """The content with the joined continuation prefixes (``550-5.7.1``) taken out.

        Wording that a multi-line reply split over two lines reads as one sentence again,
        so rules keyed on wording match it; TSA never sees this form.
        """
        return _SPACES.sub(" ", _CONTINUATION.sub("", self.content)).strip()


def clean_text(text: str) -> str:
    """Control characters out, every kind of space one space; what kumod does with CR/LF."""
    if text.isprintable():  # the common case: nothing to drop, only spaces to squeeze
        return _SPACES.sub(" ", text[: MAX_RESPONSE_CHARS * 2]).strip()
    out = []
    for char in text[: MAX_RESPONSE_CHARS * 2]:
        category = unicodedata.category(char)
        if char.isspace() or category in ("Zs", "Zl", "Zp"):
            out.append(" ")
        elif category not in ("Cc", "Cf", "Cs", "Co", "Cn"):
            out.append(char)
    return _SPACES.sub(" ", "".join(out)).strip()


def parse_response(text: str) -> ResponseLine:
    """Read a pasted or logged reply into code, enhanced code and content."""
    cleaned = clean_text(text)
    truncated = len(cleaned) > MAX_RESPONSE_CHARS or len(text) > MAX_RESPONSE_CHARS * 2
    cleaned = cleaned[:MAX_RESPONSE_CHARS]
    leading = _LEADING.match(cleaned)
    if leading is None:
        embedded = _EMBEDDED.search(cleaned)
        if embedded is None:
            return ResponseLine(content=cleaned, truncated=truncated)
        leading, cleaned = embedded, cleaned[embedded.start():]
        leading = _LEADING.match(cleaned)
        assert leading is not None  # the embedded form is a leading form from its start
    code = int(leading.group("code"))
    enhanced = leading.group("enhanced")
    content = cleaned[leading.end():].strip()
    return ResponseLine(code=code, enhanced=enhanced, content=content, truncated=truncated)


def response_from_parts(code: int | None, enhanced: str | None, content: str) -> ResponseLine:
    """A reply from a log record's ``response`` object (``enhanced`` as ``"4.7.0"``)."""
    cleaned = clean_text(content)
    return ResponseLine(
        code=code,
        enhanced=enhanced,
        content=cleaned[:MAX_RESPONSE_CHARS],
        truncated=len(cleaned) > MAX_RESPONSE_CHARS,
    )
