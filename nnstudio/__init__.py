"""nnstudio: train small neural networks and watch them learn."""

__version__ = "0.1.0"
