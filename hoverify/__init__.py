"""hoverify: write Heard-Of round algorithms once; prove them, run them."""

__version__ = "0.1.0"
