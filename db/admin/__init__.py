"""系统管理 in the data layer (DESIGN.md §6), admin only and enforced here: user administration (users.py), the
audit log (audit.py), backup and restore (backup.py), kiosk links for the big screen (kiosk.py). No Streamlit here."""
