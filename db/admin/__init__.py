"""Administration of an installation (系统管理, DESIGN.md §6): backup and restore. No Streamlit here."""
