"""Malformed input gets a 400 (or a form or row error) with a clear message, never a 500.

Text that no person types and no database stores reaches the views only through here:

* ``MalformedInputMiddleware`` answers 400 when the path, the query string, a form or
  multipart field (its name or value) or an uploaded file's name holds a NUL character or a
  lone UTF-16 surrogate, or when the query string or a url-encoded form holds bytes that are
  not UTF-8 (Django would quietly turn those into "�"). PostgreSQL refuses NUL in text and no
  database driver can encode a lone surrogate, so such a value would otherwise fail deep inside
  a query. Django itself keeps undecodable bytes of the path percent-encoded (a 404), and its
  multipart parser replaces them with "�" and drops unprintable characters from file names.
  A path segment that is a number longer than any database id is a 404 here: Python refuses
  to read more than 4,300 digits, and Wagtail's document URLs would pass them on.
* ``IgnoreMalformedCookiesMiddleware`` drops cookies with such text before the session is
  read, so a forged cookie is a visitor without a session, not a 500 on every page.
* ``load_json`` parses JSON with a nesting limit (the parser would raise RecursionError) and a
  length limit for numbers (Python refuses to convert more than 4,300 digits, raising
  ValueError), and refuses NUL and lone surrogates written as ``\\u0000`` or ``\\ud800``.
* ``decode_text`` reads an uploaded text file: UTF-8 with or without byte order mark, no NUL.
* ``whole_number`` reads a non-negative number of ASCII digits that fits a database id
  (``str.isdigit`` accepts "²", which ``int`` refuses).

The 400 page is ``templates/400.html`` (also Django's ``handler400``, see ``bad_request``);
machine clients (``/api/``, JSON requests) get ``{"error": message}``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_to_bytes

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

# A NUL character or a UTF-16 surrogate code point, which in a Python string is always unpaired.
_UNSAFE = re.compile("[\x00\ud800-\udfff]")
# Paths under which the answer is JSON for machines (lms/urls.py mounts the API here).
JSON_PATH_PREFIXES = ("/api/",)
MAX_JSON_DEPTH = 32
MAX_JSON_NUMBER_LENGTH = 100
# Database ids are 64-bit; a longer number names nothing and SQLite cannot even compare it.
MAX_ID = 2**63 - 1
_ASCII_DIGITS = re.compile(r"[0-9]+")
_JSON_SPECIAL = re.compile(r'[\[\]{}"\\]')


class MalformedInput(ValueError):
    """Input that cannot be text; ``message`` says where and why, for the person who sent it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotUtf8(MalformedInput):
    """Bytes that are not UTF-8; ``byte`` is the position (from 1) of the first bad byte."""

    def __init__(self, message: str, *, byte: int) -> None:
        super().__init__(message)
        self.byte = byte


def unsafe_character(text: str) -> str | None:
    """Why ``text`` cannot be stored, or None: a NUL character or a lone surrogate."""
    match = _UNSAFE.search(text)
    if match is None:
        return None
    if match.group() == "\x00":
        return _("a NUL character (byte 0)")
    return _("an unpaired UTF-16 surrogate (U+%(code)04X), which is not a character") % {
        "code": ord(match.group())
    }


def check_text(text: str, *, where: str) -> None:
    """Raise MalformedInput if ``text`` holds a NUL character or a lone surrogate."""
    problem = unsafe_character(text)
    if problem is not None:
        raise MalformedInput(
            _("%(where)s contains %(problem)s; remove it and try again.")
            % {"where": where, "problem": problem}
        )


