"""The forecast budget: expense and income lines, planned and actual, with their history."""
