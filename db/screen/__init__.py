"""Review meetings (DESIGN.md §10): the big screen's aggregates (reads.py) and the 工作简报 (brief.py)."""
