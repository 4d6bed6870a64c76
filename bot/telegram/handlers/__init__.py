"""One module per feature, each exposing ``register(application)``."""
