"""Synthetic enterprises for `campaign simulate`: behaviour, figures and the files they send."""