def check_bytes(data: bytes, *, where: str) -> str:
    """The UTF-8 text of ``data``; raises MalformedInput for other bytes, NUL or surrogates."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NotUtf8(
            _("%(where)s is not valid UTF-8 (byte %(byte)s).")
            % {"where": where, "byte": error.start + 1},
            byte=error.start + 1,
        ) from None
    check_text(text, where=where)
    return text


# --- uploaded text files ------------------------------------------------------------------------


def decode_text(data: str | bytes) -> str:
    """The text of an uploaded file, without byte order mark.

    Raises NotUtf8 for bytes that are not UTF-8 and MalformedInput, naming the line, for a
    NUL character (a binary or damaged file) or a lone surrogate.
    """
    if isinstance(data, bytes | bytearray):
        try:
            text = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise NotUtf8(
                _("The file is not UTF-8 (byte %(byte)s).") % {"byte": error.start + 1},
                byte=error.start + 1,
            ) from None
    else:
        text = data
    match = _UNSAFE.search(text)
    if match is not None:
        line = text.count("\n", 0, match.start()) + 1
        check_text(text, where=_("Line %(line)s of the file") % {"line": line})
    return text.removeprefix("\ufeff")


# --- numbers ------------------------------------------------------------------------------------


def whole_number(value: Any, *, maximum: int = MAX_ID) -> int | None:
    """``value`` as a whole number from 0 to ``maximum`` written in ASCII digits, else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 <= value <= maximum else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not _ASCII_DIGITS.fullmatch(text) or len(text.lstrip("0")) > len(str(maximum)):
        return None
    number = int(text)
    return number if number <= maximum else None


# --- JSON ---------------------------------------------------------------------------------------


def _too_deep(text: str, limit: int) -> bool:
    """Whether arrays and objects in ``text`` nest deeper than ``limit`` (strings skipped)."""
    depth = 0
    in_string = False
    skip_to = -1
    for match in _JSON_SPECIAL.finditer(text):
        position = match.start()
        if position < skip_to:
            continue
        char = match.group()
        if in_string:
            if char == "\\":
                skip_to = position + 2
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _number_parser(convert: Callable[[str], Any], limit: int) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        if len(text) > limit:
            raise MalformedInput(
                _("The JSON contains a number of %(length)s characters; the most is %(max)s.")
                % {"length": len(text), "max": limit}
            )
        return convert(text)

    return parse


def _refuse_constant(name: str) -> Any:
    raise MalformedInput(
        _("The JSON contains %(constant)s, which is not a number in JSON.") % {"constant": name}
    )


def load_json(
    data: str | bytes,
    *,
    max_depth: int = MAX_JSON_DEPTH,
    max_number_length: int = MAX_JSON_NUMBER_LENGTH,
) -> Any:
    """The value of the JSON text ``data`` (str, or UTF-8 bytes with or without BOM).

    Raises MalformedInput with a message for the sender: not UTF-8, not JSON, nested deeper
    than ``max_depth``, a number longer than ``max_number_length`` characters, NaN/Infinity,
    or a string or key with a NUL character or a lone surrogate.
    """
    if isinstance(data, bytes | bytearray):
        try:
            text = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise NotUtf8(
                _("The JSON is not UTF-8 (byte %(byte)s).") % {"byte": error.start + 1},
                byte=error.start + 1,
            ) from None
    else:
        text = data.removeprefix("\ufeff")
    too_deep = _(
        "The JSON nests arrays and objects more than %(max)s levels deep; send flatter data."
    ) % {"max": max_depth}
    if _too_deep(text, max_depth):
        raise MalformedInput(too_deep)
    try:
        value = json.loads(
            text,
            parse_int=_number_parser(int, max_number_length),
            parse_float=_number_parser(float, max_number_length),
            parse_constant=_refuse_constant,
        )
    except json.JSONDecodeError as error:
        raise MalformedInput(
            _("This is not valid JSON: %(problem)s (line %(line)s, column %(column)s).")
            % {"problem": error.msg, "line": error.lineno, "column": error.colno}
        ) from None
    except RecursionError:  # pragma: no cover - the depth check above comes first
        raise MalformedInput(too_deep) from None
    _check_json_strings(value)
    return value


