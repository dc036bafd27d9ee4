"""The diagnostic: data sources, aggregate indicators, interviews, initiatives, conclusions."""
