"""Tables of the destinations area: the subscriptions of each Actions destination."""

from sqlalchemy import Boolean, Column, Float, ForeignKey, Index, Integer, String, Table, Text

from segcio.store.metadata import metadata

# One row per subscription (Quick Setup preset or Customized Setup): trigger, action and field mapping.
destination_subscriptions = Table(
    "destination_subscriptions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("destination_id", Integer, ForeignKey("destinations.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    # The trigger (subscription) text.
    Column("subscribe", Text, nullable=False),
    Column("partner_action", String(100), nullable=False),
    # JSON: field key -> mapping (raw value or directive).
    Column("mapping", Text, nullable=False, default="{}"),
    Column("enabled", Boolean, nullable=False, default=True),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)
Index("ux_destination_subscriptions_name", destination_subscriptions.c.destination_id,
      destination_subscriptions.c.name, unique=True)
