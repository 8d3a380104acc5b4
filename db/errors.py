"""Errors raised by the write services; each carries a Chinese message fit to show a user."""

from __future__ import annotations


class WriteError(Exception):
    """Base class: ``str(error)`` is a Chinese message for the user."""


class ValidationFailed(WriteError):
    """One or more fields are wrong. ``errors`` maps a field name to its Chinese message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        super().__init__("；".join(self.errors.values()))


class PermissionDenied(WriteError):
    """The user's role or scope does not allow this action."""


class StaleEdit(WriteError):
    """The record changed since the user opened it."""

    def __init__(self, table_label: str = "记录"):
        super().__init__(f"该{table_label}已被他人修改或删除，请刷新后重新编辑。为避免覆盖他人的修改，本次保存未写入。")


class NotFound(WriteError):
    """The record does not exist (any more)."""


class LoginFailed(Exception):
    """Login refused; the message is Chinese and does not reveal whether the user exists."""
