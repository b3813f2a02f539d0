"""Stored subscriptions of a destination (Quick Setup presets, Customized Setup)."""

from sqlalchemy import Connection


def install_presets(conn: Connection, destination_id: int) -> None:
    """Store the Quick Setup subscriptions for a destination. (Filled in by the actions runtime work.)"""
