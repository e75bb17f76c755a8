"""Importing clients from CSV: upload, column mapping, dry run, then an all-or-nothing import."""
