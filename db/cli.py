"""Command line for installs: ``python -m db.cli create-admin`` and friends.

    python -m db.cli migrate                 # apply migrations (the app also does this on start)
    python -m db.cli create-admin USERNAME   # asks for the password twice (or reads it from --password-stdin)
    python -m db.cli load-demo | reset-demo  # the demo data set
    python -m db.cli unlock USERNAME         # lift a lock when no administrator can log in (audited)
    python -m db.cli accept-secret-key       # PostgreSQL: record this server's SECRET_KEY as the shared one
"""

from __future__ import annotations

import argparse
import getpass
import sys

from db.engine import get_engine, session_scope
from db.errors import ValidationFailed
from db.migrate import upgrade


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m db.cli", description="五社联动数据看板 管理命令")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply database migrations")
    admin = sub.add_parser("create-admin", help="create an administrator account")
    admin.add_argument("username")
    admin.add_argument("--display-name", default="")
    admin.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    unlock = sub.add_parser("unlock", help="unlock a user (admin lock and failed-login lock)")
    unlock.add_argument("username")
    sub.add_parser("accept-secret-key", help="record this server's secret key as the one all servers share")
    sub.add_parser("load-demo", help="load the demo data set if it is not loaded")
    sub.add_parser("reset-demo", help="delete and reload the demo data set")
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
    from db.demo.build import load_demo, reset_demo

    upgrade(get_engine())
    if args.command == "load-demo":
        print("已载入演示数据。" if load_demo(get_engine()) else "演示数据已存在，未重复载入。")
    else:
        reset_demo(get_engine())
        print("已重置演示数据。")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
