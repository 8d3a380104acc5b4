"""What every form does around its write service: a random idempotency key per form instance, kept in
``st.session_state`` until the form saves (a double click or a rerun writes once); the refusal in Chinese; after a
save, a fresh key, a rerun and a one-time success message."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import streamlit as st

from components.cache import engine
from db.auth import CurrentUser
from db.errors import ValidationFailed, WriteError
from db.write import run_write, submit


def form_key(state: str) -> str:
    """The idempotency key of the form instance kept in ``st.session_state[state]``."""
    return st.session_state.setdefault(state, uuid.uuid4().hex)


def renew_key(state: str) -> None:
    st.session_state[state] = uuid.uuid4().hex


def show_flash(state: str) -> None:
    """The success message a save left for this run, shown once."""
    message = st.session_state.pop(state, None)
    if message:
        st.success(message)


def show_refusal(exc: WriteError) -> None:
    """Why nothing was saved: every wrong field, or the refusal (role, scope, stale edit …)."""
    if isinstance(exc, ValidationFailed):
        st.error("未保存：请修改以下内容后再提交。\n\n" + "\n".join(f"- {m}" for m in exc.errors.values()))
    else:
        st.error(f"未保存：{exc}")


def after_save(flash_state: str, message: str, key_state: str | None = None) -> None:
    """After a save: a fresh key for the next entry (if the form has one), the message, a rerun."""
    if key_state is not None:
        renew_key(key_state)
    st.session_state[flash_state] = message
    st.rerun()


def attempt(action: Callable[[], Any], flash_state: str, message: Callable[[Any], str],
            key_state: str | None = None) -> None:
    """Run the write ``action()``: show the refusal, or ``after_save`` with ``message(result)``."""
    try:
        result = action()
    except WriteError as exc:
        show_refusal(exc)
    else:
        after_save(flash_state, message(result), key_state)


def run_form(key_state: str, flash_state: str, action: Callable[[str], int], message: Callable[[int], str]) -> None:
    """Run ``action(key)`` with the form's idempotency key; then as ``attempt``."""
    key = form_key(key_state)
    attempt(lambda: action(key), flash_state, message, key_state)


def run_create(key_state: str, flash_state: str, service: Callable[..., int], user: CurrentUser, data: Any,
               message: Callable[[int], str]) -> None:
    """``run_form`` for a create service called as ``service(session=, user=, data=, idempotency_key=)``."""
    run_form(key_state, flash_state,
             lambda key: submit(service, user=user, data=data, idempotency_key=key, engine=engine()), message)


def run_change(flash_state: str, work: Callable[[Any], Any], message: Callable[[Any], str],
               key_state: str | None = None) -> None:
    """``attempt`` for a write with no idempotency key (an edit, a review): ``work(session)`` in its own
    write transaction."""
    attempt(lambda: run_write(engine(), None, work), flash_state, message, key_state)
