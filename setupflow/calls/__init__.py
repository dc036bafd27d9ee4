"""Calls for expressions of interest (AMI) or applications, and the selection of a sponsor or cohort."""
