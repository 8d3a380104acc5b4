"""Administration services: kiosk links for the big screen (kiosk.py)."""
