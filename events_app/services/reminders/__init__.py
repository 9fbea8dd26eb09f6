"""Reminders owed to delegates and to people who booked a consultation, kept in the database."""
