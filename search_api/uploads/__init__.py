"""Uploads: bundles and single files, checked, kept and indexed in the background."""
