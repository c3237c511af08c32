"""Renderers of a :class:`bot.report.Report` for humans (markdown hand-off, ...)."""
