"""News sources: fetching feeds and article pages safely and turning their items into briefing text.

Nothing here touches the database; callers persist what these functions return (see polling.py for when to fetch).
"""
