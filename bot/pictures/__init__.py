"""Technique diagrams: their descriptions in knowledge/pictures.yaml, and the committed PNGs.

The running bot only reads the PNGs (``files``); ``footbot render`` draws them with the
development package ``drawing/``; ``spec`` and ``lint`` read and check the descriptions without
Pillow, for ``footbot check``.
"""
