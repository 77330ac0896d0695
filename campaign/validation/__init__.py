"""Validation rules for files enterprises send back: small pure functions returning `Problem`s."""

from campaign.validation.problems import Problem, problem

__all__ = ["Problem", "problem"]
