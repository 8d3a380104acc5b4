"""Review meetings: the big screen (big_screen.py, style.py), the 工作简报 page (brief.py) and kiosk links for admins
(kiosk_admin.py)."""
