"""agenda_builder"""
