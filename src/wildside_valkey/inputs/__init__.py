"""Inputs: variable files and ``--var`` options, read and merged in the interface's precedence."""

from .loading import load_raw_values, load_variables
from .sources import read_var_file

__all__ = [
    "load_raw_values",
    "load_variables",
    "read_var_file",
]
