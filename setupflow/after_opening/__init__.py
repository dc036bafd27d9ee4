"""A workshop's life after its opening: the aggregates its team reports each period."""
