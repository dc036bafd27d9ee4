"""Support until opening: workstreams, supervisors' immersion, the DUI signature circuit, opening."""
