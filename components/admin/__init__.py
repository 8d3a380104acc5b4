"""The 系统管理 page's sections (administrators only; every service they call refuses anyone else in db)."""
