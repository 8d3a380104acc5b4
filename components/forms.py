"""What every form does around its write service: a random idempotency key per form instance, kept in
``st.session_state`` until the form saves (a double click or a rerun writes once); the refusal in Chinese; after a
save, a fresh key, a rerun and a one-time success message. Also the pickers forms share (``pick``), the state
names of a page's forms (``FormStates``) and the one edit frame (``Edit`` + ``edit_form``)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

import streamlit as st

from components.cache import engine
from components.filters import segments
from db.auth import CurrentUser
from db.errors import NotFound, StaleEdit, ValidationFailed, WriteError
from db.write import run_write, submit

# A date field of a form accepts any day typed, so that the write service refuses a day out of range with its
# Chinese message (Streamlit's date_input would otherwise turn a later day red and keep the old one); the digits-only
# format is the least English the widget offers.
ANY_DAY = {"min_value": date(1900, 1, 1), "max_value": date(2199, 12, 31), "format": "YYYY-MM-DD"}


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


# ------------------------------------------------------------------------------------------------ pickers

NONE = "（无）"


def index_of(options: Sequence[Any], value: Any, default: int = 0) -> int:
    """The position of ``value`` among ``options`` (for a widget's ``index``), else ``default``."""
    return options.index(value) if value in options else default


def pick(label: str, items: Sequence[tuple[Any, str]], key: str, *, optional: bool = True, box: Any = None,
         value: Any = None, none_label: str = NONE, placeholder: str | None = None) -> Any:
    """A selectbox of ``(id, name)`` items showing the names: ``none_label`` first when ``optional``; showing
    ``value`` when it is among them; nothing chosen until the user picks when ``placeholder`` is given."""
    names = dict(items)
    ids = [None, *names] if optional else list(names)
    index = None if placeholder is not None and value not in ids else index_of(ids, value)
    return (box or st).selectbox(label, ids, index=index, key=key, placeholder=placeholder,
                                 format_func=lambda i: none_label if i is None else names.get(i, str(i)))


# ------------------------------------------------------------------------------------------ form states


@dataclass(frozen=True)
class FormStates:
    """Where a page keeps its forms' state: ``key`` and ``flash`` are ``st.session_state`` names with ``{}`` for
    the form (``flash`` without ``{}``: one success message for all the page's forms)."""

    key: str
    flash: str

    def key_state(self, form: str) -> str:
        return self.key.format(form)

    def flash_state(self, form: str = "") -> str:
        return self.flash.format(form)

    def form_key(self, form: str) -> str:
        """The idempotency key of the form instance (kept until it saves)."""
        return form_key(self.key_state(form))

    def show_flash(self, form: str = "") -> None:
        show_flash(self.flash_state(form))

    def create(self, form: str, service: Callable[..., int], user: CurrentUser, data: Any,
               message: Callable[[int], str]) -> None:
        """``run_create`` of a create service ``service(session=, user=, data=, idempotency_key=)``."""
        run_create(self.key_state(form), self.flash_state(form), service, user, data, message)

    def submit(self, form: str, action: Callable[[str], int], message: Callable[[int], str]) -> None:
        """``run_form``: ``action(key)`` with the form's idempotency key."""
        run_form(self.key_state(form), self.flash_state(form), action, message)

    def change(self, form: str, work: Callable[[Any], Any], message: Callable[[Any], str]) -> None:
        """``run_change``: ``work(session)`` in its own write transaction; a fresh form key after the save."""
        run_change(self.flash_state(form), work, message, self.key_state(form))

    def create_form(self, form: str, fields: Callable[[str], Any], submit: str, service: Callable[..., int],
                    user: CurrentUser, message: Callable[[Any, int], str]) -> None:
        """A create form: ``fields(key)`` (the widgets, keyed by the form's idempotency key, read back as the
        service's input) and the button ``submit``; a submission runs ``service`` once (``create``) and shows
        ``message(values, new id)``."""
        key = self.form_key(form)
        with st.form(f"{form}_{key}", border=True, enter_to_submit=False):
            entry = fields(key)
            submitted = st.form_submit_button(submit, type="primary")
        if submitted:
            self.create(form, service, user, entry, lambda record_id: message(entry, record_id))


def entry_header(streets: Sequence[tuple[int, str]], choices: Sequence[str], *, kind_key: str, street_key: str
                 ) -> tuple[str, int] | None:
    """The head of a page's 录入 tab: which form (of ``choices``) and, when the user has several, for which
    street; None (with a warning) when the user's scope holds no street."""
    if not streets:
        st.warning("您的数据范围内没有街道，无法录入。请联系管理员。")
        return None
    with st.container(horizontal=True, vertical_alignment="bottom"):
        kind = segments(st, "录入内容", list(choices), choices[0], kind_key)
        street_id = pick("所属街道", streets, street_key, optional=False) if len(streets) > 1 else streets[0][0]
    return kind, street_id


# ------------------------------------------------------------------------------------------ the edit frame

T = TypeVar("T")


@dataclass(frozen=True)
class Opened(Generic[T]):
    """A record as it was when the user opened it: its id, version and saved values."""

    record_id: int
    version: int
    values: T


@dataclass(frozen=True)
class Delete:
    """An edit form's delete button, which acts only with its confirmation ticked."""

    confirm: str
    button: str
    work: Callable[[Any, Opened], Any]  # (session, opened) → the delete service
    message: Callable[[Opened], str]


@dataclass(frozen=True)
class Edit(Generic[T]):
    """An edit form: what to call a record, how to load and show it, and how to save it; ``edit_form`` does the
    rest. ``save(session, opened, entered, key)`` calls the write service with ``opened.version`` (a change by
    anyone since the record was opened is refused there); ``key`` is the form's idempotency key when
    ``key_state`` is set (a service that takes one), else None."""

    noun: str
    pick_key: str
    flash: str
    load: Callable[[int], tuple[T, int]]  # record id → (saved values, version); a WriteError if out of reach
    # (name, saved values) → the values entered, drawn inside the form; ``name`` keys its widgets: the form's
    # idempotency key with ``key_state``, else edit{id}_{version}.
    fields: Callable[[str, T], Any]
    save: Callable[[Any, Opened[T], Any, str | None], Any]
    message: Callable[[Opened[T], Any, Any], str]  # (opened, entered, the service's result) → success text
    pick_label: str = ""  # default 要修改的{noun}
    empty: str = ""  # default 所选范围内没有{noun}。
    optional: bool = False  # the picker's first choice is ``none_label`` (nothing picked)
    none_label: str = NONE
    placeholder: str | None = None  # nothing picked until the user picks
    heading: bool = True  # **修改{noun} #id**（版本 n）above the fields
    note: str = ""  # added to the heading
    submit: str = "保存修改"
    key_state: str | None = None
    before: Callable[[Opened[T]], bool] | None = None  # drawn above the form; False: no form (it said why)
    delete: Delete | None = None


def edit_form(spec: Edit[T], items: Sequence[tuple[int, str]]) -> None:
    """Pick one of ``items`` (records of the scope), load its saved values and version once when it is opened,
    show the fields in a form, and save with the version it was opened at: the refusal in Chinese, or a fresh
    form and the success message. A record changed or deleted meanwhile is refused and then opened afresh."""
    if not items:
        st.info(spec.empty or f"所选范围内没有{spec.noun}。")
        return
    record_id = pick(spec.pick_label or f"要修改的{spec.noun}", items, spec.pick_key, optional=spec.optional,
                     none_label=spec.none_label, placeholder=spec.placeholder)
    if record_id is None:
        return
    opened = _open(spec, record_id)
    if opened is None or (spec.before is not None and not spec.before(opened)):
        return
    key = form_key(spec.key_state) if spec.key_state else None
    name = key or f"edit{record_id}_{opened.version}"
    with st.form(f"{spec.pick_key}_{name}", border=True, enter_to_submit=False):
        if spec.heading:
            st.markdown(f"**修改{spec.noun} #{record_id}**（版本 {opened.version}"
                        + (f"；{spec.note}" if spec.note else "") + "）")
        entered = spec.fields(name, opened.values)
        remove = confirmed = False
        if spec.delete is None:
            save = st.form_submit_button(spec.submit, type="primary")
        else:
            left, right = st.columns(2)
            save = left.form_submit_button(spec.submit, type="primary")
            confirmed = right.checkbox(spec.delete.confirm, key=f"confirm_{name}")
            remove = right.form_submit_button(spec.delete.button)
    if remove and not confirmed:
        st.warning(f"请先勾选「{spec.delete.confirm}」。")  # type: ignore[union-attr]
    elif save or remove:
        _save(spec, opened, entered, key, remove)


def _opened_state(spec: Edit) -> str:
    return f"{spec.pick_key}_opened"


def _open(spec: Edit[T], record_id: int) -> Opened[T] | None:
    """The record as opened (kept in the session until it is saved or another is picked), or None with the reason
    shown."""
    opened = st.session_state.get(_opened_state(spec))
    if isinstance(opened, Opened) and opened.record_id == record_id:
        return opened
    try:
        values, version = spec.load(record_id)
    except WriteError as exc:
        st.warning(str(exc))
        return None
    opened = Opened(record_id, version, values)
    st.session_state[_opened_state(spec)] = opened
    return opened


def _save(spec: Edit[T], opened: Opened[T], entered: Any, key: str | None, remove: bool) -> None:
    def work(session: Any) -> Any:
        if remove:
            return spec.delete.work(session, opened)  # type: ignore[union-attr]
        return spec.save(session, opened, entered, key)

    try:
        result = run_write(engine(), key, work)
    except WriteError as exc:
        show_refusal(exc)
        if isinstance(exc, (StaleEdit, NotFound)):
            st.session_state.pop(_opened_state(spec), None)  # the next run opens what is saved now
        return
    st.session_state.pop(_opened_state(spec), None)
    if remove:
        st.session_state.pop(spec.pick_key, None)
    text = spec.delete.message(opened) if remove else spec.message(opened, entered, result)  # type: ignore[union-attr]
    after_save(spec.flash, text, spec.key_state)
