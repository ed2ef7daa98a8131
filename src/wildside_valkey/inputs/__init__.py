"""Inputs: variable files and ``--var`` options, read and merged in the interface's precedence."""

from .loading import load_raw_values, load_variables
from .sources import parse_var_option, parse_var_text, read_var_file, var_file_kind

__all__ = [
    "load_raw_values",
    "load_variables",
    "parse_var_option",
    "parse_var_text",
    "read_var_file",
    "var_file_kind",
]
