"""The error a file raises when it cannot be used at all."""


class IngestError(Exception):
    """A file cannot be parsed or used at all; the message names the file and the problem."""
