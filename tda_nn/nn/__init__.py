"""The torch wing: everything that runs or loads a model."""
