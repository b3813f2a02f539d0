"""Errors an action can raise, with the reference's codes and HTTP-like statuses."""

from __future__ import annotations

from segcio.errors import Invalid

PAYLOAD_VALIDATION_FAILED = "PAYLOAD_VALIDATION_FAILED"


class IntegrationError(Invalid):
    """An error reported for one event (not retried unless the status says so)."""

    def __init__(self, message: str, code: str = "", status: int = 400) -> None:
        super().__init__(message, code=code, status=status)

    def __str__(self) -> str:
        return self.message


class PayloadValidationError(IntegrationError):
    """The mapped payload does not satisfy the action's fields (message: the joined human errors)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, PAYLOAD_VALIDATION_FAILED, 400)


class InvalidSettingsError(IntegrationError):
    """The destination settings do not satisfy the settings fields."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "INVALID_SETTINGS", 400)


class NotImplementedBatchError(IntegrationError):
    def __init__(self) -> None:
        super().__init__("This action does not support batched requests.", "NotImplemented", 501)
