"""我的待办: what each role has to do today (the landing page and the menu's count)."""
