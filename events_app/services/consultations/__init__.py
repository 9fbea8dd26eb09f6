"""Consultations with specialists: slots, bookings, the specialist's day, and the demo's slots."""
