"""Labelwise: a self-hosted data-labeling platform compatible with Label Studio."""

__version__ = "0.1.0"
