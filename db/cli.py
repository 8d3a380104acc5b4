"""Command line for installs: ``python -m db.cli create-admin`` and friends.

    python -m db.cli serve [STREAMLIT OPTIONS]
                                             # prepare the database (migrate; the demo on a fresh SQLite install),
                                             # then start the app: `streamlit run app.py [OPTIONS]`
    python -m db.cli migrate                 # apply migrations (the app also does this on start)
    python -m db.cli create-admin USERNAME   # asks for the password twice (or reads it from --password-stdin)
    python -m db.cli backup [FILE]           # a consistent backup (default: wushe-backup-<date>-<time>.zip here)
    python -m db.cli inspect-backup FILE     # check a backup file and show what it holds
    python -m db.cli restore FILE [--yes]    # replace all data by the backup's (asks first; backs up the current data)
    python -m db.cli load-demo | reset-demo | clear-demo [--yes]
                                             # the demo data set: asks first, backs up first, refused on real data

Backups made before a restore or a demo command go to BACKUP_DIR (default data/backups).
    python -m db.cli unlock USERNAME         # lift a lock when no administrator can log in (audited)
    python -m db.cli accept-secret-key       # PostgreSQL: record this server's SECRET_KEY as the shared one
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import os
import sys
import time
from pathlib import Path

from db.engine import get_engine, session_scope
from db.errors import ValidationFailed, WriteError
from db.migrate import upgrade
from db.settings import PROJECT_ROOT, get_settings

WARM_UP_SECONDS = 120


def _option(args: list[str], name: str, env: str, default: str) -> str:
    """A Streamlit option as the server will see it: ``--name VALUE`` / ``--name=VALUE``, else its variable."""
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return os.environ.get(env, default)


def _warm_up(args: list[str]) -> None:
    """In a child process: once the server answers, have it run the app's script once (the login page), so that
    the first visitor does not pay for importing the app and filling its first caches. Best effort: a server on
    another address or port than we can tell just stays cold until its first visit."""
    import urllib.request

    port = _option(args, "--server.port", "STREAMLIT_SERVER_PORT", "8501")
    prefix = _option(args, "--server.baseUrlPath", "STREAMLIT_SERVER_BASE_URL_PATH", "").strip("/")
    base = f"http://127.0.0.1:{port}" + (f"/{prefix}" if prefix else "")
    deadline = time.monotonic() + WARM_UP_SECONDS
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2):
                break
        except OSError:
            time.sleep(0.2)
    with contextlib.suppress(OSError):
        urllib.request.urlopen(f"{base}/_stcore/script-health-check", timeout=WARM_UP_SECONDS).close()
        print(f"已就绪：http://localhost:{port}" + (f"/{prefix}" if prefix else ""), flush=True)


def _serve(args: list[str]) -> int:
    """Prepare the database, then become the Streamlit server (exec), so the first visit finds it ready."""
    from db.bootstrap import prepare
    from db.engine import database_unavailable, dispose_engines
    from db.secret import SecretKeyMismatch

    print("正在准备数据库（首次启动时建立数据库结构并载入演示数据）……", flush=True)
    try:
        seconds = prepare()
    except SecretKeyMismatch as exc:
        print(f"未启动：{exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        reason = "数据库无法连接" if database_unavailable(exc) else "数据库准备失败"
        print(f"未启动：{reason}（{type(exc).__name__}: {exc}）。请检查 DATABASE_URL 与数据库状态后重试。",
              file=sys.stderr)
        return 2
    print(f"数据库已就绪（用时 {seconds:.1f} 秒），正在启动网页服务……", flush=True)
    dispose_engines()  # no pooled connection crosses the fork and the exec
    cmd = [sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "app.py"),
           "--server.scriptHealthCheckEnabled", "true", *args]
    sys.stdout.flush()
    sys.stderr.flush()
    if hasattr(os, "fork") and os.fork() == 0:  # the warm-up helper; this process becomes the server (same pid)
        try:
            _warm_up(args)
        finally:
            os._exit(0)
    os.chdir(PROJECT_ROOT)
    os.execv(sys.executable, cmd)
    return 0  # not reached


def _create_admin(username: str, password_stdin: bool, display_name: str) -> int:
    from db.auth import create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("密码（至少 8 位）：")
        if getpass.getpass("再次输入密码：") != password:
            print("两次输入的密码不一致，未创建用户。", file=sys.stderr)
            return 2
    upgrade(get_engine())
    try:
        with session_scope(write=True) as session:
            user_id = create_user(session=session, actor=None, username=username, password=password,
                                  role="admin", scope_type="all", display_name=display_name or username)
    except ValidationFailed as exc:
        print(f"未创建用户：{exc}", file=sys.stderr)
        return 2
    print(f"已创建管理员 {username}（id {user_id}）。")
    return 0


def _confirm(question: str, yes: bool) -> bool:
    """Ask on the terminal; ``--yes`` answers for scripts. Anything but yes/y/是 cancels."""
    if yes:
        return True
    print(f"{question}\n确认请输入 yes（其他任意输入取消）：", end="", flush=True)
    try:
        answer = input()
    except EOFError:
        answer = ""
    if answer.strip().lower() in ("yes", "y", "是"):
        return True
    print("已取消，数据库未改动。")
    return False


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, round(n / 1024))} KB"


def _safety_backup(suffix: str) -> Path:
    from db.admin.backup import backup_to_dir

    path = backup_to_dir(get_engine(), get_settings().backup_path, suffix=suffix)
    print(f"已先备份当前数据：{path}（{_size(path.stat().st_size)}）")
    return path


def _backup(file: str | None) -> int:
    from db.admin.backup import backup_filename, write_backup

    path = Path(file) if file else Path.cwd() / backup_filename()
    if path.is_dir():
        path = path / backup_filename()
    if path.exists():
        print(f"文件已存在，未覆盖：{path}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    manifest = write_backup(get_engine(), path)
    rows = sum(t["rows"] for t in manifest["tables"])
    print(f"已备份到 {path}（{_size(path.stat().st_size)}，{len(manifest['tables'])} 张表共 {rows:,} 行，"
          f"用时 {time.perf_counter() - started:.1f} 秒）。")
    return 0


def _inspect(file: str) -> int:
    from db.admin.backup import inspect_backup

    info = inspect_backup(file)
    print("备份文件检查通过（来自本系统，内容完整，未被修改）。")
    print("\n".join(info.summary_lines()))
    return 0


def _restore(file: str, yes: bool) -> int:
    from db.admin.backup import inspect_backup, restore_backup

    info = inspect_backup(file)
    print("备份文件检查通过。将恢复的内容：")
    print("\n".join(info.summary_lines()))
    if not _confirm("恢复会用该备份替换当前数据库中的全部数据（恢复成功之前当前数据保持不变），所有用户需重新登录。", yes):
        return 1
    upgrade(get_engine())
    _safety_backup("before-restore")
    result = restore_backup(get_engine(), file)
    total = sum(result.rows.values())
    print(f"已恢复：{total:,} 行，数据库结构版本 {result.revision}，用时 {result.seconds:.1f} 秒。"
          + ("所有已登录的会话已失效，请重新登录。" if result.sessions_ended else ""))
    return 0


def _demo(command: str, yes: bool) -> int:
    from sqlmodel import Session

    from db.demo import (
        DEMO_ACCOUNTS,
        DEMO_PASSWORD,
        clear_demo,
        demo_loaded,
        load_demo,
        refuse_if_real,
        reset_demo,
    )

    engine = get_engine()
    upgrade(engine)
    action = {"load-demo": "载入", "reset-demo": "重置", "clear-demo": "清除"}[command]
    with Session(engine) as session:
        refuse_if_real(session, action)  # before asking: a database with real records never gets the demo
        loaded = demo_loaded(session)
    if command == "load-demo" and loaded:
        print("演示数据已存在，未重复载入。")
        return 0
    if command == "clear-demo" and not loaded:
        print("当前数据库没有载入演示数据，无需清除。")
        return 0
    question = {
        "load-demo": "将在当前数据库中载入演示数据（含演示账号 "
                     + "、".join(u for u, _d in DEMO_ACCOUNTS) + f"，密码 {DEMO_PASSWORD}）。",
        "reset-demo": "将删除全部演示数据与演示账号，再重新载入演示数据。",
        "clear-demo": "将删除全部演示数据与演示账号；之后启动也不会再自动载入演示数据。",
    }[command]
    if not _confirm(question, yes):
        return 1
    _safety_backup(f"before-{command}")
    if command == "load-demo":
        print("已载入演示数据。" if load_demo(engine) else "演示数据已存在，未重复载入。")
    elif command == "reset-demo":
        reset_demo(engine)
        print("已重置演示数据。")
    else:
        counts = clear_demo(engine)
        print(f"已清除演示数据（{sum(counts.values()):,} 行）。")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m db.cli", description="五社联动数据看板 管理命令")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="prepare the database, then start the app (options go to streamlit run)")
    sub.add_parser("migrate", help="apply database migrations")
    admin = sub.add_parser("create-admin", help="create an administrator account")
    admin.add_argument("username")
    admin.add_argument("--display-name", default="")
    admin.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    unlock = sub.add_parser("unlock", help="unlock a user (admin lock and failed-login lock)")
    unlock.add_argument("username")
    sub.add_parser("accept-secret-key", help="record this server's secret key as the one all servers share")
    backup = sub.add_parser("backup", help="write a consistent backup of the whole database")
    backup.add_argument("file", nargs="?", help="file or folder (default: wushe-backup-<date>-<time>.zip here)")
    inspect = sub.add_parser("inspect-backup", help="check a backup file and show what it holds")
    inspect.add_argument("file")
    restore = sub.add_parser("restore", help="replace all data by a backup's (backs up the current data first)")
    restore.add_argument("file")
    restore.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    for name, text in (("load-demo", "load the demo data set if it is not loaded"),
                       ("reset-demo", "delete and reload the demo data set"),
                       ("clear-demo", "delete the demo data set and its accounts")):
        demo = sub.add_parser(name, help=f"{text} (refused on a database with real records)")
        demo.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["serve"]:  # every other option belongs to `streamlit run`
        return _serve(argv[1:])
    args = parser.parse_args(argv)

    if args.command == "migrate":
        upgrade(get_engine())
        print("数据库已迁移到最新版本。")
        return 0
    if args.command == "create-admin":
        return _create_admin(args.username, args.password_stdin, args.display_name)
    if args.command == "unlock":
        from db.admin.users import unlock_by_name

        upgrade(get_engine())
        with session_scope(write=True) as session:
            found = unlock_by_name(session=session, username=args.username)
        print(f"已解锁用户 {args.username}。" if found else f"用户 {args.username} 不存在。",
              file=sys.stdout if found else sys.stderr)
        return 0 if found else 2
    if args.command == "accept-secret-key":
        from db.secret import check_shared_secret

        upgrade(get_engine())
        check_shared_secret(get_engine(), accept=True)
        print("已将本服务器的登录密钥记录为共享密钥；用其他密钥签发的登录状态将失效。")
        return 0
    try:
        if args.command == "backup":
            return _backup(args.file)
        if args.command == "inspect-backup":
            return _inspect(args.file)
        if args.command == "restore":
            return _restore(args.file, args.yes)
        return _demo(args.command, args.yes)
    except WriteError as exc:
        print(f"未完成：{exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\n已中断，数据库未改动。", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
