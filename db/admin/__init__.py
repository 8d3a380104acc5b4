"""系统管理 in the data layer: user administration (users.py) and the audit log (audit.py); admin only, in db."""
