"""Threshold alerts over a series: which points reach the warning or the error level."""
