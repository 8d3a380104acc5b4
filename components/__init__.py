"""Reusable Streamlit pieces: page setup and login guard, KPI cards, charts, forms, formatting."""
