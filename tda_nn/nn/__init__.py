"""The torch wing of tda_nn: everything that runs or loads a model."""
