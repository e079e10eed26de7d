"""Every API refusal as JSON with a machine-readable `code` and a `detail` a person can read."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from board.services.cards import ClaimHeld, StaleEdit
from board.services.common import Gone

# Service refusals (Django's ValidationError and kin) as the API names them.
_SERVICE = [
    (StaleEdit, status.HTTP_409_CONFLICT, "stale_version"),
    (ClaimHeld, status.HTTP_409_CONFLICT, "claim_held"),
    (Gone, status.HTTP_404_NOT_FOUND, "gone"),
    (ValidationError, status.HTTP_400_BAD_REQUEST, "invalid"),
]


def _codes(detail) -> str:
    """The first code DRF gave the error (field errors nest it)."""
    codes = detail
    while isinstance(codes, dict | list) and codes:
        codes = next(iter(codes.values())) if isinstance(codes, dict) else codes[0]
    return str(codes) if codes else "error"


def handler(exc: Exception, context: dict) -> Response | None:
    for kind, code_status, code in _SERVICE:
        if isinstance(exc, kind):
            return Response({"code": code, "detail": " ".join(exc.messages)}, status=code_status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or None)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"code": _codes(exc.get_codes()), "detail": "Invalid input.", "fields": exc.detail}
    elif isinstance(exc, exceptions.APIException):
        response.data = {"code": _codes(exc.get_codes()), "detail": str(exc.detail)}
    return response
