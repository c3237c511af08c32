"""The ``file`` connector: log records from local (optionally gzipped) files."""

from connectors.files.connector import FileConnector

__all__ = ["FileConnector"]
