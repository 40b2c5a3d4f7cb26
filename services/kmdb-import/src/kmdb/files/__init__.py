"""Revision files: each file's progress in `dumpfiles` and its bad lines in `file_errors`."""
