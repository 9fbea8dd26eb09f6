"""Badges of an event's delegates: who is printed, the category legend, the PDF."""