def _check_json_strings(value: Any) -> None:
    pending = [value]
    where = _("A text in the JSON")
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            check_text(item, where=where)
        elif isinstance(item, dict):
            for key, child in item.items():
                check_text(key, where=where)
                pending.append(child)
        elif isinstance(item, list):
            pending.extend(item)


# --- requests -----------------------------------------------------------------------------------


def _raw(request: HttpRequest, key: str) -> bytes:
    """A CGI variable's bytes: WSGI servers hand them over as ISO-8859-1 strings."""
    value = request.META.get(key, "")
    try:
        return value.encode("iso-8859-1")
    except UnicodeEncodeError:  # an ASGI server has already decoded it
        return value.encode("utf-8", "surrogatepass")


def _check_urlencoded(raw: bytes, *, where: str, fields: bool) -> None:
    """Check each name and value of ``a=1&b=2`` as bytes, before Django replaces bad ones."""
    for pair in raw.split(b"&"):
        name, _equals, value = pair.partition(b"=")
        name_text = check_bytes(unquote_to_bytes(name.replace(b"+", b" ")), where=where)
        if fields:
            where_value = _("The form field “%(field)s”") % {"field": name_text[:100]}
        else:
            where_value = _("The query parameter “%(parameter)s”") % {"parameter": name_text[:100]}
        check_bytes(unquote_to_bytes(value.replace(b"+", b" ")), where=where_value)


def check_request(request: HttpRequest) -> None:
    """Raise MalformedInput if the path, query string, form fields or file names are not text."""
    # Django keeps bytes of the path that are not UTF-8 percent-encoded ("%ED%A0%80"): harmless.
    check_text(request.path_info, where=_("The address"))
    _check_urlencoded(_raw(request, "QUERY_STRING"), where=_("The query string"), fields=False)
    if request.method != "POST":
        return
    if request.content_type == "application/x-www-form-urlencoded":
        _check_urlencoded(request.body, where=_("The form"), fields=True)
    elif request.content_type == "multipart/form-data":
        for name, values in request.POST.lists():
            field = _("The form field “%(field)s”") % {"field": name[:100]}
            check_text(name, where=_("The form"))
            for value in values:
                check_text(value, where=field)
        for name, upload in request.FILES.items():
            check_text(name, where=_("The form"))
            check_text(upload.name or "", where=_("The name of the uploaded file"))


def wants_json(request: HttpRequest) -> bool:
    if request.path_info.startswith(JSON_PATH_PREFIXES):
        return True
    if request.content_type == "application/json":
        return True
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def bad_request_response(request: HttpRequest, message: str = "") -> HttpResponse:
    """The uniform 400: ``{"error": message}`` for machines, the 400 page for people."""
    message = message or _("The request could not be read. Check what you entered and try again.")
    if wants_json(request):
        return JsonResponse({"error": message}, status=400)
    return HttpResponseBadRequest(
        render_to_string("400.html", {"message": message}, request=request)
    )


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's handler400 (lms/urls.py): the same page; the exception's text stays private."""
    return bad_request_response(request)


def names_impossible_id(path: str) -> bool:
    """Whether a segment of ``path`` is a number longer than any database id (``/12/``)."""
    return any(
        len(segment) > len(str(MAX_ID)) and _ASCII_DIGITS.fullmatch(segment)
        for segment in path.split("/")
    )


class MalformedInputMiddleware:
    """Answers 400 before any view sees text that is not text (see the module docstring).

    Sits after the language middlewares, so the message is in the visitor's language.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            check_request(request)
        except MalformedInput as error:
            return bad_request_response(request, error.message)
        if names_impossible_id(request.path_info):
            # Such an id names no row; Python cannot even read more than 4,300 digits.
            raise Http404(_("This page does not exist."))
        return self.get_response(request)


class IgnoreMalformedCookiesMiddleware:
    """Drops cookies holding a NUL character or a lone surrogate before anything reads them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        cookies = request.COOKIES
        for name in [name for name, value in cookies.items() if _UNSAFE.search(name + value)]:
            del cookies[name]
        return self.get_response(request)
