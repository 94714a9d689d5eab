"""Categorical aggregation: one algorithm per module, crowd-kit's estimator conventions."""
