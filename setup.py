"""The optional C speedups of the engine; everything else is configured in pyproject.toml.

``optional=True``: where no compiler is found the build goes on without the extension
and LogIQ runs its pure-Python versions of the same loops (same results, slower).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("bot.engine._speedups", ["bot/engine/_speedups.c"], optional=True),
    ]
)
