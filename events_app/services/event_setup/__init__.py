"""event_setup"""
