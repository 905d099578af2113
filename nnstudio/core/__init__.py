"""The Qt-free NumPy core of nnstudio: data, model, training, metrics and files."""
