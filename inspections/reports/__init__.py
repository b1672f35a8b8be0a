"""周调度通报: figures as of a date (from the event history), the narrative, the workbook."""
