"""Due-soon and overdue reminders: the working-day calendar, the daily sweep, the digests."""
