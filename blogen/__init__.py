"""blogen: a static blog generator for people who keep technical notes."""

__version__ = "0.1.0"
